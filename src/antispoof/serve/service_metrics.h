// The service's counters in the Prometheus text exposition format (GET /metrics): requests by HTTP
// status, request latency and batch sizes as histograms, and the queue depth. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace antispoof::serve {

// A Prometheus histogram: cumulative counts of observations <= each upper bound, their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  // "# HELP/# TYPE" lines, then NAME_bucket{le="..."}, NAME_sum and NAME_count.
  std::string Render(const std::string& name, const std::string& help) const;
  uint64_t count() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;    // ascending; +Inf is implied
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); the last is +Inf
  double sum_ = 0;
};

class ServiceMetrics {
 public:
  ServiceMetrics();

  void CountRequest(int http_status, double latency_seconds);  // a /v1/score answer
  void CountBatch(int rows);                                   // one forward pass of `rows` windows
  void SetQueueDepth(int depth) { queue_depth_ = depth; }
  void SetReady(bool ready) { ready_ = ready; }

  // Requests answered with this status so far.
  uint64_t Requests(int http_status) const;
  // The whole exposition (text/plain; version=0.0.4).
  std::string Render() const;

 private:
  mutable std::mutex mutex_;
  std::map<int, uint64_t> requests_by_status_;
  Histogram latency_seconds_;
  Histogram batch_rows_;
  std::atomic<int> queue_depth_{0};
  std::atomic<bool> ready_{false};
};

}  // namespace antispoof::serve
