// antispoof: one binary, subcommands; argument parsing only. Results go to stdout, logs to stderr.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <new>
#include <string>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "antispoof/common/error.h"
#include "antispoof/common/progress.h"
#include "command.h"

namespace {

// An allocation failure that no reader caught where the size was known (std::bad_alloc, or LibTorch's
// "DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes" / "CUDA out of memory.
// Tried to allocate ..."): a message with the size asked for, when the error states it, and the
// command line, which names the inputs. "" for any other error.
std::string OutOfMemoryMessage(const std::exception& e) {
  const std::string what = e.what();
  const bool bad_alloc = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
  if (!bad_alloc && what.find("can't allocate memory") == std::string::npos &&
      what.find("out of memory") == std::string::npos) {
    return "";
  }
  std::string size;
  for (const char* marker : {"you tried to allocate ", "Tried to allocate "}) {
    const size_t at = what.find(marker);
    if (at == std::string::npos) continue;
    const size_t from = at + std::strlen(marker);
    size_t to = what.find_first_of(".(\n", from);
    while (to != std::string::npos && what[to] == '.' && to + 1 < what.size() && std::isdigit(static_cast<unsigned char>(what[to + 1])))
      to = what.find_first_of(".(\n", to + 1);  // "1.50 GiB": the decimal point is part of the size
    size = what.substr(from, to == std::string::npos ? std::string::npos : to - from);
    while (!size.empty() && size.back() == ' ') size.pop_back();
  }
  return std::string("out of memory: ") + (bad_alloc ? "an allocation was refused" : "LibTorch could not allocate") +
         (size.empty() ? "" : " " + size) + " while running: " + antispoof::cli::CommandLine() +
         " (use smaller inputs or --batch-size, or a machine with more memory)";
}

// OpenMP threads that spin while they wait (libgomp's default) take the CPU from the thread that
// another process delayed, and every parallel region waits for that slowest thread: beside other busy
// processes on a 2-core machine, training ran 1.8-2.3x slower with spinning (scripts/bench_contention.sh).
// libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main), so the subcommands that compute
// for long re-execute the binary once with OMP_WAIT_POLICY=passive, unless the caller chose a policy
// (OMP_WAIT_POLICY or GOMP_SPINCOUNT set, even to active). The others skip the second start-up.
// Returns only when no re-execution happened (or exec failed: the default policy then).
void PreferPassiveOpenMpWait(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  const char* subcommand = nullptr;
  for (int i = 1; i < argc && subcommand == nullptr; ++i)
    if (argv[i][0] != '-') subcommand = argv[i];
  if (subcommand == nullptr) return;
  bool computes = false;
  for (const char* name : {"train", "eval", "experiment", "demo", "bench", "score", "serve", "launch"})
    computes = computes || std::strcmp(subcommand, name) == 0;
  if (!computes || ::setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("OMP_WAIT_POLICY");  // exec failed: this process keeps the policy it loaded with
}

}  // namespace

int main(int argc, char** argv) {
  PreferPassiveOpenMpWait(argc, argv);
  antispoof::cli::SetCommandLine(argc, argv);
  CLI::App app{"antispoof: tells bona fide speech from spoofed speech, from the raw waveform"};
  app.require_subcommand(1);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "No progress redraws: one line per 10% on stderr");
  app.set_version_flag("--version", antispoof::Version());

  auto& registry = antispoof::cli::Registry();
  std::stable_sort(registry.begin(), registry.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  std::function<int()> action;
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& spec : registry) {
    CLI::App* sub = app.add_subcommand(spec.name, spec.description);
    actions.emplace_back(sub, spec.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  antispoof::SetProgressQuiet(quiet);
  try {
    for (auto& [sub, run] : actions) {
      if (!sub->parsed()) continue;
      int code = run();
      // Results go to stdout: a full disk or a closed pipe there must not look like success.
      if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "antispoof: error: writing the results to stdout failed: %s\n",
                     std::strerror(errno));
        return 1;
      }
      return code;
    }
  } catch (const antispoof::Interrupted& e) {
    std::fprintf(stderr, "antispoof: %s\n", e.what());
    return e.exit_code();
  } catch (const antispoof::Error& e) {
    std::fprintf(stderr, "antispoof: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    const std::string oom = OutOfMemoryMessage(e);
    std::fprintf(stderr, "antispoof: error: %s\n", oom.empty() ? e.what() : oom.c_str());
    return 1;
  }
  return 1;
}
