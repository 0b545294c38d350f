#include "antispoof/corpus/tools.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/process.h"
#include "antispoof/common/strings.h"

namespace antispoof::corpus {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

int RunShell(const std::string& command, const std::string& workdir) {
  std::string full = "cd " + ShellQuote(workdir) +
                     " && LC_ALL=C LANG=C PATH=/usr/libexec/sptk/bin:$PATH; export LC_ALL LANG PATH; (" +
                     command + ") 2>stderr.txt";
  return RunProcess({"/bin/sh", "-c", full});
}

void RunOrFail(const std::string& what, const std::string& command, const std::string& workdir) {
  int rc = RunShell(command, workdir);
  if (rc == 0) return;
  std::string err;
  try {
    err = ReadFile(workdir + "/stderr.txt");
  } catch (const Error&) {
  }
  if (err.size() > 600) err = "..." + err.substr(err.size() - 600);
  std::string shown = command.size() > 400 ? command.substr(0, 400) + " ..." : command;
  Fail(Format("corpus: %s failed (exit %d): %s\n  command: %s", what.c_str(), rc, Trim(err).c_str(),
              shown.c_str()));
}

void RequireTool(const std::string& tool, const std::string& package) {
  const char* path = std::getenv("PATH");
  std::string dirs = std::string(path ? path : "/usr/bin:/bin") + ":/usr/libexec/sptk/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + tool;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return;
    start = end + 1;
  }
  Fail("corpus: the program '" + tool + "' is missing; install the Debian package '" + package +
       "' (sudo apt-get install " + package + ", or run scripts/setup.sh)");
}

std::string DefaultCacheDir() {
  if (const char* c = std::getenv("ANTISPOOF_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/antispoof";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/antispoof";
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string FetchPackage(const std::string& cache, const std::string& package) {
  const std::string root = cache + "/pkgs/" + package;
  if (FileExists(root + "/.complete")) return root;
  MakeDirs(cache + "/debs");
  const std::string lock_path = cache + "/fetch.lock";
  int fd = open(lock_path.c_str(), O_CREAT | O_RDWR, 0644);
  if (fd < 0) Fail("corpus: cannot create " + lock_path);
  flock(fd, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() { flock(fd, LOCK_UN), close(fd); }
  } unlock{fd};
  if (FileExists(root + "/.complete")) return root;
  RequireTool("apt-get", "apt");
  RequireTool("dpkg", "dpkg");
  const std::string debs = cache + "/debs";
  std::string find = "ls " + ShellQuote(package) + "_*.deb 2>/dev/null | head -1 > found.txt";
  auto deb_file = [&]() {
    RunShell(find, debs);
    return Trim(ReadFile(debs + "/found.txt"));
  };
  std::string deb = deb_file();
  if (deb.empty()) {
    std::fprintf(stderr, "corpus: downloading Debian package %s\n", package.c_str());
    const std::string download = "apt-get download -q " + ShellQuote(package) + " >/dev/null";
    if (RunShell(download, debs) != 0) {
      RunShell("apt-get update -qq >/dev/null", debs);
      if (RunShell(download, debs) != 0)
        Fail("corpus: cannot download the Debian package '" + package +
             "' (apt-get download " + package + " failed; run `sudo apt-get update` and check that "
             "the Debian main archive is in the apt sources)");
    }
    deb = deb_file();
    if (deb.empty()) Fail("corpus: apt-get download left no .deb for " + package);
  }
  RemoveTree(root);
  MakeDirs(root);
  RunOrFail("unpacking " + deb, "dpkg -x " + ShellQuote(deb) + " " + ShellQuote(root), debs);
  WriteFileAtomic(root + "/.complete", deb + "\n");
  std::remove((debs + "/" + deb).c_str());
  return root;
}

void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mu;
  auto worker = [&]() {
    while (!failed) {
      size_t i = next++;
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  const int bounded = jobs > 0 ? BoundedThreads(jobs, "corpus jobs (--jobs)") : 1;
  int threads = std::max(1, std::min<int>(bounded, static_cast<int>(n)));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace antispoof::corpus
