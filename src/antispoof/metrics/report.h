// The whole metrics report of one CM score list: what `antispoof metrics` prints and what training
// and evaluation store as metrics_<split>.json. All rates are fractions (eer_percent aside).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "antispoof/metrics/asv_scores.h"
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
};

struct MetricsReport {
  EerPoint eer;
  std::optional<double> min_tdcf_legacy;
  std::optional<double> min_tdcf_revised;
  std::string tdcf_note;  // why the t-DCFs are absent, "" when present
  std::optional<AsvOperatingPoint> asv;
  std::optional<double> accuracy;
  std::optional<double> accuracy_threshold;
  size_t n_bonafide = 0;
  size_t n_spoof = 0;
  std::vector<AttackMetrics> per_attack;  // sorted by attack name
};

// Every record needs a key (join a protocol first for 2-column files). `asv` may be null (no
// t-DCF); `accuracy_threshold` set -> accuracy with score > threshold = bona fide. Errors when a
// class is empty or the pooled t-DCF is undefined (see tdcf.h); an undefined per-attack t-DCF is
// left null with a note instead.
MetricsReport ComputeMetricsReport(const std::vector<ScoreRecord>& records, const AsvScores* asv,
                                   std::optional<double> accuracy_threshold = std::nullopt);

// Keys: eer, eer_percent, eer_threshold, min_tdcf_legacy, min_tdcf_revised, tdcf_note, asv
// ({eer, threshold, pfa, pmiss, pmiss_spoof} or null), accuracy, accuracy_threshold, n_bonafide,
// n_spoof, per_attack ({"A07": {eer, eer_percent, min_tdcf_legacy, min_tdcf_revised, n_spoof,
// asv_spoof_scores, tdcf_note}}). Absent values are null.
nlohmann::json MetricsReportToJson(const MetricsReport& report);

// Human-readable layout of the official evaluate_tDCF_asvspoof19 output (ASV system, CM system,
// tandem) with both t-DCFs labelled, then the per-attack breakdown.
std::string FormatMetricsReport(const MetricsReport& report);

}  // namespace antispoof::metrics
