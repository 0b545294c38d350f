// antispoof metrics: EER, min t-DCF (legacy and revised), the ASVspoof 5 Track 1 figures (minDCF,
// actDCF, Cllr), accuracy and per-attack breakdown of a countermeasure score file.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/asv_scores.h"
#include "antispoof/metrics/asvspoof5_files.h"
#include "antispoof/metrics/dcf.h"
#include "antispoof/metrics/report.h"
#include "antispoof/metrics/det.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/report/stats.h"
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
  int bootstrap = 0;          // replicates of the trial bootstrap; 0 = none
  uint64_t bootstrap_seed = 0;
  std::string compare_path;   // another system's scores of the same trials
};

namespace metrics = antispoof::metrics;
namespace report = antispoof::report;

// The records with keys, in utterance-id order: score lists of the same trials then line up trial by
// trial, which pairs their bootstrap replicates.
std::vector<metrics::ScoreRecord> SortedByUtterance(std::vector<metrics::ScoreRecord> records) {
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.utterance < b.utterance; });
  return records;
}

// Error naming the first trial that one file has and the other lacks.
void RequireSameTrials(const std::vector<metrics::ScoreRecord>& a, const std::string& a_path,
                       const std::vector<metrics::ScoreRecord>& b, const std::string& b_path) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && i < b.size() && a[i].utterance == b[i].utterance && a[i].key == b[i].key) continue;
    const bool a_first = i < a.size() && (i >= b.size() || a[i].utterance < b[i].utterance);
    const std::string& utt = a_first ? a[i].utterance : b[i].utterance;
    throw antispoof::Error("--compare: " + b_path + " and " + a_path + " do not score the same trials (" + utt +
                           (i < a.size() && i < b.size() && a[i].utterance == b[i].utterance
                                ? " has different keys)"
                                : " is in " + (a_first ? a_path : b_path) + " only)"));
  }
}

// The EER's 95 % trial-bootstrap interval and, with --compare, the other file's EER and the paired
// interval of (other - this), as JSON (fractions).
nlohmann::json BootstrapFigures(const MetricsOptions& o, const metrics::ScoreFile& scores) {
  const auto base = SortedByUtterance(scores.records);
  const metrics::ScoresByKey b = metrics::SplitByKey(base, o.scores_path);
  const std::vector<double> base_eers = report::BootstrapEers(b.bonafide, b.spoof, o.bootstrap, o.bootstrap_seed);
  const report::Interval ci = report::PercentileInterval(base_eers);
  nlohmann::json j = {{"samples", o.bootstrap}, {"seed", o.bootstrap_seed}, {"eer_ci95", {ci.low, ci.high}}};
  if (o.compare_path.empty()) return j;
  metrics::ScoreFile other_file = metrics::ReadScoreFile(o.compare_path);
  if (!other_file.has_keys() && !o.protocol_path.empty()) metrics::JoinKeyFile(other_file, o.protocol_path);
  const auto other = SortedByUtterance(other_file.records);
  RequireSameTrials(base, o.scores_path, other, o.compare_path);
  const metrics::ScoresByKey c = metrics::SplitByKey(other, o.compare_path);
  const std::vector<double> other_eers = report::BootstrapEers(c.bonafide, c.spoof, o.bootstrap, o.bootstrap_seed);
  std::vector<double> differences(base_eers.size());
  for (size_t r = 0; r < differences.size(); ++r) differences[r] = other_eers[r] - base_eers[r];
  const report::Interval d = report::PercentileInterval(differences);
  const double other_eer = metrics::ComputeEer(c.bonafide, c.spoof).eer;
  j["compare"] = {{"scores", o.compare_path},
                  {"eer", other_eer},
                  {"eer_difference", other_eer - metrics::ComputeEer(b.bonafide, b.spoof).eer},
                  {"eer_difference_ci95", {d.low, d.high}}};
  return j;
}

std::string FormatBootstrap(const nlohmann::json& j) {
  std::string out = antispoof::Format("EER 95 %% bootstrap interval (%d replicates, seed %llu): [%.2f, %.2f] %%\n",
                                      j["samples"].get<int>(), j["seed"].get<unsigned long long>(),
                                      100 * j["eer_ci95"][0].get<double>(), 100 * j["eer_ci95"][1].get<double>());
  if (!j.contains("compare")) return out;
  const auto& c = j["compare"];
  return out + antispoof::Format("%s: EER %.2f %%, minus this file's %+.2f pp, paired 95 %% bootstrap interval "
                                 "[%+.2f, %+.2f] pp\n",
                                 c["scores"].get<std::string>().c_str(), 100 * c["eer"].get<double>(),
                                 100 * c["eer_difference"].get<double>(),
                                 100 * c["eer_difference_ci95"][0].get<double>(),
                                 100 * c["eer_difference_ci95"][1].get<double>());
}

int RunMetrics(const MetricsOptions& options) {
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
  const nlohmann::json bootstrap = options.bootstrap > 0 ? BootstrapFigures(options, scores) : nlohmann::json();
  if (options.json) {
    nlohmann::json j = metrics::MetricsReportToJson(report);
    if (!bootstrap.is_null()) j["bootstrap"] = bootstrap;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::fputs(metrics::FormatMetricsReport(report).c_str(), stdout);
    if (!bootstrap.is_null()) std::fputs(FormatBootstrap(bootstrap).c_str(), stdout);
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
       sub.add_option("--bootstrap", options->bootstrap,
                      "also give the EER's 95 % interval from this many trial-bootstrap replicates (e.g. 1000)")
           ->check(CLI::Range(1, 100000));
       sub.add_option("--bootstrap-seed", options->bootstrap_seed, "the bootstrap's seed (same seed, same intervals)");
       sub.add_option("--compare", options->compare_path,
                      "another score file of the same trials: its EER and the paired bootstrap interval of "
                      "its EER minus this file's (needs --bootstrap)");
       return [options, threshold] {
         if (!options->compare_path.empty() && options->bootstrap == 0)
           throw antispoof::Error("--compare needs --bootstrap N (the paired interval's replicates)");
         options->has_threshold = threshold->count() > 0;
         if (options->has_threshold) antispoof::RequireFinite(options->threshold, "--threshold");
         return RunMetrics(*options);
       };
     },
     30}};

}  // namespace
