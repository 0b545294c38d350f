// The HTTP/JSON scoring service behind `antispoof serve` (cpp-httplib):
//   POST /v1/score  body: one audio file (WAV/FLAC/OGG); query: window, hop, aggregate, segments,
//                   mixdown, resample, threshold -> 200 {score, llr?, decision?, windows?, segments?,
//                   model, duration_s, latency_ms}; 400 bad request or audio, 413 body or audio too
//                   long, 503 queue full (Retry-After) or shutting down, 500 a non-finite score.
//                   Every error answers {"error": "..."} naming what is wrong.
//   GET /healthz    200 while the process serves;  GET /readyz  200 once the model is loaded and
//                   until shutdown begins, else 503;  GET /metrics  Prometheus text.
// Scores are the model's bona fide output (higher = more bona fide), equal to `antispoof score`'s.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "antispoof/metrics/calibration.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/serve/serve_options.h"
#include "antispoof/serve/service_metrics.h"

namespace antispoof::serve {

class ScoringServer {
 public:
  // The model must be loaded (eval mode, on its device); `rule` is the service's calibration and
  // threshold (a request's `threshold` overrides the threshold).
  ScoringServer(const ServeOptions& options, model::Countermeasure model, metrics::ScoreDecisionRule rule);
  ~ScoringServer();

  // Binds the listening socket; returns the port (the chosen one for --port 0). Error naming
  // host:port when it cannot bind.
  int Bind();
  // Serves until Shutdown() completes. Blocking; call after Bind().
  void Serve();
  // Graceful stop, from any thread: /readyz and new scoring requests answer 503 at once, requests
  // already accepted are scored and answered, then the listener closes and Serve() returns.
  // Idempotent.
  void Shutdown();

  const ServiceMetrics& metrics() const { return metrics_; }
  uint64_t accepted() const { return accepted_; }  // scoring requests queued for the model
  uint64_t answered() const { return answered_; }  // of those, answered (200 or 500)

 private:
  class Impl;
  ServiceMetrics metrics_;
  std::atomic<uint64_t> accepted_{0}, answered_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace antispoof::serve
