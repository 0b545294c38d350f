// The experiment report: from finished training run directories (docs/run_directory.md) to
// results.json, the PNG plots (gnuplot) and report.md. One call from `antispoof experiment`:
//   report::WriteExperimentReport(spec);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace antispoof::report {

struct SeedRun {
  long seed = 0;
  std::string dir;  // a finished run directory: summary.json, epochs.csv, train_log.csv,
                    // scores_eval.txt, metrics_eval.json
};

struct RunSpec {
  std::string name;  // run_0 (the baseline every variant is compared with), run_1, ...
  std::string description;
  std::vector<SeedRun> seeds;
  std::string config;  // the run's config file, as the experiment resolved it ("" = not recorded)
  // What the experiment changed in that config (its `set`, `epochs`, `threads`; not the seed):
  // [{"key": "batch_size", "config": "32", "run": "16"}, ...] with YAML flow values. May be empty.
  nlohmann::json recipe_changes = nlohmann::json::array();
  // Per-run cost figures, any subset of: parameters, size_mb, macs, infer_ms_per_utt_b1,
  // infer_ms_per_utt_b32, train_ms_per_utt, peak_rss_mb. May be null or empty.
  nlohmann::json cost;
};

struct ExperimentSpec {
  std::string dataset;  // e.g. "LA" or "antispoof_default"; names the plots and the flat keys
  std::string out_dir;
  std::vector<RunSpec> runs;     // runs[0] is the baseline
  std::string command;           // the exact command line, shown in report.md
  nlohmann::json versions;       // e.g. {"antispoof": ..., "libtorch": ..., "compiler": ...}
  int bootstrap_samples = 1000;  // 0: no bootstrap CIs (null in results.json)
  uint64_t seed = 0;             // bootstrap generator seed: same seed, same CIs
  // Further test sets every seed directory holds (scores_<name>.txt, metrics_<name>.json):
  // results.json's "test_sets" per run and seed, and a report table beside the eval split.
  std::vector<std::string> test_sets;
};

// The results.json content. Per run and seed, rates are fractions as in the run directories
// (the "units" key says so); only the flat `<dataset>` block holds EER and accuracy in percent.
// Error naming the file when a run directory lacks a file or a key.
nlohmann::json BuildResults(const ExperimentSpec& spec);

// Writes results.json, the PNG plots and report.md into out_dir (created when absent) and returns
// results.json's content. Error when a run directory is incomplete or gnuplot is missing or fails.
nlohmann::json WriteExperimentReport(const ExperimentSpec& spec);

}  // namespace antispoof::report
