// Linear score calibration: the affine map s -> scale * s + offset that turns a countermeasure's
// scores (higher = more bona fide) into natural-log likelihood ratios
// log p(x | bona fide) / p(x | spoof), fitted by prior-weighted logistic regression (the standard
// linear calibration of speaker and spoofing detection), and the decision threshold that goes with
// it. A calibration is fitted on one score set (dev) and applied to others (eval, a service's
// requests); it is saved as a small JSON file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/score_file.h"

namespace antispoof::metrics {

// How the decision threshold (on calibrated scores) was chosen.
enum class ThresholdRule {
  kBayes,      // BayesThreshold(cost): the minimum expected cost for the stated prior and costs
  kTargetFar,  // the calibration set's false-acceptance rate (spoofs accepted) is at most `target`
  kTargetFrr,  // the calibration set's false-rejection rate (bona fide rejected) is at most `target`
};

struct Calibration {
  double scale = 1.0;   // > 0: calibration keeps the score's polarity
  double offset = 0.0;
  DcfCostModel cost;    // the prior the fit weighted the classes with, and the decision costs
  ThresholdRule rule = ThresholdRule::kBayes;
  double target = 0.0;      // the rate of kTargetFar / kTargetFrr
  double threshold = 0.0;   // on calibrated scores: bona fide when llr >= threshold
  // Where it was fitted: the score file and its class counts (for the record).
  std::string fitted_on;
  size_t n_bonafide = 0, n_spoof = 0;

  // The log-likelihood ratio of a raw score. Error for a non-finite result.
  double Llr(double score) const;
  bool DecidesBonafide(double score) const { return Llr(score) >= threshold; }

  nlohmann::json ToJson() const;
  // Error naming `source` and the key for a missing, mistyped or out-of-range value.
  static Calibration FromJson(const nlohmann::json& j, const std::string& source);
};

// What a user is shown for a score (`score`, `serve`): with a calibration, its log-likelihood ratio
// and a decision at the calibration's threshold (or at `threshold`, on the LLR: bona fide when
// llr >= threshold); without one, the raw score and a decision only when a threshold is given (bona
// fide when score > threshold, the argmax rule's strict inequality).
struct ScoreDecisionRule {
  std::optional<Calibration> calibration;
  std::optional<double> threshold;  // finite; Validate() refuses anything else

  void Validate(const std::string& flag = "--threshold") const;  // Error naming `flag`
  bool Decides() const { return threshold.has_value() || calibration.has_value(); }
  double Value(double score) const { return calibration ? calibration->Llr(score) : score; }
  // "bonafide" or "spoof" for a Value(); only when Decides().
  const char* Decision(double value) const;
};

struct CalibrationFitOptions {
  DcfCostModel cost;  // cost.p_spoof is the prior of the fit
  ThresholdRule rule = ThresholdRule::kBayes;
  double target = 0.0;  // in (0, 1) for the target-rate rules
};

// Fits scale and offset minimising the prior-weighted cross-entropy
//   (1 - P) mean_bona softplus(-(l + logit(1 - P))) + P mean_spoof softplus(l + logit(1 - P)),
// l = scale * s + offset, P = cost.p_spoof (Newton's method on standardised scores, with an L2
// penalty of 1e-6 on the standardised parameters so that separable scores get a finite, steep map
// instead of none). Then sets the threshold by the rule. Error when a class is empty, a score is
// not finite, or the fitted scale is not positive (the scores do not rank bona fide higher).
Calibration FitCalibration(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                           const CalibrationFitOptions& options = {});

// Reads / writes a calibration file (JSON with "format": "antispoof-calibration"). Writing is
// atomic and refuses to replace a file that is not an antispoof calibration.
Calibration ReadCalibration(const std::string& path);
void WriteCalibration(const std::string& path, const Calibration& calibration);

std::string ToString(ThresholdRule rule);

// The ASVspoof 5 figures of a score set: {min_dcf, act_dcf, cllr, eer} (fractions; Cllr in bits),
// with `cost`'s prior and costs.
nlohmann::json Asvspoof5FiguresJson(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                                    const DcfCostModel& cost);
// Keyed records' scores mapped to LLRs by `calibration`: their ASVspoof 5 figures (the calibration's
// costs), the accuracy of its decisions, and the map itself ({scale, offset, threshold, ...}).
// Error for records without keys or a class without trials.
nlohmann::json CalibratedMetricsJson(const Calibration& calibration, const std::vector<ScoreRecord>& records);

}  // namespace antispoof::metrics
