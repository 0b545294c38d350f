// Graceful stop of a training run on SIGINT/SIGTERM: the first signal only raises a flag that the
// training loop reads at its next iteration boundary (then it saves a resumable checkpoint and
// throws Interrupted); a second signal ends the process at once with the default action.
#pragma once

namespace antispoof::train {

// While alive, SIGINT and SIGTERM are caught as above; the previous handlers come back on
// destruction. Not nestable.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// The signal number received since the guard was installed, or 0.
int PendingInterrupt();

// "SIGINT", "SIGTERM", or "a signal" for any other.
const char* SignalName(int signal);

}  // namespace antispoof::train
