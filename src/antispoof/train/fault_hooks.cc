#include "antispoof/train/fault_hooks.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

namespace antispoof::train {

FaultHooks FaultHooks::FromEnvironment(int rank) {
  FaultHooks hooks;
  const char* at = std::getenv(kKillHookEnv);
  const char* only_rank = std::getenv(kKillRankEnv);
  const char* signal = std::getenv(kKillSignalEnv);
  if (at && (!only_rank || std::atoi(only_rank) == rank)) hooks.kill_at_iteration_ = std::atoll(at);
  hooks.signal_ = signal ? std::atoi(signal) : SIGKILL;
  return hooks;
}

void FaultHooks::AfterOptimizerStep(int64_t iteration) const {
  if (iteration == kill_at_iteration_) ::kill(::getpid(), signal_);
}

}  // namespace antispoof::train
