#include "antispoof/common/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "antispoof/common/error.h"

extern char** environ;

namespace antispoof {

int RunProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path) {
  if (argv.empty()) Fail("RunProcess: no program given");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!stdout_path.empty())
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  if (!stderr_path.empty())
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) Fail("cannot start " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) Fail("waiting for " + argv[0] + ": " + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string SelfExecutable() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) Fail("cannot find this program (/proc/self/exe): " + ec.message());
  return exe.string();
}

int MachineCores() { return std::max(1u, std::thread::hardware_concurrency()); }

int BoundedThreads(int requested, const std::string& what) {
  const int cores = MachineCores();
  if (requested <= cores) return std::max(1, requested);
  static std::mutex mutex;
  static std::set<std::string> said;  // one line per kind of thread and process
  std::lock_guard<std::mutex> lock(mutex);
  if (said.insert(what).second)
    std::fprintf(stderr, "antispoof: %d %s requested; this machine has %d cores: using %d\n", requested, what.c_str(),
               cores, cores);
  return cores;
}

}  // namespace antispoof
