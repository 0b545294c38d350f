#include "support/test_support.h"

#include "antispoof/common/error.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace antispoof::testing {
namespace fs = std::filesystem;

std::string SharedDir() {
  const char* env = std::getenv("ANTISPOOF_SHARED");
  std::string dir = env ? env : ANTISPOOF_SHARED_DIR;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "";
  return fs::canonical(dir).string();
}

std::string SourceDir() { return ANTISPOOF_SOURCE_DIR; }
std::string BinaryPath() { return ANTISPOOF_BINARY; }
std::string TinyCorpusDir() { return ANTISPOOF_TEST_CORPUS; }

std::string TempDir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "anon";
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  fs::path dir = fs::temp_directory_path() /
                 ("antispoof_test_" + std::to_string(::getpid()) + "_" +
                  std::to_string(counter++) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  static struct Cleaner {
    std::vector<fs::path> dirs;
    ~Cleaner() {
      if (std::getenv("ANTISPOOF_KEEP_TEST_DIRS")) return;
      for (auto& d : dirs) {
        std::error_code ec;
        fs::remove_all(d, ec);
      }
    }
  } cleaner;
  cleaner.dirs.push_back(dir);
  return dir.string();
}

CommandResult RunShell(const std::string& command) {
  std::string dir = fs::temp_directory_path().string();
  static std::atomic<int> counter{0};
  std::string base = dir + "/antispoof_cmd_" + std::to_string(::getpid()) + "_" +
                     std::to_string(counter++);
  std::string full = "( " + command + " ) >" + base + ".out 2>" + base + ".err </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return r;
}

CommandResult RunAntispoof(const std::string& args) {
  return RunShell("'" + BinaryPath() + "' " + args);
}

std::string ErrorMessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> RunAsThreads(int n, const std::function<void(int)>& body) {
  std::vector<std::string> errors(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      try {
        body(i);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

}  // namespace antispoof::testing
