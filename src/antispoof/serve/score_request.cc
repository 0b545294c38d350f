#include "antispoof/serve/score_request.h"

#include <cmath>
#include <set>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/infer/windowed_scoring.h"

namespace antispoof::serve {
namespace {

double ParseNumber(const std::string& name, const std::string& value) {
  const auto number = ParseDouble(value);
  if (!number || !std::isfinite(*number)) Fail(name + ": '" + value + "' is not a finite number");
  return *number;
}

bool ParseBool(const std::string& name, const std::string& value) {
  const std::string v = ToLower(value);
  if (v == "1" || v == "true" || v == "yes" || v.empty()) return true;
  if (v == "0" || v == "false" || v == "no") return false;
  Fail(name + ": '" + value + "' is not a boolean (true/false, 1/0)");
}

}  // namespace

ScoreRequest ParseScoreRequest(const std::vector<std::pair<std::string, std::string>>& params,
                               const ModelConfig& model) {
  ScoreRequest r;
  r.decode.sample_rate = model.sample_rate;
  std::set<std::string> seen;
  std::optional<double> window_seconds, hop_seconds;
  for (const auto& [name, value] : params) {
    if (!seen.insert(name).second) Fail(name + ": given more than once");
    if (name == "window") {
      window_seconds = ParseNumber(name, value);
    } else if (name == "hop") {
      hop_seconds = ParseNumber(name, value);
    } else if (name == "aggregate") {
      r.aggregate = infer::ParseAggregate(value, "aggregate");
    } else if (name == "segments") {
      r.segments = ParseBool(name, value);
    } else if (name == "mixdown") {
      r.decode.mixdown = ParseBool(name, value);
    } else if (name == "resample") {
      r.decode.resample = ParseBool(name, value);
    } else if (name == "threshold") {
      r.threshold = ParseNumber(name, value);
    } else {
      Fail(name + ": unknown parameter (known: window, hop, aggregate, segments, mixdown, resample, threshold)");
    }
  }
  if (window_seconds || hop_seconds || seen.count("aggregate") || r.segments) {
    // the window rule's own checks, named as the parameters are
    r.spec = infer::ResolveWindowSpec(window_seconds, hop_seconds, model.nb_samp, model.sample_rate);
    infer::CheckWindowFitsModel(model, r.spec->window, "window");
  }
  return r;
}

ModelRows RowsForRequest(const std::vector<float>& samples, const ScoreRequest& request, const ModelConfig& model) {
  ModelRows out;
  out.samples = static_cast<int64_t>(samples.size());
  if (!request.windowed()) {
    out.window = model.nb_samp;
    out.count = 1;
    out.rows = audio::FitLength(samples, model.nb_samp);
    return out;
  }
  const infer::WindowSpec& spec = *request.spec;
  out.windows = infer::PlanWindows(out.samples, spec);
  out.window = spec.window;
  out.count = static_cast<int64_t>(out.windows.size());
  out.rows.resize(static_cast<size_t>(out.count * out.window));
  for (int64_t i = 0; i < out.count; ++i)
    infer::ExtractWindow(samples.data(), out.samples, out.windows[i], spec, out.rows.data() + i * out.window);
  return out;
}

nlohmann::json ScoreResponse(const ScoreRequest& request, const ModelRows& rows, const std::vector<double>& scores,
                             const ResponseContext& context) {
  for (double s : scores)
    if (!std::isfinite(s)) Fail("the model's score is not finite (" + ShortestDouble(s) + "): no answer is given");
  const double score = request.windowed() ? infer::AggregateScores(scores, request.aggregate) : scores.at(0);
  metrics::ScoreDecisionRule rule = *context.rule;
  if (request.threshold) rule.threshold = request.threshold;
  nlohmann::json j = {{"score", score}};
  if (rule.calibration) j["llr"] = rule.Value(score);
  if (rule.Decides()) j["decision"] = rule.Decision(rule.Value(score));
  auto seconds = [&](int64_t n) { return static_cast<double>(n) / context.sample_rate; };
  if (request.windowed()) {
    j["windows"] = rows.count;
    j["aggregate"] = infer::AggregateName(request.aggregate);
  }
  if (request.segments) {
    nlohmann::json segments = nlohmann::json::array();
    for (size_t i = 0; i < rows.windows.size(); ++i)
      segments.push_back({{"start", seconds(rows.windows[i].start)}, {"end", seconds(rows.windows[i].end)},
                          {"score", scores[i]}});
    j["segments"] = segments;
  }
  j["model"] = context.model_name;
  j["duration_s"] = rows.samples >= 0 ? nlohmann::json(seconds(rows.samples)) : nlohmann::json(nullptr);
  j["latency_ms"] = context.latency_ms;
  return j;
}

}  // namespace antispoof::serve
