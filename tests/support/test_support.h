// Paths and helpers shared by the tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace antispoof::testing {

// ../shared beside the project, or "" when it does not exist (a user's clone has none).
std::string SharedDir();
std::string SourceDir();
// The built antispoof binary.
std::string BinaryPath();
// The tiny corpus built by the CTest fixture e2e.fixture.tiny_corpus (antispoof corpus --size tiny).
std::string TinyCorpusDir();
// A fresh empty temporary folder for this test, removed at exit.
std::string TempDir();
// The bytes of a file; "" when it does not exist or cannot be read (e.g. a log not yet written).
std::string Slurp(const std::string& path);

struct CommandResult {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the antispoof binary with `args` (a shell-quoted string) and captures both streams.
CommandResult RunAntispoof(const std::string& args);
// Runs any shell command line and captures both streams.
CommandResult RunShell(const std::string& command);

// The message of the antispoof::Error that f throws; "" when it throws none.
std::string ErrorMessageOf(const std::function<void()>& f);

// Runs body(0) .. body(n - 1) on n threads at once (e.g. the ranks of a distributed test) and returns,
// per thread, the message of the std::exception it threw ("" when it threw none).
std::vector<std::string> RunAsThreads(int n, const std::function<void(int)>& body);

}  // namespace antispoof::testing

// Skips the test with a message when ../shared is absent.
#define ANTISPOOF_REQUIRE_SHARED()                                                  \
  do {                                                                              \
    if (::antispoof::testing::SharedDir().empty())                                  \
      GTEST_SKIP() << "../shared is absent: skipping a test that needs its fixtures"; \
  } while (0)
