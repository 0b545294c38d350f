// One POST /v1/score request, apart from HTTP: its query parameters, the rows (windows) the model
// sees for its audio, and the JSON answer. The same window rule, length rule and decisions as
// `antispoof score` (infer/windows.h, audio::FitLength, metrics::ScoreDecisionRule), so a file's
// score from the service equals its score from the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "antispoof/audio/audio.h"
#include "antispoof/config/config.h"
#include "antispoof/infer/windows.h"
#include "antispoof/metrics/calibration.h"

namespace antispoof::serve {

struct ScoreRequest {
  // The windows of window/hop/aggregate/segments, resolved as `score --window/--hop/--aggregate`
  // resolves them (in samples); absent: the reference length rule (the first nb_samp samples).
  std::optional<infer::WindowSpec> spec;
  infer::Aggregate aggregate = infer::Aggregate::kMean;
  bool windowed() const { return spec.has_value(); }
  bool segments = false;                // answer every window's score too
  audio::DecodeOptions decode;          // mixdown / resample (rate: the model's)
  std::optional<double> threshold;      // overrides the service's decision threshold
};

// Query parameters (name, value) -> request. Error naming the parameter ("window: ...") for an
// unknown name, a repeated one, or a bad value; the window must fit the model.
ScoreRequest ParseScoreRequest(const std::vector<std::pair<std::string, std::string>>& params,
                               const ModelConfig& model);

// What the model sees for one recording: count rows of `window` samples back to back.
struct ModelRows {
  std::vector<float> rows;
  int64_t count = 0;
  int64_t window = 0;
  std::vector<infer::Window> windows;  // with windows: where each row lies in the recording
  int64_t samples = 0;                 // the recording's length at the model's rate; -1 when unknown
};
// The reference rule gives one row of nb_samp samples (cut or tiled); windows give PlanWindows'.
ModelRows RowsForRequest(const std::vector<float>& samples, const ScoreRequest& request, const ModelConfig& model);

struct ResponseContext {
  std::string model_name;                   // "RawNet2", "AASIST", ...
  const metrics::ScoreDecisionRule* rule;   // the service's calibration / threshold
  int sample_rate = 16000;
  double latency_ms = 0;
};
// {score, llr?, decision?, windows?, segments?, model, duration_s, latency_ms}  (duration_s null when
// rows.samples < 0): score is the model's
// bona fide output (higher = more bona fide; the aggregate of the window scores with windows). Error
// when a score is not finite (nothing is answered but the error).
nlohmann::json ScoreResponse(const ScoreRequest& request, const ModelRows& rows, const std::vector<double>& scores,
                             const ResponseContext& context);

}  // namespace antispoof::serve
