// `antispoof experiment`: named runs x seeds, trained, selected on dev, tested on eval, measured,
// then reported (results.json, plots, report.md). Resumable: finished (run, seed) pairs are kept,
// an interrupted one continues from its last.pth.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace antispoof::experiment {

struct RunEntry {
  std::string name;         // run_0 is the baseline
  std::string description;
  std::string config;       // path, resolved against the experiment file's folder
  std::vector<std::string> overrides;  // KEY=VALUE
};

// A further test set every (run, seed) is scored on after its eval split (antispoof eval --layout):
// another layout, a held-out condition, another dataset. Its EER is reported per run with the
// same bootstrap CI as the eval split's.
struct TestSetEntry {
  std::string name;       // names scores_<name>.txt in each run directory and the report's column
  std::string data_root;  // as given (relative to the working directory, like data_root)
  std::string protocol;   // "" = the layout's default (data::DefaultLayoutProtocol) or a folder
  std::string layout = "auto";
};

struct ExperimentConfig {
  std::string source;
  std::string dataset = "antispoof_default";
  std::string data_root;              // "" = the default corpus
  std::string corpus_dir = "data/corpus";
  std::string corpus_size = "default";
  std::vector<long> seeds = {1, 2};
  // Keys set on every run's config when present (validated as the keys num_epochs and threads when
  // the file is read; `epochs: 0` is an error like `num_epochs: 0`).
  std::optional<long> epochs;
  std::optional<long> threads;
  int bootstrap_samples = 1000;
  bool bench = true;
  int bench_repeats = 1;              // timed runs per figure within one benchmark (median kept)
  int bench_rounds = 3;               // benchmarks per run, alternating across runs (median kept)
  std::vector<std::string> overrides;  // applied to every run, before the run's own
  std::vector<RunEntry> runs;
  std::vector<TestSetEntry> test_sets;  // `test_sets: [{name, data_root, protocol, layout}]`
};

// Error naming the file and key for an unknown key, a run name that is not a plain folder name
// (`../x`), a duplicate run name or seed, a negative seed, no runs or no seeds, and an epochs or threads
// value its config key refuses: everything is checked before anything trains.
ExperimentConfig LoadExperimentConfig(const std::string& path);

struct ExperimentOptions {
  std::string out_dir;
  bool resume = false;
  std::string command_line;
  int corpus_jobs = 2;
  // When set (the antispoof binary), each run's cost is measured by `<bench_executable> bench --json` in
  // a fresh process, so peak_rss_mb is the model's own and not what training left in this process.
  // Empty: measured in this process after training.
  std::string bench_executable;
};

// Runs everything and writes the report; returns results.json's content.
nlohmann::json RunExperiment(const ExperimentConfig& config, const ExperimentOptions& options);

// The comparison table printed on stdout at the end (one row per run, mean +- std over seeds).
std::string SummaryTable(const nlohmann::json& results, const std::string& dataset);

}  // namespace antispoof::experiment
