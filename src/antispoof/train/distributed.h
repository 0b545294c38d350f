// Data-parallel training over c10d, the collective engine of PyTorch (docs/distributed.md): process
// groups from flags or the torchrun environment, bucketed gradient averaging, buffer broadcast and
// sharded scoring. Gloo on CPU; NCCL when the device is CUDA and LibTorch was built with it.
#pragma once

#include <torch/torch.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "antispoof/data/loader.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/model/countermeasure.h"

namespace antispoof::train {

// The environment variables torchrun sets, read when the matching flag is not given.
inline constexpr const char* kWorldSizeEnv = "WORLD_SIZE";
inline constexpr const char* kRankEnv = "RANK";
inline constexpr const char* kMasterAddrEnv = "MASTER_ADDR";
inline constexpr const char* kMasterPortEnv = "MASTER_PORT";
inline constexpr const char* kLocalRankEnv = "LOCAL_RANK";
inline constexpr const char* kLocalWorldSizeEnv = "LOCAL_WORLD_SIZE";

struct DistOptions {
  // -1 / "" = not given (ResolveDistOptions fills them from the environment or defaults).
  int world_size = -1;  // 1 = a single process, no process group
  int rank = -1;
  int local_rank = -1;  // rank among the processes of this host (CUDA device, threads)
  int local_world_size = -1;
  std::string master_addr;  // TCPStore host; rank 0 serves it on master_port
  int master_port = -1;
  std::string init_file;         // a FileStore on a shared file system instead of a TCPStore
  std::string backend = "auto";  // auto (nccl for CUDA when built with it, else gloo) | gloo | nccl
  double timeout_s = 300;  // every rendezvous and collective; a dead or stalled rank fails here
  double bucket_mb = 25;   // gradient all-reduce bucket size
};

// Returns `flags` completed from the environment (`getenv`, std::getenv by default) and checked:
// a flag and its environment variable that disagree, a non-integer or out-of-range value, or a
// world size > 1 without a rendezvous (master address and port, or an init file) is an Error
// naming the flag and the variable.
using EnvLookup = std::function<const char*(const char*)>;
DistOptions ResolveDistOptions(const DistOptions& flags, const EnvLookup& getenv = {});

// Intra-op threads of this rank: `threads` when > 0, else the host's cores shared among its
// local ranks (max(1, cores / local_world_size)).
int ThreadsForRank(int threads, const DistOptions& options);
// "cuda" without an index becomes cuda:<local_rank> when several ranks share the host.
std::string DeviceForRank(const std::string& device, const DistOptions& options);

// A process group, or the trivial group of one process (every collective is the identity).
// Collectives are blocking; a failure or a timeout is an Error naming this rank, the operation
// (`what`) and the timeout.
class Distributed {
 public:
  // Rendezvous with the other ranks (blocks until all have joined, at most timeout_s). With an init
  // file the rendezvous is fresh by construction: rank 0 creates the file (refusing one that already
  // exists: a previous run's store would hand out dead addresses) with a new nonce, the other ranks
  // wait for it and read the nonce, and all meet in the FileStore INIT.<nonce>.store; rank 0 removes
  // the init file when the group ends.
  static std::unique_ptr<Distributed> Create(const DistOptions& options,
                                             const torch::Device& device);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  // Rank 0 writes logs, checkpoints and summaries.
  bool is_writer() const { return options_.rank == 0; }
  const std::string& backend() const { return backend_; }
  const DistOptions& options() const { return options_; }

  // Sums each tensor over ranks in place (flattened into buckets of options().bucket_mb of the
  // same dtype), then divides by `divisor`.
  void AllReduceMean(const std::vector<torch::Tensor>& tensors, double divisor,
                     const std::string& what);
  // Sum of `value` over ranks (float64).
  double AllReduceSum(double value, const std::string& what);
  // Overwrites every tensor with rank 0's.
  void Broadcast(const std::vector<torch::Tensor>& tensors, const std::string& what);
  // Every rank's `rows` ([n_r, k] float64, n_r may differ), indexed by rank.
  std::vector<torch::Tensor> AllGatherRows(const torch::Tensor& rows, const std::string& what);
  // Every rank's `text`, indexed by rank (to compare what the ranks were started with).
  std::vector<std::string> AllGatherText(const std::string& text, const std::string& what);
  // Error naming the first rank that disagrees when the ranks pass values with different bits.
  void CheckSame(const std::vector<double>& values, const std::string& what);
  void Barrier(const std::string& what);

 private:
  struct Impl;
  Distributed(DistOptions options, std::string backend, std::unique_ptr<Impl> impl);
  DistOptions options_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
};

// Rows m, m + count, m + 2 count, ... of `batch` (all rows when count == 1): micro-batch m of a
// step. Together with the loader's sharding (rank r takes epoch positions r, r + W, ...), the
// W x M micro-batches of a step are the same whatever W x M factorisation (docs/distributed.md).
torch::Tensor MicroBatch(const torch::Tensor& batch, int m, int count);

// BatchNorm running statistics follow the first micro-batch of each step only (rank 0's shard in
// data-parallel training, as DDP's buffer broadcast from rank 0): Keep() after its forward (and
// backward), Restore() after every later micro-batch's backward.
class FirstMicroBatchBuffers {
 public:
  explicit FirstMicroBatchBuffers(model::CountermeasureImpl& model);
  void Keep();
  void Restore();

 private:
  std::vector<torch::Tensor> buffers_, kept_;
};

// Parameters and buffers from rank 0 (training starts from one state on every rank).
void BroadcastModel(Distributed& dist, model::CountermeasureImpl& model, bool buffers_only);

// Scores the loader's epoch (this rank's shard of an unshuffled split) and gathers every rank's
// shard: the items and the weighted loss come out in the order of the whole split, as a single
// process scoring it with infer::ScoreWithLoader, on every rank.
infer::ScoringResult ScoreSharded(Distributed& dist, model::CountermeasureImpl& model,
                                  data::BatchLoader& loader, const torch::Device& device,
                                  const std::string& label, const std::array<double, 2>& class_weights);

}  // namespace antispoof::train
