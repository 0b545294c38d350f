// antispoof launch: N local ranks of a data-parallel command (docs/distributed.md).
#include <cstdio>

#include "antispoof/train/launch.h"
#include "command.h"

namespace {
struct LaunchArgs {
  antispoof::train::LaunchOptions options;
  std::vector<std::string> command;
};

antispoof::cli::Registration reg{
    {"launch", "Run N local ranks of a data-parallel command: launch -n N -- train ...",
     [](CLI::App& sub) {
       auto a = std::make_shared<LaunchArgs>();
       sub.add_option("-n,--nprocs", a->options.nprocs, "Ranks to start on this machine")
           ->required()
           ->check(CLI::Range(1, antispoof::train::kMaxLocalRanks));
       sub.add_option("--master-addr", a->options.master_addr,
                      "Rendezvous address (rank 0 listens there)");
       sub.add_option("--master-port", a->options.master_port,
                      "Rendezvous port (default: a free one)")
           ->check(CLI::Range(0, 65535));
       sub.add_option("command", a->command,
                      "The command each rank runs, after --: train --config ...")
           ->required();
       sub.footer(
           "Each rank gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and "
           "MASTER_PORT (as torchrun "
           "sets them); threads: 0 in the config shares the cores among the ranks. Their stderr "
           "lines are prefixed "
           "[rank R]. When a rank fails, the others are stopped and launch exits 1 naming it.");
       return std::function<int()>([a] {
         a->options.args = a->command;
         return antispoof::train::LaunchLocal(a->options);
       });
     },
     21}};
}  // namespace
