// Progress on stderr for long loops: items done/total, rate, elapsed and time left.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace antispoof {

// Global switch set by --quiet: no redraws, only one line per `quiet_step_percent`.
void SetProgressQuiet(bool quiet);

class ProgressBar {
 public:
  // total <= 0: unknown length (no percentage or time left).
  ProgressBar(std::string label, int64_t total, std::string unit = "it");
  ~ProgressBar();
  void Add(int64_t n = 1);
  // Extra text shown after the rate, e.g. "loss 0.312".
  void SetPostfix(std::string postfix);
  void Finish();

 private:
  void Draw(bool final_line);
  std::string label_, unit_, postfix_;
  int64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool tty_, finished_ = false;
  int last_percent_step_ = -1;
};

// "1h02m03s" / "4m05s" / "12.3s".
std::string FormatDuration(double seconds);

}  // namespace antispoof
