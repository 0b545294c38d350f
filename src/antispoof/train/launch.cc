#include "antispoof/train/launch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/process.h"
#include "antispoof/common/strings.h"

namespace antispoof::train {
namespace {

using Clock = std::chrono::steady_clock;

struct Stream {
  int fd = -1;
  int rank = 0;
  bool passthrough = false;  // rank 0's stdout
  std::string pending;       // an unfinished line
};

struct Child {
  pid_t pid = -1;
  bool running = false;
  int status = 0;
};

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Writes the complete lines of `s` (all of it when `flush`), prefixed unless passthrough.
void Emit(Stream& s, bool flush) {
  if (s.passthrough) {
    WriteAll(1, s.pending);
    s.pending.clear();
    return;
  }
  size_t start = 0;
  while (true) {
    size_t end = s.pending.find_first_of("\n\r", start);
    if (end == std::string::npos) break;
    if (end > start)
      WriteAll(2, Format("[rank %d] ", s.rank) + s.pending.substr(start, end - start) + "\n");
    start = end + 1;
  }
  s.pending.erase(0, start);
  if (flush && !s.pending.empty()) {
    WriteAll(2, Format("[rank %d] ", s.rank) + s.pending + "\n");
    s.pending.clear();
  }
}

std::string Describe(int status) {
  if (WIFEXITED(status)) return Format("exited with code %d", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return Format("was killed by signal %d (%s)", sig, strsignal(sig));
  }
  return "stopped";
}

}  // namespace

int FreeTcpPort(const std::string& host) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (::getaddrinfo(host.c_str(), "0", &hints, &res) != 0 || res == nullptr)
    Fail("launch: cannot resolve --master-addr '" + host + "'");
  int fd = ::socket(res->ai_family, SOCK_STREAM, 0);
  int port = -1;
  if (fd >= 0 && ::bind(fd, res->ai_addr, res->ai_addrlen) == 0) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  }
  const int err = errno;
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(res);
  if (port <= 0) Fail("launch: no free TCP port on '" + host + "': " + std::strerror(err));
  return port;
}

int LaunchLocal(const LaunchOptions& o) {
  if (o.nprocs < 1 || o.nprocs > kMaxLocalRanks)
    Fail(Format("launch: -n must be 1 to %d ranks on one machine, got %d", kMaxLocalRanks, o.nprocs));
  if (o.args.empty()) Fail("launch: no command given: antispoof launch -n N -- train ...");
  const std::string exe = o.executable.empty() ? SelfExecutable() : o.executable;
  const int port = o.master_port > 0 ? o.master_port : FreeTcpPort(o.master_addr);
  std::fprintf(stderr, "launch: %d ranks, rendezvous at %s:%d\n", o.nprocs, o.master_addr.c_str(),
               port);
  std::fflush(stderr);

  std::vector<Child> children(o.nprocs);
  std::vector<Stream> streams;
  for (int r = 0; r < o.nprocs; ++r) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      Fail(std::string("launch: pipe: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) Fail(std::string("launch: fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(o.nprocs).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(o.nprocs).c_str(), 1);
      ::setenv("MASTER_ADDR", o.master_addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      std::vector<std::string> argv_s{exe};
      argv_s.insert(argv_s.end(), o.args.begin(), o.args.end());
      std::vector<char*> argv;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      std::fprintf(stderr, "launch: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    children[r] = {pid, true, 0};
    streams.push_back({out[0], r, r == 0, ""});
    streams.push_back({err[0], r, false, ""});
  }

  int failed_rank = -1;
  int failed_status = 0;
  Clock::time_point term_sent;
  bool terminating = false, killed = false;
  auto running = [&] {
    for (const auto& c : children)
      if (c.running) return true;
    return false;
  };
  auto open_streams = [&] {
    for (const auto& s : streams)
      if (s.fd >= 0) return true;
    return false;
  };
  while (running() || open_streams()) {
    std::vector<pollfd> fds;
    std::vector<Stream*> owners;
    for (auto& s : streams) {
      if (s.fd < 0) continue;
      fds.push_back({s.fd, POLLIN, 0});
      owners.push_back(&s);
    }
    if (!fds.empty()) {
      int n = ::poll(fds.data(), fds.size(), 100);
      if (n < 0 && errno != EINTR) Fail(std::string("launch: poll: ") + std::strerror(errno));
      for (size_t i = 0; n > 0 && i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[65536];
        ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
        if (got > 0) {
          owners[i]->pending.append(buf, static_cast<size_t>(got));
          Emit(*owners[i], false);
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          Emit(*owners[i], true);
          ::close(owners[i]->fd);
          owners[i]->fd = -1;
        }
      }
    } else {
      ::usleep(100000);
    }
    for (int r = 0; r < o.nprocs; ++r) {
      Child& c = children[r];
      if (!c.running) continue;
      int status = 0;
      pid_t got = ::waitpid(c.pid, &status, WNOHANG);
      if (got != c.pid) continue;
      c.running = false;
      c.status = status;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && failed_rank < 0 && !terminating) {
        failed_rank = r;
        failed_status = status;
        std::fprintf(stderr, "launch: rank %d %s; stopping the other ranks\n", r,
                     Describe(status).c_str());
        std::fflush(stderr);
        for (const auto& other : children)
          if (other.running) ::kill(other.pid, SIGTERM);
        terminating = true;
        term_sent = Clock::now();
      }
    }
    if (terminating && !killed && running() &&
        std::chrono::duration<double>(Clock::now() - term_sent).count() > o.grace_s) {
      for (const auto& c : children)
        if (c.running) ::kill(c.pid, SIGKILL);
      killed = true;
    }
  }
  if (failed_rank >= 0) {
    std::fprintf(
        stderr,
        "antispoof launch: rank %d of %d %s (first failure; the other ranks were stopped)\n",
        failed_rank, o.nprocs, Describe(failed_status).c_str());
    return 1;
  }
  return 0;
}

}  // namespace antispoof::train
