// Errors that reach the user: the message names the file, line or key and what is wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace antispoof {

// Any user-facing failure (bad input, bad config, missing file). The CLI prints what() and exits 1.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A run stopped on request (SIGINT/SIGTERM) after saving what it needs to continue. The CLI prints
// what() (which says how to resume) and exits with exit_code() (128 + the signal number).
class Interrupted : public Error {
 public:
  Interrupted(const std::string& message, int exit_code) : Error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// "PATH: message" or "PATH:LINE: message" (line is 1-based; 0 = no line).
std::string Located(const std::string& path, long line, const std::string& message);

[[noreturn]] void Fail(const std::string& message);
[[noreturn]] void FailAt(const std::string& path, long line, const std::string& message);

// Error "FLAG: nan is not a finite number" when `value` (the value of the flag named `flag`)
// is NaN or infinite: CLI11 parses "nan" and "inf" as numbers, and a NaN threshold would decide
// nothing (every comparison with it is false).
void RequireFinite(double value, const std::string& flag);

// Project version and the versions of the libraries it was built with.
std::string Version();

}  // namespace antispoof
