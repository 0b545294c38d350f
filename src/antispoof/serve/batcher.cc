#include "antispoof/serve/batcher.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "antispoof/common/error.h"

namespace antispoof::serve {

Batcher::Batcher(ScoreFn score, int max_batch, std::chrono::microseconds max_wait, int max_queue,
                 ServiceMetrics* metrics)
    : score_(std::move(score)), max_batch_(max_batch), max_wait_(max_wait), max_queue_(max_queue), metrics_(metrics) {
  if (max_batch < 1 || max_queue < 1) Fail("Batcher: max_batch and max_queue must be at least 1");
  worker_ = std::thread([this] { Run(); });
}

Batcher::~Batcher() { Drain(); }

std::optional<std::future<std::vector<double>>> Batcher::Submit(std::vector<float> rows, int64_t count,
                                                                 int64_t window) {
  if (count < 1 || window < 1 || static_cast<int64_t>(rows.size()) != count * window)
    Fail("Batcher::Submit: rows must hold count * window samples");
  auto job = std::make_unique<Job>();
  job->rows = std::move(rows);
  job->count = count;
  job->window = window;
  job->arrival = std::chrono::steady_clock::now();
  auto future = job->result.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (arriving_ > 0) --arriving_;
    if (draining_ || static_cast<int>(queue_.size()) >= max_queue_) {
      wake_.notify_one();  // one fewer arrival to wait for
      return std::nullopt;
    }
    queue_.push_back(std::move(job));
    if (metrics_) metrics_->SetQueueDepth(static_cast<int>(queue_.size()));
  }
  wake_.notify_one();
  return future;
}

void Batcher::Arriving() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++arriving_;
}

void Batcher::Abandoned() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (arriving_ > 0) --arriving_;
  }
  wake_.notify_one();
}

void Batcher::Drain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int Batcher::queue_depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

uint64_t Batcher::batches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return batches_;
}

int64_t Batcher::QueuedRowsLike(int64_t window) const {
  int64_t rows = 0;
  for (const auto& job : queue_)
    if (job->window == window) rows += job->count;
  return rows;
}

std::vector<std::unique_ptr<Batcher::Job>> Batcher::NextBatch(std::unique_lock<std::mutex>& lock) {
  wake_.wait(lock, [this] { return draining_ || !queue_.empty(); });
  if (queue_.empty()) return {};
  const int64_t window = queue_.front()->window;
  const auto deadline = queue_.front()->arrival + max_wait_;
  // Wait for company until the oldest request's deadline, a full batch, no request left on its way, or a
  // drain (which scores at once).
  wake_.wait_until(lock, deadline,
                   [&] { return draining_ || arriving_ == 0 || QueuedRowsLike(window) >= max_batch_; });
  std::vector<std::unique_ptr<Job>> batch;
  int64_t rows = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    const bool fits = batch.empty() || rows + (*it)->count <= max_batch_;
    if ((*it)->window == window && fits) {
      rows += (*it)->count;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
      if (rows >= max_batch_) break;
    } else {
      ++it;
    }
  }
  if (metrics_) metrics_->SetQueueDepth(static_cast<int>(queue_.size()));
  return batch;
}

void Batcher::ScoreBatch(std::vector<std::unique_ptr<Job>>& batch) {
  const int64_t window = batch.front()->window;
  std::vector<float> rows;
  int64_t count = 0;
  for (const auto& job : batch) count += job->count;
  rows.reserve(static_cast<size_t>(count * window));
  for (const auto& job : batch) rows.insert(rows.end(), job->rows.begin(), job->rows.end());
  try {
    std::vector<double> scores;
    scores.reserve(static_cast<size_t>(count));
    for (int64_t start = 0; start < count; start += max_batch_) {  // chunks of max_batch rows
      const int64_t n = std::min<int64_t>(max_batch_, count - start);
      std::vector<double> part = score_(rows.data() + start * window, n, window);
      if (static_cast<int64_t>(part.size()) != n) Fail("Batcher: the scorer returned a wrong number of scores");
      scores.insert(scores.end(), part.begin(), part.end());
      if (metrics_) metrics_->CountBatch(static_cast<int>(n));
    }
    size_t offset = 0;
    for (auto& job : batch) {
      job->result.set_value(std::vector<double>(scores.begin() + offset, scores.begin() + offset + job->count));
      offset += static_cast<size_t>(job->count);
    }
  } catch (...) {
    for (auto& job : batch) {
      try {
        job->result.set_exception(std::current_exception());
      } catch (const std::future_error&) {  // this job's scores were already delivered
      }
    }
  }
}

void Batcher::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    auto batch = NextBatch(lock);
    if (batch.empty()) return;  // draining and nothing left
    ++batches_;
    lock.unlock();
    ScoreBatch(batch);
    lock.lock();
  }
}

}  // namespace antispoof::serve
