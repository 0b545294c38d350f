// `antispoof launch`: N local ranks of a data-parallel run (docs/distributed.md), as torchrun
// --standalone starts them.
#pragma once

#include <string>
#include <vector>

namespace antispoof::train {

// More ranks than cores is a legitimate test of the rendezvous; thousands of forked trainers only
// exhaust the machine's memory and process table.
constexpr int kMaxLocalRanks = 256;

struct LaunchOptions {
  int nprocs = 2;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;            // 0 = a free port of master_addr
  std::vector<std::string> args;  // each rank's arguments after the executable, e.g. {"train", ...}
  std::string executable;         // "" = this program (/proc/self/exe)
  double grace_s = 5;             // after SIGTERM, seconds before SIGKILL
};

// Starts the ranks with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT set, writes every line of their stderr, and of the stdout of ranks > 0, to stderr
// prefixed "[rank R] ", passes rank 0's stdout through, and waits. When a rank fails (non-zero
// exit or a signal) the others are stopped (SIGTERM, then SIGKILL after grace_s) and the return
// value is 1, after a message on stderr naming the rank and its exit code or signal; 0 when all
// ranks exit 0.
int LaunchLocal(const LaunchOptions& options);

// A TCP port that was free on `host` a moment ago (bind to port 0).
int FreeTcpPort(const std::string& host = "127.0.0.1");

}  // namespace antispoof::train
