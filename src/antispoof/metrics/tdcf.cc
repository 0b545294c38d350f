#include "antispoof/metrics/tdcf.h"

#include <algorithm>
#include <cmath>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::metrics {
namespace {

double FractionWhere(const std::vector<double>& scores, bool (*predicate)(double, double),
                     double threshold) {
  size_t count = 0;
  for (double score : scores) count += predicate(score, threshold) ? 1 : 0;
  return static_cast<double>(count) / static_cast<double>(scores.size());
}

bool AtOrAbove(double score, double threshold) { return score >= threshold; }
bool Below(double score, double threshold) { return score < threshold; }

void CheckAsvRates(const AsvOperatingPoint& asv) {
  for (double rate : {asv.pfa, asv.pmiss, asv.pmiss_spoof}) {
    if (!(rate >= 0.0 && rate <= 1.0)) Fail("t-DCF: ASV error rates must lie in [0, 1]");
  }
}

std::string AsvDescription(const AsvOperatingPoint& asv) {
  return Format("ASV Pfa %.6f, Pmiss %.6f, Pmiss_spoof %.6f at threshold %.6f", asv.pfa, asv.pmiss,
                asv.pmiss_spoof, asv.threshold);
}

}  // namespace

AsvOperatingPoint AsvRatesAtThreshold(const std::vector<double>& target,
                                      const std::vector<double>& nontarget,
                                      const std::vector<double>& spoof, double threshold) {
  if (target.empty() || nontarget.empty() || spoof.empty()) {
    Fail(Format("ASV error rates need target, nontarget and spoof scores; got %zu, %zu and %zu",
                target.size(), nontarget.size(), spoof.size()));
  }
  AsvOperatingPoint point;
  point.threshold = threshold;
  point.pfa = FractionWhere(nontarget, AtOrAbove, threshold);
  point.pmiss = FractionWhere(target, Below, threshold);
  point.pmiss_spoof = FractionWhere(spoof, Below, threshold);
  return point;
}

AsvOperatingPoint ComputeAsvOperatingPoint(const std::vector<double>& target,
                                           const std::vector<double>& nontarget,
                                           const std::vector<double>& spoof) {
  EerPoint asv_eer = ComputeEer(target, nontarget);
  AsvOperatingPoint point = AsvRatesAtThreshold(target, nontarget, spoof, asv_eer.threshold);
  point.eer = asv_eer.eer;
  return point;
}

double MinTdcfLegacy(const DetCurve& cm, const AsvOperatingPoint& asv, const TdcfCostModel& cost) {
  CheckAsvRates(asv);
  const double c1 = cost.p_target * (cost.c_miss_cm - cost.c_miss_asv * asv.pmiss) -
                    cost.p_nontarget * cost.c_fa_asv * asv.pfa;
  const double c2 = cost.c_fa_cm * cost.p_spoof * (1 - asv.pmiss_spoof);
  if (c1 < 0 || c2 < 0) {
    Fail(
        Format("legacy t-DCF: negative weight (C1 = %g, C2 = %g); the official tool refuses this "
               "too: check that the ASV scores and the protocol are what you think (%s)",
               c1, c2, AsvDescription(asv).c_str()));
  }
  const double normaliser = std::min(c1, c2);
  if (normaliser == 0) {
    Fail(Format("legacy t-DCF is undefined: min(C1, C2) = 0 (C1 = %g, C2 = %g; %s)", c1, c2,
                AsvDescription(asv).c_str()));
  }
  double best = INFINITY;
  for (size_t k = 0; k < cm.frr.size(); ++k) {
    best = std::min(best, (c1 * cm.frr[k] + c2 * cm.far[k]) / normaliser);
  }
  return best;
}

double MinTdcfRevised(const DetCurve& cm, const AsvOperatingPoint& asv, const TdcfCostModel& cost) {
  CheckAsvRates(asv);
  const double c0 =
      cost.p_target * cost.c_miss_asv * asv.pmiss + cost.p_nontarget * cost.c_fa_asv * asv.pfa;
  const double c1 = cost.p_target * cost.c_miss_asv - c0;
  const double c2 = cost.p_spoof * cost.c_fa_cm * (1 - asv.pmiss_spoof);
  if (c1 < 0 || c2 < 0) {
    Fail(
        Format("revised t-DCF: negative weight (C1 = %g, C2 = %g); the official tool refuses "
               "this too: check that the ASV scores and the protocol are what you think (%s)",
               c1, c2, AsvDescription(asv).c_str()));
  }
  const double normaliser = c0 + std::min(c1, c2);
  if (normaliser == 0) {
    Fail(Format("revised t-DCF is undefined: C0 + min(C1, C2) = 0 (%s)",
                AsvDescription(asv).c_str()));
  }
  double best = INFINITY;
  for (size_t k = 0; k < cm.frr.size(); ++k) {
    best = std::min(best, (c0 + c1 * cm.frr[k] + c2 * cm.far[k]) / normaliser);
  }
  return best;
}

}  // namespace antispoof::metrics
