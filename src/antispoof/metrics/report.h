// The whole metrics report of one CM score list: what `antispoof metrics` prints and what training
// and evaluation store as metrics_<split>.json. All rates are fractions (eer_percent aside).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "antispoof/metrics/asv_scores.h"
#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/det.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/metrics/tdcf.h"

namespace antispoof::metrics {

struct AttackMetrics {
  std::string attack;
  size_t n_spoof = 0;
  double eer = 0.0;
  std::optional<double> min_tdcf_legacy;
  std::optional<double> min_tdcf_revised;
  // Which ASV spoof scores entered its t-DCF: the attack's own ("A07") when the ASV file has that
  // source, else "pooled" (all ASV spoof trials); "" without ASV scores.
  std::string asv_spoof_scores;
  std::string tdcf_note;  // why the t-DCFs are absent, "" when present
  // ASVspoof 5 Track 1 figures of all bona fide against this attack's spoofs (dcf.h).
  double min_dcf = 0.0;
  double act_dcf = 0.0;
  double cllr = 0.0;  // bits
};

struct MetricsReport {
  EerPoint eer;
  std::optional<double> min_tdcf_legacy;
  std::optional<double> min_tdcf_revised;
  std::string tdcf_note;  // why the t-DCFs are absent, "" when present
  std::optional<AsvOperatingPoint> asv;
  // ASVspoof 5 Track 1 (dcf.h) under dcf_cost: minDCF, actDCF (scores read as LLRs), Cllr in bits.
  DcfCostModel dcf_cost;
  MinDcfPoint min_dcf;
  ActDcfPoint act_dcf;
  double cllr = 0.0;
  std::optional<double> accuracy;
  std::optional<double> accuracy_threshold;
  size_t n_bonafide = 0;
  size_t n_spoof = 0;
  std::vector<AttackMetrics> per_attack;  // sorted by attack name
};

// Every record needs a key (join a protocol or key file first for keyless files). `asv` may be
// null (no t-DCF); `accuracy_threshold` set -> accuracy with score > threshold = bona fide.
// Errors when a class is empty, the pooled t-DCF is undefined (see tdcf.h) or dcf_cost is invalid
// (see dcf.h); an undefined per-attack t-DCF is left null with a note instead.
MetricsReport ComputeMetricsReport(const std::vector<ScoreRecord>& records, const AsvScores* asv,
                                   std::optional<double> accuracy_threshold = std::nullopt,
                                   const DcfCostModel& dcf_cost = {});

// Keys: eer, eer_percent, eer_threshold, min_tdcf_legacy, min_tdcf_revised, tdcf_note, asv
// ({eer, threshold, pfa, pmiss, pmiss_spoof} or null), min_dcf, min_dcf_threshold, act_dcf,
// act_dcf_threshold, cllr (bits), dcf_cost ({p_spoof, c_miss, c_fa}), accuracy,
// accuracy_threshold, n_bonafide, n_spoof, per_attack ({"A07": {eer, eer_percent,
// min_tdcf_legacy, min_tdcf_revised, n_spoof, asv_spoof_scores, tdcf_note, min_dcf, act_dcf,
// cllr}}). Absent values are null.
nlohmann::json MetricsReportToJson(const MetricsReport& report);

// Human-readable layout of the official evaluate_tDCF_asvspoof19 output (ASV system, CM system,
// tandem) with both t-DCFs labelled, the ASVspoof 5 Track 1 figures in the CM system section, then
// the per-attack breakdown.
std::string FormatMetricsReport(const MetricsReport& report);

}  // namespace antispoof::metrics
