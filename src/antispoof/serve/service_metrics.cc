#include "antispoof/serve/service_metrics.h"

#include <algorithm>

#include "antispoof/common/strings.h"

namespace antispoof::serve {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
}

uint64_t Histogram::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t total = 0;
  for (uint64_t c : counts_) total += c;
  return total;
}

std::string Histogram::Render(const std::string& name, const std::string& help) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? ShortestDouble(bounds_[i]) : "+Inf";
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum " + ShortestDouble(sum_) + "\n";
  out += name + "_count " + std::to_string(cumulative) + "\n";
  return out;
}

ServiceMetrics::ServiceMetrics()
    : latency_seconds_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      batch_rows_({1, 2, 4, 8, 16, 32, 64, 128, 256}) {}

void ServiceMetrics::CountRequest(int http_status, double latency_seconds) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_by_status_[http_status];
  }
  latency_seconds_.Observe(latency_seconds);
}

void ServiceMetrics::CountBatch(int rows) { batch_rows_.Observe(rows); }

uint64_t ServiceMetrics::Requests(int http_status) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = requests_by_status_.find(http_status);
  return it == requests_by_status_.end() ? 0 : it->second;
}

std::string ServiceMetrics::Render() const {
  std::string out =
      "# HELP antispoof_requests_total Scoring requests (POST /v1/score) answered, by HTTP status.\n"
      "# TYPE antispoof_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [status, count] : requests_by_status_)
      out += "antispoof_requests_total{status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
  }
  out += latency_seconds_.Render("antispoof_request_latency_seconds",
                                 "Time from a scoring request's arrival (body read) to its answer.");
  out += batch_rows_.Render("antispoof_batch_size", "Windows per forward pass of the model.");
  out += "# HELP antispoof_queue_depth Scoring requests waiting for a batch.\n# TYPE antispoof_queue_depth gauge\n"
         "antispoof_queue_depth " + std::to_string(queue_depth_.load()) + "\n";
  out += "# HELP antispoof_ready 1 when the model is loaded and requests are accepted.\n# TYPE antispoof_ready gauge\n"
         "antispoof_ready " + std::string(ready_.load() ? "1" : "0") + "\n";
  return out;
}

}  // namespace antispoof::serve
