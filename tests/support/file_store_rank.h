// Distributed tests: one rank of a process group that meets in a FileStore (ranks as threads).
#pragma once

#include <memory>
#include <string>

#include "antispoof/train/distributed.h"

namespace antispoof::testing {

// Rank `rank` of `world_size` over the FileStore `store`, on the CPU, ignoring the environment.
inline std::unique_ptr<train::Distributed> FileStoreRank(const std::string& store, int rank, int world_size,
                                                         double timeout_s, double bucket_mb = 25) {
  train::DistOptions o;
  o.world_size = world_size;
  o.rank = rank;
  o.init_file = store;
  o.timeout_s = timeout_s;
  o.bucket_mb = bucket_mb;
  return train::Distributed::Create(train::ResolveDistOptions(o, [](const char*) { return nullptr; }),
                                    torch::kCPU);
}

}  // namespace antispoof::testing
