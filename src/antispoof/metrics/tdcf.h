// Minimum normalised tandem detection cost function (t-DCF) of a CM system combined with the
// organisers' ASV system, as the official ASVspoof tools compute it:
//   legacy  = ASVspoof 2019 formulation (evaluate_tDCF_asvspoof19.py v1; what 2019 LA papers
//   report) revised = ASVspoof 2021 formulation (Kinnunen et al., TASLP 2020; tDCF v2 / 2021 eval
//   package)
#pragma once

#include <vector>

#include "antispoof/metrics/det.h"

namespace antispoof::metrics {

// ASV error rates at the ASV threshold; all fractions.
struct AsvOperatingPoint {
  double eer = 0.0;          // target vs nontarget EER
  double threshold = 0.0;    // its EER threshold, used as the ASV decision threshold
  double pfa = 0.0;          // #(nontarget >= threshold) / n_nontarget
  double pmiss = 0.0;        // #(target < threshold) / n_target
  double pmiss_spoof = 0.0;  // #(spoof < threshold) / n_spoof
};

// Threshold = EER threshold of target vs nontarget; error rates of the three classes at it.
AsvOperatingPoint ComputeAsvOperatingPoint(const std::vector<double>& target,
                                           const std::vector<double>& nontarget,
                                           const std::vector<double>& spoof);
// The same rates at a given threshold (eer is left 0).
AsvOperatingPoint AsvRatesAtThreshold(const std::vector<double>& target,
                                      const std::vector<double>& nontarget,
                                      const std::vector<double>& spoof, double threshold);

// Defaults = the ASVspoof 2019 LA / 2021 LA cost model.
struct TdcfCostModel {
  double p_spoof = 0.05;
  double p_target = (1 - 0.05) * 0.99;
  double p_nontarget = (1 - 0.05) * 0.01;
  double c_miss_asv = 1.0;  // revised: Cmiss
  double c_fa_asv = 10.0;   // revised: Cfa
  double c_miss_cm = 1.0;   // legacy only
  double c_fa_cm = 10.0;    // legacy: Cfa_cm; revised: Cfa_spoof
};

// Legacy: C1 = Ptar (Cmiss_cm - Cmiss_asv Pmiss_asv) - Pnon Cfa_asv Pfa_asv,
//         C2 = Cfa_cm Pspoof (1 - Pmiss_spoof_asv),
//         min over k of (C1 Pmiss_cm[k] + C2 Pfa_cm[k]) / min(C1, C2).
// The official tool stops when C1 or C2 < 0 ("negative weights"); here that is an Error, and so
// is min(C1, C2) = 0 (e.g. an ASV that rejects every spoof), where the normalisation is undefined.
double MinTdcfLegacy(const DetCurve& cm, const AsvOperatingPoint& asv,
                     const TdcfCostModel& cost = {});

// Revised: C0 = Ptar Cmiss Pmiss_asv + Pnon Cfa Pfa_asv, C1 = Ptar Cmiss - C0,
//          C2 = Pspoof Cfa_spoof (1 - Pmiss_spoof_asv),
//          min over k of (C0 + C1 Pmiss_cm[k] + C2 Pfa_cm[k]) / (C0 + min(C1, C2)).
// Error when C1 or C2 < 0 (as the official tool) or the normaliser is 0.
double MinTdcfRevised(const DetCurve& cm, const AsvOperatingPoint& asv,
                      const TdcfCostModel& cost = {});

}  // namespace antispoof::metrics
