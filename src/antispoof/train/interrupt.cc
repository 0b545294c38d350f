#include "antispoof/train/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace antispoof::train {
namespace {

std::atomic<int> g_pending{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");
struct sigaction g_old_int, g_old_term;

void OnSignal(int signal) {
  int expected = 0;
  if (!g_pending.compare_exchange_strong(expected, signal)) {
    // Second signal: stop now, as if no handler had been installed.
    ::signal(signal, SIG_DFL);
    ::raise(signal);
    return;
  }
  static const char kMessage[] =
      "\nantispoof: stopping after this iteration to save a checkpoint (signal again to abort "
      "now)\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_pending.store(0);
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

int PendingInterrupt() { return g_pending.load(); }

const char* SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "a signal";
  }
}

}  // namespace antispoof::train
