// Reading finished run directories (docs/run_directory.md) for the report.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "antispoof/report/report.h"
#include "antispoof/rundir/run_directory.h"

namespace antispoof::report {

using rundir::CsvTable;

// A seed's scores on one test set, by class, each in utterance-id order (paired bootstrap).
struct TestSetScores {
  std::vector<double> bonafide;
  std::vector<double> spoof;
  double eer = 0;  // metrics_<name>.json's "eer" (fraction)
};

struct SeedData {
  long seed = 0;
  std::string dir;
  rundir::Summary summary;  // summary.json
  nlohmann::json metrics;  // metrics_eval.json
  CsvTable epochs;         // epochs.csv
  CsvTable train_log;      // train_log.csv
  // Eval scores by class, each in utterance-id order, so seeds scored on the same test set line
  // up trial by trial (paired bootstrap replicates).
  std::vector<double> bonafide;
  std::vector<double> spoof;
  // The experiment's further test sets (ExperimentSpec::test_sets), by name.
  std::map<std::string, TestSetScores> test_sets;

  // Fractions, as in the run directory.
  double best_val_eer() const;
  double test_eer() const;
  std::optional<double> test_acc() const;
  std::optional<double> test_tdcf_legacy() const;
  std::optional<double> test_tdcf_revised() const;
  std::string tdcf_note() const;  // "" when the t-DCFs are present
  // An ASVspoof 5 figure of metrics_eval.json ("min_dcf", "act_dcf", "cllr"), raw or on the scores
  // calibrated on dev (its "calibrated" block); nullopt when absent.
  std::optional<double> test_figure(const std::string& key, bool calibrated) const;
  double total_train_time_s() const;
  std::map<std::string, double> per_attack_eer() const;
};

struct RunData {
  const RunSpec* spec = nullptr;
  std::vector<SeedData> seeds;
};

// Error naming the path when a directory, file or key is missing, or the experiment is malformed
// (no runs, duplicate names, a run without seeds, duplicate seeds).
std::vector<RunData> LoadRuns(const ExperimentSpec& spec);

nlohmann::json BuildResultsFromData(const ExperimentSpec& spec, const std::vector<RunData>& runs);

// Writes the plots into spec.out_dir; returns the file names written, in report order.
std::vector<std::string> WritePlots(const ExperimentSpec& spec, const std::vector<RunData>& runs,
                                    const nlohmann::json& results);

std::string FormatReportMarkdown(const ExperimentSpec& spec, const nlohmann::json& results,
                                 const std::vector<std::string>& plots);

}  // namespace antispoof::report
