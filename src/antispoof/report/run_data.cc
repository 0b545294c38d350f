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

namespace antispoof::report {
namespace {

std::string JoinPath(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

nlohmann::json ReadJsonFile(const std::string& path) {
  const std::string text = ReadFile(path);
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) FailAt(path, 0, "not a JSON object");
  return json;
}

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

}  // namespace

std::vector<double> CsvTable::Column(const std::string& name) const {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) FailAt(path, 1, "no column '" + name + "'");
  const size_t index = static_cast<size_t>(it - header.begin());
  std::vector<double> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(row[index]);
  return out;
}

CsvTable ReadCsvTable(const std::string& path, const std::vector<std::string>& required) {
  CsvTable table;
  table.path = path;
  const std::string text = ReadFile(path);
  size_t start = 0;
  long line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = Trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty()) continue;
    std::vector<std::string> fields;
    size_t field_start = 0;
    while (true) {
      size_t comma = line.find(',', field_start);
      fields.push_back(Trim(std::string_view(line).substr(
          field_start, comma == std::string::npos ? std::string::npos : comma - field_start)));
      if (comma == std::string::npos) break;
      field_start = comma + 1;
    }
    if (table.header.empty()) {
      table.header = std::move(fields);
      continue;
    }
    if (fields.size() != table.header.size()) {
      FailAt(path, line_number,
             Format("%zu fields; the header has %zu", fields.size(), table.header.size()));
    }
    std::vector<double> row;
    for (const std::string& field : fields) {
      if (field.empty()) {
        row.push_back(std::nan(""));
        continue;
      }
      std::optional<double> value = ParseDouble(field);
      if (!value) FailAt(path, line_number, "not a number: '" + field + "'");
      row.push_back(*value);
    }
    table.rows.push_back(std::move(row));
  }
  if (table.header.empty()) FailAt(path, 0, "empty file: expected a header row");
  for (const std::string& name : required) table.Column(name);
  return table;
}

double SeedData::best_val_eer() const {
  return RequireNumber(summary, "best_dev_eer", JoinPath(dir, "summary.json"));
}
double SeedData::test_eer() const {
  return RequireNumber(metrics, "eer", JoinPath(dir, "metrics_eval.json"));
}
std::optional<double> SeedData::test_acc() const { return OptionalNumber(metrics, "accuracy"); }
std::optional<double> SeedData::test_tdcf_legacy() const {
  return OptionalNumber(metrics, "min_tdcf_legacy");
}
std::optional<double> SeedData::test_tdcf_revised() const {
  return OptionalNumber(metrics, "min_tdcf_revised");
}
std::string SeedData::tdcf_note() const {
  auto it = metrics.find("tdcf_note");
  if (it != metrics.end() && it->is_string()) return it->get<std::string>();
  if (!test_tdcf_legacy()) return "metrics_eval.json has no min t-DCF";
  return "";
}
double SeedData::total_train_time_s() const {
  return RequireNumber(summary, "total_train_time_s", JoinPath(dir, "summary.json"));
}
std::map<std::string, double> SeedData::per_attack_eer() const {
  std::map<std::string, double> out;
  auto it = metrics.find("per_attack");
  if (it == metrics.end() || !it->is_object()) return out;
  for (const auto& [attack, entry] : it->items()) {
    out[attack] =
        RequireNumber(entry, "eer", JoinPath(dir, "metrics_eval.json") + " per_attack." + attack);
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
      const std::string summary_path = JoinPath(seed.dir, "summary.json");
      seed.summary = ReadJsonFile(summary_path);
      const double summary_seed = RequireNumber(seed.summary, "seed", summary_path);
      if (summary_seed != static_cast<double>(seed_run.seed)) {
        FailAt(summary_path, 0,
               Format("seed %.0f, but the experiment lists this directory as run '%s' seed %ld",
                      summary_seed, run_spec.name.c_str(), seed_run.seed));
      }
      seed.metrics = ReadJsonFile(JoinPath(seed.dir, "metrics_eval.json"));
      seed.epochs = ReadCsvTable(JoinPath(seed.dir, "epochs.csv"),
                                 {"epoch", "train_loss", "dev_loss", "dev_eer", "dev_acc"});
      seed.train_log =
          ReadCsvTable(JoinPath(seed.dir, "train_log.csv"), {"iteration", "loss", "running_loss"});
      metrics::ScoreFile scores = metrics::ReadScoreFile(JoinPath(seed.dir, "scores_eval.txt"));
      std::vector<metrics::ScoreRecord>& records = scores.records;
      std::sort(records.begin(), records.end(),
                [](const metrics::ScoreRecord& a, const metrics::ScoreRecord& b) {
                  return a.utterance < b.utterance;
                });
      for (const metrics::ScoreRecord& record : records) {
        if (record.key == metrics::TrialKey::kBonafide) {
          seed.bonafide.push_back(record.score);
        } else if (record.key == metrics::TrialKey::kSpoof) {
          seed.spoof.push_back(record.score);
        }
      }
      if (seed.bonafide.empty() || seed.spoof.empty()) {
        FailAt(scores.path, 0,
               Format("needs bona fide and spoof trials with keys; got %zu and %zu",
                      seed.bonafide.size(), seed.spoof.size()));
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
