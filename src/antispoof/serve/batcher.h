// Dynamic batching: requests that arrive together are scored in one forward pass. One worker thread
// owns the model; HTTP threads submit rows (windows of samples) and wait on a future.
//
// Policy: the oldest queued request waits at most max_wait for others to join it, and only while more
// are known to be coming (announced with Arriving(), e.g. a request being read and decoded): a lone
// request is scored at once, so batching costs nothing at low load. A batch is the
// oldest request plus the next queued requests of the same window length, in arrival order, while
// their rows fit in max_batch (a single request with more rows than max_batch is scored alone, in
// chunks of max_batch). A batch starts early once max_batch rows of that length are queued. At most
// max_queue requests wait; Submit refuses more (the caller answers 503), never blocks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "antispoof/serve/service_metrics.h"

namespace antispoof::serve {

class Batcher {
 public:
  // Scores `count` rows of `window` samples held back to back (row-major [count, window]); returns
  // one score per row. Called on the worker thread only.
  using ScoreFn = std::function<std::vector<double>(const float* rows, int64_t count, int64_t window)>;

  Batcher(ScoreFn score, int max_batch, std::chrono::microseconds max_wait, int max_queue,
          ServiceMetrics* metrics = nullptr);
  ~Batcher();  // Drain()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues `count` rows of `window` samples (rows.size() == count * window, count >= 1). The future
  // holds one score per row, in order, or the exception scoring threw. nullopt when max_queue
  // requests are already waiting, or after Drain() began.
  std::optional<std::future<std::vector<double>>> Submit(std::vector<float> rows, int64_t count, int64_t window);

  // A request is on its way (its audio is being decoded): the oldest queued request may wait for it.
  // Every Arriving() is followed by one Submit() or one Abandoned() (a request refused before it).
  void Arriving();
  void Abandoned();

  // Stops accepting, scores everything already queued, and joins the worker. Idempotent.
  void Drain();

  int queue_depth() const;
  uint64_t batches() const;  // forward batches run so far

 private:
  struct Job {
    std::vector<float> rows;
    int64_t count = 0;
    int64_t window = 0;
    std::chrono::steady_clock::time_point arrival;
    std::promise<std::vector<double>> result;
  };

  void Run();
  // The next batch (see the policy above); empty when draining and nothing is left.
  std::vector<std::unique_ptr<Job>> NextBatch(std::unique_lock<std::mutex>& lock);
  int64_t QueuedRowsLike(int64_t window) const;  // rows queued with this window length
  void ScoreBatch(std::vector<std::unique_ptr<Job>>& batch);

  ScoreFn score_;
  const int max_batch_;
  const std::chrono::microseconds max_wait_;
  const int max_queue_;
  ServiceMetrics* metrics_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool draining_ = false;
  int arriving_ = 0;  // requests announced and not yet submitted or abandoned
  uint64_t batches_ = 0;
  std::thread worker_;
};

}  // namespace antispoof::serve
