#include "antispoof/data/loader.h"

#include <cstring>
#include <numeric>
#include <random>

#include "antispoof/common/error.h"
#include "antispoof/common/hash.h"
#include "antispoof/common/process.h"
#include "antispoof/common/strings.h"

namespace antispoof::data {
namespace {

// Uniform in [0, bound) by rejection (Lemire's threshold), bound >= 1.
uint64_t Bounded(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;
  while (true) {
    uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

}  // namespace

std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> perm(static_cast<size_t>(std::max<int64_t>(n, 0)));
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 rng(SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(epoch))));
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = static_cast<int64_t>(Bounded(rng, static_cast<uint64_t>(i) + 1));
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

namespace {
// At most one audio loader worker per core (a larger num_workers is lowered, with a message).
LoaderOptions WithBoundedWorkers(LoaderOptions o) {
  if (o.num_workers > 0) o.num_workers = BoundedThreads(o.num_workers, "audio loader workers (num_workers)");
  return o;
}
}  // namespace

BatchLoader::BatchLoader(std::vector<Item> items, LoaderOptions options)
    : items_(std::move(items)), options_(WithBoundedWorkers(std::move(options))) {
  const LoaderOptions& o = options_;
  if (o.batch_size <= 0) Fail(Format("batch size must be positive, got %lld", (long long)o.batch_size));
  if (o.nb_samp <= 0) Fail(Format("nb_samp must be positive, got %lld", (long long)o.nb_samp));
  if (o.num_workers < 0) Fail(Format("num_workers must be >= 0, got %d", o.num_workers));
  if (o.prefetch < 1) Fail(Format("prefetch must be >= 1, got %d", o.prefetch));
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size) {
    Fail(Format("rank %d is outside a world of size %d", o.rank, o.world_size));
  }
  const int64_t n = static_cast<int64_t>(items_.size());
  int64_t per_rank = o.drop_last ? n / o.world_size
                                 : (n - o.rank + o.world_size - 1) / o.world_size;
  num_batches_ = o.drop_last ? per_rank / o.batch_size
                             : (per_rank + o.batch_size - 1) / o.batch_size;
}

BatchLoader::~BatchLoader() { StopWorkers(); }

int64_t BatchLoader::NumBatches() const { return num_batches_; }

std::vector<int64_t> BatchLoader::EpochOrder(int64_t epoch) const {
  const int64_t n = static_cast<int64_t>(items_.size());
  std::vector<int64_t> all;
  if (options_.shuffle) {
    all = EpochPermutation(n, options_.seed, epoch);
  } else {
    all.resize(n);
    std::iota(all.begin(), all.end(), 0);
  }
  const int w = options_.world_size;
  if (w == 1) return all;
  std::vector<int64_t> shard;
  for (int64_t i = options_.rank; i < n; i += w) shard.push_back(all[i]);
  if (options_.drop_last) shard.resize(static_cast<size_t>(n / w));
  return shard;
}

void BatchLoader::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  ready_.clear();
  stop_ = false;
}

void BatchLoader::StartEpoch(int64_t epoch, int64_t first_batch) {
  StopWorkers();
  if (first_batch < 0 || first_batch > num_batches_) {
    Fail(Format("cannot start epoch %lld at batch %lld: it has %lld batches", (long long)epoch,
                (long long)first_batch, (long long)num_batches_));
  }
  epoch_ = epoch;
  order_ = EpochOrder(epoch);
  next_claim_ = first_batch;
  consumed_ = first_batch;
  for (int i = 0; i < options_.num_workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void BatchLoader::WorkerLoop() {
  while (true) {
    int64_t index;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] {
        return stop_ || next_claim_ >= num_batches_ || next_claim_ < consumed_ + options_.prefetch;
      });
      if (stop_ || next_claim_ >= num_batches_) return;
      index = next_claim_++;
    }
    Slot slot = MakeBatch(index);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.emplace(index, std::move(slot));
    }
    ready_cv_.notify_all();
  }
}

BatchLoader::Slot BatchLoader::MakeBatch(int64_t index) const {
  Slot slot;
  try {
    const int64_t nb = options_.nb_samp;
    const int64_t start = index * options_.batch_size;
    const int64_t end =
        std::min<int64_t>(start + options_.batch_size, static_cast<int64_t>(order_.size()));
    const int64_t count = end - start;
    Batch& b = slot.batch;
    b.index = index;
    b.audio = torch::empty({count, nb}, torch::kFloat32);
    b.labels = torch::empty({count}, torch::kInt64);
    float* audio = b.audio.data_ptr<float>();
    int64_t* labels = b.labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < count; ++i) {
      const int64_t position = start + i;
      const Item& item = items_[order_[position]];
      // Only the first nb_samp samples are used (the reference rule), so only they are decoded.
      std::vector<float> samples = audio::LoadAudioHead(item.path, nb, options_.decode);
      float* row = audio + i * nb;
      if (options_.transform) {
        std::vector<float> fitted = audio::FitLength(samples, nb);
        uint64_t seed = SplitMix64(SplitMix64(options_.seed ^ SplitMix64(epoch_)) ^
                                   static_cast<uint64_t>(position));
        options_.transform(fitted, item, seed);
        if (static_cast<int64_t>(fitted.size()) != nb) {
          Fail(Format("%s: the item transform changed the length from %lld to %zu samples",
                      item.path.c_str(), (long long)nb, fitted.size()));
        }
        std::memcpy(row, fitted.data(), nb * sizeof(float));
      } else {
        audio::FitLength(samples.data(), static_cast<int64_t>(samples.size()), nb, row);
      }
      labels[i] = item.label;
      b.utts.push_back(item.utt);
      b.paths.push_back(item.path);
      b.attacks.push_back(item.attack);
    }
  } catch (...) {
    slot.error = std::current_exception();
  }
  return slot;
}

std::optional<Batch> BatchLoader::Next() {
  if (epoch_ < 0) Fail("BatchLoader::Next called before StartEpoch");
  Slot slot;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (consumed_ >= num_batches_) return std::nullopt;
    const int64_t index = consumed_;
    if (options_.num_workers == 0) {
      lock.unlock();
      slot = MakeBatch(index);
      lock.lock();
    } else {
      ready_cv_.wait(lock, [&] { return ready_.count(index) > 0; });
      auto it = ready_.find(index);
      slot = std::move(it->second);
      ready_.erase(it);
    }
    ++consumed_;
  }
  work_cv_.notify_all();
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.batch);
}

}  // namespace antispoof::data
