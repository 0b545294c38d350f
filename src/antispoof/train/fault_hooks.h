// Fault injection for the crash-recovery tests, kept out of the training loop: the trainer calls
// AfterOptimizerStep once per step and nothing else of it depends on the environment.
#pragma once

#include <cstdint>

namespace antispoof::train {

// ANTISPOOF_KILL_AT_ITERATION=N: the process sends itself SIGKILL right after optimizer step N
// (global, 1-based). With ANTISPOOF_KILL_RANK=R only rank R of a data-parallel run does so; with
// ANTISPOOF_KILL_SIGNAL=S it sends signal S instead (SIGSTOP: a stalled rank).
inline constexpr const char* kKillHookEnv = "ANTISPOOF_KILL_AT_ITERATION";
inline constexpr const char* kKillRankEnv = "ANTISPOOF_KILL_RANK";
inline constexpr const char* kKillSignalEnv = "ANTISPOOF_KILL_SIGNAL";

class FaultHooks {
 public:
  // Reads the variables above once; no variable set = no fault.
  static FaultHooks FromEnvironment(int rank);
  void AfterOptimizerStep(int64_t iteration) const;

 private:
  int64_t kill_at_iteration_ = -1;
  int signal_ = 0;
};

}  // namespace antispoof::train
