// antispoof metrics: EER, min t-DCF (legacy and revised), the ASVspoof 5 Track 1 figures (minDCF,
// actDCF, Cllr), accuracy and per-attack breakdown of a countermeasure score file.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "antispoof/common/error.h"
#include "antispoof/metrics/asv_scores.h"
#include "antispoof/metrics/asvspoof5_files.h"
#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/report.h"
#include "antispoof/metrics/score_file.h"
#include "command.h"

namespace {

struct MetricsOptions {
  std::string scores_path;
  std::string protocol_path;
  std::string asv_scores_path;
  double threshold = 0.0;
  bool has_threshold = false;
  bool json = false;
  antispoof::metrics::DcfCostModel dcf_cost;
};

int RunMetrics(const MetricsOptions& options) {
  namespace metrics = antispoof::metrics;
  metrics::ScoreFile scores = metrics::ReadScoreFile(options.scores_path);
  if (!options.protocol_path.empty()) {
    metrics::JoinKeyFile(scores, options.protocol_path);
  } else if (!scores.has_keys()) {
    throw antispoof::Error(options.scores_path +
                           ": the score file has no keys (UTT SCORE or filename cm-score); pass "
                           "--protocol to join them from a CM protocol or an ASVspoof 5 key file");
  }
  std::optional<metrics::AsvScores> asv;
  if (!options.asv_scores_path.empty()) asv = metrics::ReadAsvScores(options.asv_scores_path);
  metrics::MetricsReport report = metrics::ComputeMetricsReport(
      scores.records, asv ? &*asv : nullptr,
      options.has_threshold ? std::optional<double>(options.threshold) : std::nullopt,
      options.dcf_cost);
  if (options.json) {
    std::printf("%s\n", metrics::MetricsReportToJson(report).dump(2).c_str());
  } else {
    std::fputs(metrics::FormatMetricsReport(report).c_str(), stdout);
  }
  return 0;
}

antispoof::cli::Registration registration{
    {"metrics",
     "EER, min t-DCF (legacy 2019 and revised 2021), ASVspoof 5 minDCF/actDCF/Cllr and "
     "per-attack breakdown of a CM score file",
     [](CLI::App& sub) {
       auto options = std::make_shared<MetricsOptions>();
       sub.add_option("--scores", options->scores_path,
                      "CM score file: UTT SCORE, UTT ATTACK KEY SCORE, "
                      "SPEAKER UTT - ATTACK KEY SCORE, or ASVspoof 5 with a header line "
                      "(filename<TAB>cm-score); higher = more bona fide")
           ->required();
       sub.add_option("--protocol", options->protocol_path,
                      "CM protocol (SPEAKER UTT - ATTACK KEY), ASVspoof 2021 LA/DF keys "
                      "(trial_metadata.txt), ASVspoof 5 protocol (.tsv) or key file (header "
                      "filename<TAB>cm-label, optional attack_anon), or In-the-Wild meta.csv, giving "
                      "keys and attacks to a score file without them");
       sub.add_option("--asv-scores", options->asv_scores_path,
                      "organisers' ASV score file (SOURCE KEY SCORE), needed for min t-DCF");
       CLI::Option* threshold =
           sub.add_option("--threshold", options->threshold,
                          "also report accuracy at this threshold (score > threshold = bona fide)");
       sub.add_option("--dcf-p-spoof", options->dcf_cost.p_spoof,
                      "minDCF/actDCF prior of a spoof (ASVspoof 5: 0.05)");
       sub.add_option("--dcf-c-miss", options->dcf_cost.c_miss,
                      "minDCF/actDCF cost of rejecting bona fide (ASVspoof 5: 1)");
       sub.add_option("--dcf-c-fa", options->dcf_cost.c_fa,
                      "minDCF/actDCF cost of accepting a spoof (ASVspoof 5: 10)");
       sub.add_flag("--json", options->json, "print the metrics as JSON (rates as fractions)");
       return [options, threshold] {
         options->has_threshold = threshold->count() > 0;
         if (options->has_threshold) antispoof::RequireFinite(options->threshold, "--threshold");
         return RunMetrics(*options);
       };
     },
     30}};

}  // namespace
