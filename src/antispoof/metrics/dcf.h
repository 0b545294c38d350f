// ASVspoof 5 Track 1 countermeasure metrics as the official ASVspoof 5 evaluation package computes
// them (evaluation-package/calculate_modules.py: compute_mindcf, compute_actDCF, calculate_CLLR;
// EER = det.h, which is the package's compute_eer): normalised minimum and actual detection cost,
// and Cllr in bits. Bona fide = positive class; higher score = more bona fide. For actDCF and Cllr
// the scores are read as natural-log likelihood ratios log p(x | bona fide) / p(x | spoof).
// Everything is in double precision; a NaN or infinite score is an Error, never an output.
#pragma once

#include <cstddef>
#include <vector>

#include "antispoof/metrics/det.h"

namespace antispoof::metrics {

// Defaults = the ASVspoof 5 Track 1 cost model. Error (in every function below) unless
// 0 < p_spoof < 1 and c_miss, c_fa are finite and > 0: otherwise the normaliser is 0 or the
// Bayes threshold undefined.
struct DcfCostModel {
  double p_spoof = 0.05;  // prior of a spoofing attack; bona fide prior = 1 - p_spoof
  double c_miss = 1.0;    // cost of rejecting a bona fide trial
  double c_fa = 10.0;     // cost of accepting a spoof trial
};

// Normalised DCF of one operating point:
//   (c_miss (1 - p_spoof) pmiss + c_fa p_spoof pfa) / min(c_miss (1 - p_spoof), c_fa p_spoof),
// so 1 is the cost of the better of "accept all" and "reject all" (0.5 with the defaults).
// minDCF and actDCF below are this function at their operating points (up to the last bit of
// rounding: each follows the package's own order of operations).
double NormalisedDcf(double pmiss, double pfa, const DcfCostModel& cost = {});

struct MinDcfPoint {
  double min_dcf = 0.0;    // normalised
  double threshold = 0.0;  // det.thresholds[index]
  double pmiss = 0.0;      // det.frr[index]
  double pfa = 0.0;        // det.far[index]
  size_t index = 0;        // the FIRST k minimising the cost over the N + 1 DET points
};

// Minimum over the DET curve's operating points (det.h), as compute_mindcf.
MinDcfPoint ComputeMinDcf(const DetCurve& det, const DcfCostModel& cost = {});

// The Bayes decision threshold for scores that are log-likelihood ratios:
//   -log(c_miss (1 - p_spoof) / (c_fa p_spoof)) = log(c_fa p_spoof / (c_miss (1 - p_spoof))),
// -0.64185389 with the defaults (accept as bona fide when score >= threshold).
double BayesThreshold(const DcfCostModel& cost = {});

struct ActDcfPoint {
  double act_dcf = 0.0;    // normalised
  double threshold = 0.0;  // BayesThreshold(cost)
  double pmiss = 0.0;      // #(bona fide < threshold) / n_bonafide
  double pfa = 0.0;        // #(spoof >= threshold) / n_spoof
};

// Normalised DCF at BayesThreshold, as compute_actDCF. Error when a class is empty or a score is
// not finite.
ActDcfPoint ComputeActDcf(const std::vector<double>& bonafide, const std::vector<double>& spoof,
                          const DcfCostModel& cost = {});

// Cllr in bits, as calculate_CLLR:
//   (mean softplus(-bona fide) + mean softplus(spoof)) / (2 ln 2), softplus(x) = log(1 + e^x).
// 0 for perfectly calibrated certain scores, 1 for all-zero scores. The package evaluates
// log1p(exp(x)) directly, which overflows to inf for x > ~709; here softplus is computed stably
// there (x + log1p(exp(-x))), so such scores give the finite Cllr. Error when a class is empty, a
// score is not finite or the result overflows (scores near the double range).
double ComputeCllr(const std::vector<double>& bonafide, const std::vector<double>& spoof);

// The four Track 1 figures of one bona fide / spoof score set.
struct Asvspoof5CmMetrics {
  MinDcfPoint min_dcf;  // primary metric
  ActDcfPoint act_dcf;
  double cllr = 0.0;  // bits
  EerPoint eer;       // det.h (fraction)
};

Asvspoof5CmMetrics ComputeAsvspoof5CmMetrics(const DetCurve& det,
                                             const std::vector<double>& bonafide,
                                             const std::vector<double>& spoof,
                                             const DcfCostModel& cost = {});
// Builds the DET curve itself.
Asvspoof5CmMetrics ComputeAsvspoof5CmMetrics(const std::vector<double>& bonafide,
                                             const std::vector<double>& spoof,
                                             const DcfCostModel& cost = {});

}  // namespace antispoof::metrics
