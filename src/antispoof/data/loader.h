// Batches of decoded, length-fitted audio, decoded ahead in background threads.
#pragma once

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/data/layout.h"

namespace antispoof::data {

struct Batch {
  torch::Tensor audio;   // [B, nb_samp] float32
  torch::Tensor labels;  // [B] int64: 1 = bona fide, 0 = spoof, -1 = unknown
  std::vector<std::string> utts;
  std::vector<std::string> attacks;
  std::vector<std::string> paths;  // the audio files, for messages
  int64_t index = 0;     // position of the batch in this rank's epoch
};

// Called on a worker thread with the fitted samples (nb_samp of them, which it must keep) of
// one item; `seed` is a pure function of (loader seed, epoch, position in the epoch), so a
// transform drawing from it is deterministic whatever num_workers is. Must be thread-safe.
using ItemTransform =
    std::function<void(std::vector<float>& samples, const Item& item, uint64_t seed)>;

struct LoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 1234;
  bool drop_last = false;  // the reference drops the last partial training batch
  int num_workers = 2;     // decoding threads; 0 decodes on the caller's thread in Next()
  int prefetch = 4;        // batches decoded ahead of the consumer (>= 1)
  int64_t nb_samp = 64600;
  audio::DecodeOptions decode;
  // Sharding: rank r of world_size takes positions r, r + W, r + 2W, ... of the epoch's
  // permutation (disjoint shards covering the epoch). With drop_last every rank keeps
  // floor(N / W) items so all ranks see the same number of batches.
  int rank = 0;
  int world_size = 1;
  ItemTransform transform;
};

// Permutation of 0..n-1 for an epoch: a pure function of (seed, epoch) using std::mt19937_64
// and an unbiased bounded draw (no implementation-defined distributions), Fisher-Yates.
std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch);

// Each item's audio is decoded only as far as its first nb_samp samples (audio::LoadAudioHead): memory
// per item does not depend on the file's length.
// Usage: loader.StartEpoch(e); while (auto batch = loader.Next()) {...}
// Batches come in order and their contents depend only on (items, options without
// num_workers/prefetch, epoch). A decoding failure is rethrown (as antispoof::Error naming the
// file) by the Next() that reaches its batch.
class BatchLoader {
 public:
  BatchLoader(std::vector<Item> items, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // This rank's item indices for the epoch, in batch order (before drop_last of the batch).
  std::vector<int64_t> EpochOrder(int64_t epoch) const;
  // Batches per epoch for this rank.
  int64_t NumBatches() const;
  const std::vector<Item>& items() const { return items_; }
  const LoaderOptions& options() const { return options_; }

  // Stops any epoch in progress and starts decoding the batches of `epoch` from batch
  // `first_batch` on (the earlier ones are skipped without decoding, e.g. to resume mid-epoch).
  void StartEpoch(int64_t epoch, int64_t first_batch = 0);
  // The next batch, or nullopt at the end of the epoch.
  std::optional<Batch> Next();

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };
  Slot MakeBatch(int64_t index) const;
  void WorkerLoop();
  void StopWorkers();

  const std::vector<Item> items_;
  const LoaderOptions options_;

  int64_t epoch_ = -1;
  std::vector<int64_t> order_;
  int64_t num_batches_ = 0;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable ready_cv_;
  bool stop_ = false;
  int64_t next_claim_ = 0;
  int64_t consumed_ = 0;
  std::map<int64_t, Slot> ready_;
  std::vector<std::thread> workers_;
};

}  // namespace antispoof::data
