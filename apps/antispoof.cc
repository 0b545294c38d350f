// antispoof: one binary, subcommands; argument parsing only. Results go to stdout, logs to stderr.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>

#include <CLI/CLI.hpp>

#include "antispoof/common/error.h"
#include "antispoof/common/progress.h"
#include "command.h"

int main(int argc, char** argv) {
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
    std::fprintf(stderr, "antispoof: error: %s\n", e.what());
    return 1;
  }
  return 1;
}
