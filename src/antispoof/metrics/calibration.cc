#include "antispoof/metrics/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"

namespace antispoof::metrics {
namespace {

constexpr const char* kFormat = "antispoof-calibration";
constexpr double kPenalty = 1e-6;  // L2 on the standardised (scale, offset)

double Softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
double Sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

// The prior-weighted cross-entropy of (alpha, beta) on standardised scores, with its gradient and
// Hessian [d2/da2, d2/dadb, d2/db2].
struct Objective {
  const std::vector<double>& bona;
  const std::vector<double>& spoof;
  double p_spoof, prior_logit;

  double Value(double a, double b) const {
    double sb = 0, ss = 0;
    for (double z : bona) sb += Softplus(-(a * z + b + prior_logit));
    for (double z : spoof) ss += Softplus(a * z + b + prior_logit);
    return (1 - p_spoof) * sb / bona.size() + p_spoof * ss / spoof.size() + 0.5 * kPenalty * (a * a + b * b);
  }

  void Derivatives(double a, double b, double grad[2], double hess[3]) const {
    grad[0] = kPenalty * a, grad[1] = kPenalty * b;
    hess[0] = kPenalty, hess[1] = 0, hess[2] = kPenalty;
    auto add = [&](const std::vector<double>& zs, double weight, double sign) {
      for (double z : zs) {
        const double x = a * z + b + prior_logit;
        const double g = sign > 0 ? Sigmoid(x) : -Sigmoid(-x);  // d/dx softplus(sign * x)
        const double h = Sigmoid(x) * Sigmoid(-x);
        grad[0] += weight * g * z, grad[1] += weight * g;
        hess[0] += weight * h * z * z, hess[1] += weight * h * z, hess[2] += weight * h;
      }
    };
    add(bona, (1 - p_spoof) / bona.size(), -1);
    add(spoof, p_spoof / spoof.size(), +1);
  }
};

// Newton's method with a backtracking line search; the objective is strictly convex.
std::pair<double, double> Minimise(const Objective& f) {
  double a = 1, b = 0, value = f.Value(a, b);
  for (int iteration = 0; iteration < 200; ++iteration) {
    double g[2], h[3];
    f.Derivatives(a, b, g, h);
    const double det = h[0] * h[2] - h[1] * h[1];
    const double da = -(h[2] * g[0] - h[1] * g[1]) / det, db = -(h[0] * g[1] - h[1] * g[0]) / det;
    double step = 1;
    double next = f.Value(a + da, b + db);
    while (!(next <= value) && step > 1e-12) {
      step *= 0.5;
      next = f.Value(a + step * da, b + step * db);
    }
    if (!(next <= value)) break;  // no further decrease: at the minimum to rounding
    a += step * da, b += step * db;
    const bool converged = value - next <= 1e-15 * std::max(1.0, value) && std::abs(step * da) < 1e-10;
    value = next;
    if (converged) break;
  }
  return {a, b};
}

void RequireFinite(const std::vector<double>& scores, const char* what) {
  for (double s : scores)
    if (!std::isfinite(s)) Fail(Format("calibration: a %s score is not finite (%g)", what, s));
}

double TargetThreshold(const Calibration& c, const std::vector<double>& bonafide, const std::vector<double>& spoof) {
  if (c.rule == ThresholdRule::kTargetFar) {
    std::vector<double> llr;
    for (double s : spoof) llr.push_back(c.Llr(s));
    std::sort(llr.begin(), llr.end(), std::greater<double>());
    // The k highest spoofs may be accepted; the threshold lies just above the next one.
    const size_t k = static_cast<size_t>(std::floor(c.target * llr.size()));
    return std::nextafter(llr[k], std::numeric_limits<double>::infinity());
  }
  std::vector<double> llr;
  for (double s : bonafide) llr.push_back(c.Llr(s));
  std::sort(llr.begin(), llr.end());
  // The k lowest bona fide trials may be rejected: accept from the next one up.
  return llr[static_cast<size_t>(std::floor(c.target * llr.size()))];
}

template <typename T>
T Get(const nlohmann::json& j, const char* key, const std::string& source) {
  const auto it = j.find(key);
  if (it == j.end()) Fail(source + ": missing key '" + key + "'");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    Fail(source + ": key '" + key + "' has the wrong type");
  }
}

}  // namespace

std::string ToString(ThresholdRule rule) {
  switch (rule) {
    case ThresholdRule::kTargetFar: return "target_far";
    case ThresholdRule::kTargetFrr: return "target_frr";
    case ThresholdRule::kBayes: break;
  }
  return "bayes";
}

double Calibration::Llr(double score) const {
  const double llr = scale * score + offset;
  if (!std::isfinite(llr)) Fail(Format("calibration: score %g gives a non-finite log-likelihood ratio", score));
  return llr;
}

void ScoreDecisionRule::Validate(const std::string& flag) const {
  if (threshold) antispoof::RequireFinite(*threshold, flag);
}

const char* ScoreDecisionRule::Decision(double value) const {
  if (!calibration) return value > threshold.value() ? "bonafide" : "spoof";
  return value >= threshold.value_or(calibration->threshold) ? "bonafide" : "spoof";
}

Calibration FitCalibration(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                           const CalibrationFitOptions& options) {
  if (bonafide.empty() || spoof.empty())
    Fail(Format("calibration needs bona fide and spoof scores (%zu and %zu given)", bonafide.size(), spoof.size()));
  RequireFinite(bonafide, "bona fide");
  RequireFinite(spoof, "spoof");
  const DcfCostModel& cost = options.cost;
  const double bayes = BayesThreshold(cost);  // validates the cost model
  if (options.rule != ThresholdRule::kBayes && !(options.target > 0 && options.target < 1))
    Fail(Format("calibration: the target rate must be in (0, 1), got %g", options.target));
  // Standardise on the pooled scores, so that Newton's method is well conditioned at any scale.
  double mean = 0, var = 0;
  const double n = static_cast<double>(bonafide.size() + spoof.size());
  for (const auto* v : {&bonafide, &spoof})
    for (double s : *v) mean += s / n;
  for (const auto* v : {&bonafide, &spoof})
    for (double s : *v) var += (s - mean) * (s - mean) / n;
  const double sd = std::sqrt(var);
  if (!(sd > 0)) Fail("calibration: every score is the same; nothing to calibrate");
  std::vector<double> zb, zs;
  for (double s : bonafide) zb.push_back((s - mean) / sd);
  for (double s : spoof) zs.push_back((s - mean) / sd);
  const Objective f{zb, zs, cost.p_spoof, std::log((1 - cost.p_spoof) / cost.p_spoof)};
  const auto [alpha, beta] = Minimise(f);

  Calibration c;
  c.scale = alpha / sd;
  c.offset = beta - alpha * mean / sd;
  if (!(c.scale > 0) || !std::isfinite(c.offset))
    Fail(Format("calibration: the fitted scale is %g: these scores do not rank bona fide above spoof", c.scale));
  c.cost = cost;
  c.rule = options.rule;
  c.target = options.rule == ThresholdRule::kBayes ? 0.0 : options.target;
  c.n_bonafide = bonafide.size();
  c.n_spoof = spoof.size();
  c.threshold = options.rule == ThresholdRule::kBayes ? bayes : TargetThreshold(c, bonafide, spoof);
  return c;
}

nlohmann::json Calibration::ToJson() const {
  return {{"format", kFormat},       {"version", 1},           {"scale", scale},
          {"offset", offset},        {"p_spoof", cost.p_spoof}, {"c_miss", cost.c_miss},
          {"c_fa", cost.c_fa},       {"threshold_rule", ToString(rule)}, {"target", target},
          {"threshold", threshold},  {"fitted_on", fitted_on}, {"n_bonafide", n_bonafide},
          {"n_spoof", n_spoof}};
}

Calibration Calibration::FromJson(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object() || j.value("format", std::string()) != kFormat)
    Fail(source + ": not an antispoof calibration file (no \"format\": \"" + kFormat + "\")");
  if (Get<int>(j, "version", source) != 1) Fail(source + ": version: only version 1 is known");
  Calibration c;
  c.scale = Get<double>(j, "scale", source);
  c.offset = Get<double>(j, "offset", source);
  c.cost.p_spoof = Get<double>(j, "p_spoof", source);
  c.cost.c_miss = Get<double>(j, "c_miss", source);
  c.cost.c_fa = Get<double>(j, "c_fa", source);
  c.threshold = Get<double>(j, "threshold", source);
  c.target = Get<double>(j, "target", source);
  const std::string rule = Get<std::string>(j, "threshold_rule", source);
  if (rule == "bayes") c.rule = ThresholdRule::kBayes;
  else if (rule == "target_far") c.rule = ThresholdRule::kTargetFar;
  else if (rule == "target_frr") c.rule = ThresholdRule::kTargetFrr;
  else Fail(source + ": threshold_rule: expected bayes, target_far or target_frr, got '" + rule + "'");
  c.fitted_on = j.value("fitted_on", std::string());
  c.n_bonafide = j.value("n_bonafide", size_t{0});
  c.n_spoof = j.value("n_spoof", size_t{0});
  if (!(c.scale > 0) || !std::isfinite(c.scale)) Fail(source + ": scale: must be finite and positive");
  if (!std::isfinite(c.offset)) Fail(source + ": offset: must be finite");
  if (!std::isfinite(c.threshold)) Fail(source + ": threshold: must be finite");
  try {
    BayesThreshold(c.cost);
  } catch (const Error& e) {
    Fail(source + ": p_spoof, c_miss, c_fa: " + e.what());
  }
  return c;
}

nlohmann::json Asvspoof5FiguresJson(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                                    const DcfCostModel& cost) {
  const Asvspoof5CmMetrics m = ComputeAsvspoof5CmMetrics(ComputeDetCurve(bonafide, spoof), bonafide, spoof, cost);
  return {{"min_dcf", m.min_dcf.min_dcf}, {"act_dcf", m.act_dcf.act_dcf}, {"cllr", m.cllr}, {"eer", m.eer.eer}};
}

nlohmann::json CalibratedMetricsJson(const Calibration& calibration, const std::vector<ScoreRecord>& records) {
  std::vector<double> bona, spoof;
  size_t correct = 0;
  for (const ScoreRecord& r : records) {
    if (r.key == TrialKey::kUnknown) Fail("calibrated metrics: utterance " + r.utterance + " has no key");
    const double llr = calibration.Llr(r.score);
    (r.key == TrialKey::kBonafide ? bona : spoof).push_back(llr);
    correct += (llr >= calibration.threshold) == (r.key == TrialKey::kBonafide);
  }
  nlohmann::json j = Asvspoof5FiguresJson(bona, spoof, calibration.cost);
  j["accuracy"] = static_cast<double>(correct) / static_cast<double>(records.size());
  j["calibration"] = calibration.ToJson();
  return j;
}

Calibration ReadCalibration(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::parse_error& e) {
    Fail(path + ": not valid JSON: " + e.what());
  }
  return Calibration::FromJson(j, path);
}

void WriteCalibration(const std::string& path, const Calibration& calibration) {
  if (FileExists(path)) {
    bool ours = false;
    try {
      ours = nlohmann::json::parse(ReadFile(path)).value("format", std::string()) == kFormat;
    } catch (const std::exception&) {
    }
    if (!ours) Fail(path + ": exists and is not an antispoof calibration file; refusing to replace it");
  }
  WriteFileAtomic(path, calibration.ToJson().dump(2) + "\n");
}

}  // namespace antispoof::metrics
