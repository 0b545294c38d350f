#include "antispoof/metrics/dcf.h"

#include <algorithm>
#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::metrics {
namespace {

void CheckCostModel(const DcfCostModel& cost) {
  const bool prior_ok = cost.p_spoof > 0.0 && cost.p_spoof < 1.0;
  const bool costs_ok = std::isfinite(cost.c_miss) && cost.c_miss > 0.0 &&
                        std::isfinite(cost.c_fa) && cost.c_fa > 0.0;
  if (!prior_ok || !costs_ok) {
    Fail(
        Format("DCF cost model needs 0 < Pspoof < 1 and finite Cmiss, Cfa > 0; got Pspoof = %g, "
               "Cmiss = %g, Cfa = %g",
               cost.p_spoof, cost.c_miss, cost.c_fa));
  }
}

// The checks every score-level metric shares: both classes present, every score finite.
void CheckScores(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                 const char* metric) {
  if (bonafide.empty() || spoof.empty()) {
    Fail(Format("%s needs bona fide and spoof scores; got %zu bona fide and %zu spoof", metric,
                bonafide.size(), spoof.size()));
  }
  auto is_not_finite = [](double x) { return !std::isfinite(x); };
  if (std::any_of(bonafide.begin(), bonafide.end(), is_not_finite) ||
      std::any_of(spoof.begin(), spoof.end(), is_not_finite)) {
    Fail(Format("%s needs finite scores; got NaN or infinity", metric));
  }
}

// log(1 + e^x) without overflow: log1p(exp(x)) (the package's formula) while e^x is finite.
double Softplus(double x) {
  return x > 700.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// Mean of softplus(sign * x) with Neumaier-compensated summation (numpy sums pairwise; both are
// far below the 1e-9 relative level at which the figures are compared).
double MeanSoftplus(const std::vector<double>& scores, double sign) {
  double sum = 0.0;
  double compensation = 0.0;
  for (double score : scores) {
    const double term = Softplus(sign * score);
    const double next = sum + term;
    compensation += std::fabs(sum) >= std::fabs(term) ? (sum - next) + term : (term - next) + sum;
    sum = next;
  }
  return (sum + compensation) / static_cast<double>(scores.size());
}

}  // namespace

double NormalisedDcf(double pmiss, double pfa, const DcfCostModel& cost) {
  CheckCostModel(cost);
  const double bonafide_weight = cost.c_miss * (1.0 - cost.p_spoof);
  const double spoof_weight = cost.c_fa * cost.p_spoof;
  return (bonafide_weight * pmiss + spoof_weight * pfa) / std::min(spoof_weight, bonafide_weight);
}

MinDcfPoint ComputeMinDcf(const DetCurve& det, const DcfCostModel& cost) {
  CheckCostModel(cost);
  if (det.frr.empty() || det.frr.size() != det.far.size() ||
      det.frr.size() != det.thresholds.size()) {
    Fail(Format("minDCF needs a DET curve (ComputeDetCurve); got %zu frr, %zu far, %zu thresholds",
                det.frr.size(), det.far.size(), det.thresholds.size()));
  }
  // The package's order of operations: bona fide prior p_target = 1 - Pspoof and spoof prior
  // 1 - p_target (which differs from Pspoof in the last bit).
  const double p_target = 1.0 - cost.p_spoof;
  double best = INFINITY;
  MinDcfPoint point;
  for (size_t k = 0; k < det.frr.size(); ++k) {
    const double c_det =
        cost.c_miss * det.frr[k] * p_target + cost.c_fa * det.far[k] * (1.0 - p_target);
    if (c_det < best) {
      best = c_det;
      point.index = k;
    }
  }
  const double c_default = std::min(cost.c_miss * p_target, cost.c_fa * (1.0 - p_target));
  point.min_dcf = best / c_default;
  point.threshold = det.thresholds[point.index];
  point.pmiss = det.frr[point.index];
  point.pfa = det.far[point.index];
  return point;
}

double BayesThreshold(const DcfCostModel& cost) {
  CheckCostModel(cost);
  const double beta = cost.c_miss * (1.0 - cost.p_spoof) / (cost.c_fa * cost.p_spoof);
  return -std::log(beta);
}

ActDcfPoint ComputeActDcf(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                          const DcfCostModel& cost) {
  CheckScores(bonafide, spoof, "actDCF");
  ActDcfPoint point;
  point.threshold = BayesThreshold(cost);
  const double threshold = point.threshold;
  const auto misses = std::count_if(bonafide.begin(), bonafide.end(),
                                    [threshold](double x) { return x < threshold; });
  const auto false_alarms =
      std::count_if(spoof.begin(), spoof.end(), [threshold](double x) { return x >= threshold; });
  point.pmiss = static_cast<double>(misses) / static_cast<double>(bonafide.size());
  point.pfa = static_cast<double>(false_alarms) / static_cast<double>(spoof.size());
  point.act_dcf = NormalisedDcf(point.pmiss, point.pfa, cost);
  return point;
}

double ComputeCllr(const std::vector<double>& bonafide, const std::vector<double>& spoof) {
  CheckScores(bonafide, spoof, "Cllr");
  const double cllr =
      0.5 * (MeanSoftplus(bonafide, -1.0) + MeanSoftplus(spoof, 1.0)) / std::log(2.0);
  if (!std::isfinite(cllr)) {
    Fail("Cllr overflows the double range: the scores are too large to be log-likelihood ratios");
  }
  return cllr;
}

Asvspoof5CmMetrics ComputeAsvspoof5CmMetrics(const DetCurve& det,
                                             const std::vector<double>& bonafide,
                                             const std::vector<double>& spoof,
                                             const DcfCostModel& cost) {
  Asvspoof5CmMetrics metrics;
  metrics.act_dcf = ComputeActDcf(bonafide, spoof, cost);  // checks the scores first
  metrics.min_dcf = ComputeMinDcf(det, cost);
  metrics.cllr = ComputeCllr(bonafide, spoof);
  metrics.eer = ComputeEer(det);
  return metrics;
}

Asvspoof5CmMetrics ComputeAsvspoof5CmMetrics(const std::vector<double>& bonafide,
                                             const std::vector<double>& spoof,
                                             const DcfCostModel& cost) {
  CheckScores(bonafide, spoof, "ASVspoof 5 metrics");
  return ComputeAsvspoof5CmMetrics(ComputeDetCurve(bonafide, spoof), bonafide, spoof, cost);
}

}  // namespace antispoof::metrics
