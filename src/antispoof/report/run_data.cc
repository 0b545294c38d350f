#include "antispoof/report/run_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <utility>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/rundir/run_directory.h"

namespace antispoof::report {
namespace {

double RequireNumber(const nlohmann::json& json, const std::string& key, const std::string& path) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_number()) {
    FailAt(path, 0, "missing numeric key '" + key + "'");
  }
  return it->get<double>();
}

std::optional<double> OptionalNumber(const nlohmann::json& json, const std::string& key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// The keyed scores of a score file by class, each in utterance-id order; Error unless both classes
// are there.
TestSetScores ReadTestSetScores(const std::string& path) {
  metrics::ScoreFile scores = metrics::ReadScoreFile(path);
  std::vector<metrics::ScoreRecord>& records = scores.records;
  std::sort(records.begin(), records.end(), [](const metrics::ScoreRecord& a, const metrics::ScoreRecord& b) {
    return a.utterance < b.utterance;
  });
  TestSetScores out;
  for (const metrics::ScoreRecord& record : records) {
    if (record.key == metrics::TrialKey::kBonafide) out.bonafide.push_back(record.score);
    else if (record.key == metrics::TrialKey::kSpoof) out.spoof.push_back(record.score);
  }
  if (out.bonafide.empty() || out.spoof.empty()) {
    FailAt(scores.path, 0,
           Format("needs bona fide and spoof trials with keys; got %zu and %zu", out.bonafide.size(), out.spoof.size()));
  }
  return out;
}

}  // namespace


double SeedData::best_val_eer() const { return summary.best_dev_eer; }
double SeedData::test_eer() const {
  return RequireNumber(metrics, "eer", rundir::RunDirectory(dir).metrics("eval"));
}
std::optional<double> SeedData::test_acc() const { return OptionalNumber(metrics, "accuracy"); }
std::optional<double> SeedData::test_tdcf_legacy() const {
  return OptionalNumber(metrics, "min_tdcf_legacy");
}
std::optional<double> SeedData::test_tdcf_revised() const {
  return OptionalNumber(metrics, "min_tdcf_revised");
}
std::optional<double> SeedData::test_figure(const std::string& key, bool calibrated) const {
  if (!calibrated) return OptionalNumber(metrics, key);
  const auto it = metrics.find("calibrated");
  return it != metrics.end() && it->is_object() ? OptionalNumber(*it, key) : std::nullopt;
}
std::string SeedData::tdcf_note() const {
  auto it = metrics.find("tdcf_note");
  if (it != metrics.end() && it->is_string()) return it->get<std::string>();
  if (!test_tdcf_legacy()) return "metrics_eval.json has no min t-DCF";
  return "";
}
double SeedData::total_train_time_s() const { return summary.total_train_time_s; }
std::map<std::string, double> SeedData::per_attack_eer() const {
  std::map<std::string, double> out;
  auto it = metrics.find("per_attack");
  if (it == metrics.end() || !it->is_object()) return out;
  for (const auto& [attack, entry] : it->items()) {
    out[attack] =
        RequireNumber(entry, "eer", rundir::RunDirectory(dir).metrics("eval") + " per_attack." + attack);
  }
  return out;
}

std::vector<RunData> LoadRuns(const ExperimentSpec& spec) {
  if (spec.runs.empty()) Fail("the experiment report needs at least one run");
  if (spec.dataset.empty()) Fail("the experiment report needs a dataset name");
  std::set<std::string> names;
  std::vector<RunData> runs;
  for (const RunSpec& run_spec : spec.runs) {
    if (run_spec.name.empty()) Fail("a run of the experiment has no name");
    if (!names.insert(run_spec.name).second) Fail("run '" + run_spec.name + "' is listed twice");
    if (run_spec.seeds.empty()) Fail("run '" + run_spec.name + "' has no seeds");
    RunData run;
    run.spec = &run_spec;
    std::set<long> seeds;
    for (const SeedRun& seed_run : run_spec.seeds) {
      if (!seeds.insert(seed_run.seed).second) {
        Fail(Format("run '%s' lists seed %ld twice", run_spec.name.c_str(), seed_run.seed));
      }
      SeedData seed;
      seed.seed = seed_run.seed;
      seed.dir = seed_run.dir;
      if (!std::filesystem::is_directory(seed.dir)) {
        FailAt(
            seed.dir, 0,
            Format("run '%s' seed %ld: not a run directory", run_spec.name.c_str(), seed_run.seed));
      }
      const rundir::RunDirectory files(seed.dir);
      const std::string summary_path = files.summary();
      seed.summary = rundir::ReadSummary(files);
      if (seed.summary.seed != seed_run.seed) {
        FailAt(summary_path, 0,
               Format("seed %ld, but the experiment lists this directory as run '%s' seed %ld",
                      seed.summary.seed, run_spec.name.c_str(), seed_run.seed));
      }
      seed.metrics = rundir::ReadJsonObject(files.metrics("eval"));
      seed.epochs = rundir::ReadCsvTable(files.epochs(), rundir::EpochRow::Columns());
      seed.train_log = rundir::ReadCsvTable(files.train_log(), rundir::IterationRow::Columns());
      TestSetScores eval = ReadTestSetScores(files.scores("eval"));
      seed.bonafide = std::move(eval.bonafide);
      seed.spoof = std::move(eval.spoof);
      for (const std::string& name : spec.test_sets) {
        TestSetScores t = ReadTestSetScores(files.scores(name));
        t.eer = RequireNumber(rundir::ReadJsonObject(files.metrics(name)), "eer", files.metrics(name));
        seed.test_sets[name] = std::move(t);
      }
      // Touch the required keys now, so a bad file fails before any output is written.
      seed.best_val_eer();
      seed.test_eer();
      seed.total_train_time_s();
      seed.per_attack_eer();
      run.seeds.push_back(std::move(seed));
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace antispoof::report
