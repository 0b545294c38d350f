#include "antispoof/experiment/experiment.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/path_component.h"
#include "antispoof/common/process.h"
#include "antispoof/common/strings.h"
#include "antispoof/config/config.h"
#include "antispoof/corpus/corpus.h"
#include "antispoof/data/layout.h"
#include "antispoof/data/protocol.h"
#include "antispoof/metrics/calibration.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/model/runtime.h"
#include "antispoof/model/summary.h"
#include "antispoof/perf/bench.h"
#include "antispoof/report/report.h"
#include "antispoof/rundir/run_directory.h"
#include "antispoof/data/layout.h"
#include "antispoof/train/evaluate.h"
#include "antispoof/train/trainer.h"

namespace antispoof::experiment {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> OverridesOf(const YAML::Node& node, const std::string& where) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsMap()) Fail(where + ": expected a mapping of config keys to values");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    YAML::Emitter e;
    e << YAML::Flow << kv.second;
    out.push_back(key + "=" + e.c_str());
  }
  return out;
}

void CheckKeys(const YAML::Node& node, const std::set<std::string>& known, const std::string& where) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!known.count(key)) Fail(where + ": unknown experiment key '" + key + "'");
  }
}

template <typename T>
T Get(const YAML::Node& node, const std::string& key, const std::string& where) {
  try {
    return node[key].as<T>();
  } catch (const YAML::Exception&) {
    Fail(where + ": " + key + ": wrong type or value");
  }
}

// The keys whose value differs between the run's config file and what the experiment trains
// (the seed, set per training run, excluded).
nlohmann::json RecipeChanges(const Config& file, const Config& run) {
  nlohmann::json changes = nlohmann::json::array();
  for (const KeyChange& c : DiffConfigs(file, run))
    if (c.key != "seed") changes.push_back({{"key", c.key}, {"config", c.before}, {"run", c.after}});
  return changes;
}

// Scores dev with the best checkpoint and fits the linear calibration (ASVspoof 5 prior and costs)
// that test is judged with; returns the calibration file, or "" (with the reason on stderr) when the
// dev scores cannot be calibrated (a model that ranks spoofs above bona fide on dev).
std::string CalibrateOnDev(const std::string& dir) {
  train::EvalOptions dev;
  dev.run_dir = dir;
  dev.split = "dev";
  dev.checkpoint = "best";
  train::Evaluate(dev);
  const rundir::RunDirectory run(dir);
  const metrics::ScoreFile scores = metrics::ReadScoreFile(run.scores("dev"));
  const auto [bona, spoof] = metrics::SplitByKey(scores.records, scores.path);
  metrics::Calibration calibration;
  try {
    calibration = metrics::FitCalibration(bona, spoof);
  } catch (const Error& e) {
    std::fprintf(stderr, "experiment: %s: not calibrated: %s\n", dir.c_str(), e.what());
    return "";
  }
  calibration.fitted_on = run.scores("dev");
  metrics::WriteCalibration(run.calibration(), calibration);
  return run.calibration();
}

std::vector<TestSetEntry> TestSetsOf(const YAML::Node& node, const std::string& path) {
  std::vector<TestSetEntry> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) FailAt(path, 0, "test_sets: expected a list of {name, data_root, protocol, layout}");
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node t = node[i];
    const std::string where = path + ": test_sets[" + std::to_string(i) + "]";
    if (!t.IsMap()) Fail(where + ": expected a mapping");
    CheckKeys(t, {"name", "data_root", "protocol", "layout"}, where);
    TestSetEntry e;
    if (!t["name"]) Fail(where + ": name: missing");
    if (!t["data_root"]) Fail(where + ": data_root: missing");
    e.name = Get<std::string>(t, "name", where);
    e.data_root = Get<std::string>(t, "data_root", where);
    if (t["protocol"]) e.protocol = Get<std::string>(t, "protocol", where);
    if (t["layout"]) e.layout = Get<std::string>(t, "layout", where);
    try {
      train::CheckTestSetName(e.name);
      data::ParseLayout(e.layout);
    } catch (const Error& err) {
      Fail(where + ": " + err.what());
    }
    if (!names.insert(e.name).second) Fail(where + ": duplicate test set name '" + e.name + "'");
    out.push_back(std::move(e));
  }
  return out;
}

// Scores the run's best checkpoint on every further test set not scored yet (a resumed experiment
// adds the ones a finished run lacks), with the run's calibration when it has one.
void EvaluateTestSets(const ExperimentConfig& c, const std::string& dir) {
  const rundir::RunDirectory run(dir);
  for (const TestSetEntry& t : c.test_sets) {
    if (FileExists(run.metrics(t.name))) continue;
    train::EvalOptions eo;
    eo.run_dir = dir;
    eo.checkpoint = "best";
    eo.data_root = t.data_root;
    eo.protocol = t.protocol;
    eo.layout = t.layout;
    eo.name = t.name;
    if (FileExists(run.calibration())) eo.calibration = run.calibration();
    auto result = train::Evaluate(eo);
    std::fprintf(stderr, "experiment: %s: test set %s EER %.2f %%\n", dir.c_str(), t.name.c_str(),
                 result.metrics["eer_percent"].get<double>());
  }
}

bool RunFinished(const std::string& dir, int epochs) {
  const rundir::RunDirectory run(dir);
  if (!FileExists(run.metrics("eval")) || !FileExists(run.summary())) return false;
  return rundir::ReadSummary(run).epochs_done >= epochs;
}

// `antispoof bench --json` for one run's config: in a fresh process when options.bench_executable is
// set (its stdout kept in RUN_DIR/bench_round<K>.json, its progress on our stderr), else in this process.
nlohmann::json BenchOnce(const Config& config, const ExperimentConfig& c, const ExperimentOptions& o,
                         const std::string& run_dir, int round) {
  if (o.bench_executable.empty()) {
    perf::BenchOptions bo;
    bo.threads = config.train.threads;
    bo.repeats = c.bench_repeats;
    bo.recipe = config.train;
    return perf::RunBenchmark(config.model, bo).ToJson();
  }
  MakeDirs(run_dir);
  const std::string config_path = rundir::RunDirectory::BenchConfig(run_dir);
  const std::string json_path = rundir::RunDirectory::BenchRound(run_dir, round);
  WriteFileAtomic(config_path, ToYaml(config));
  const int rc = RunProcess({o.bench_executable, "bench", "--config", config_path, "--threads",
                             std::to_string(config.train.threads), "--repeats", std::to_string(c.bench_repeats),
                             "--json"},
                            json_path + ".partial");
  if (rc != 0)
    Fail(Format("experiment: measuring %s failed: %s bench exited with %d (its messages are above)",
                run_dir.c_str(), o.bench_executable.c_str(), rc));
  fs::rename(json_path + ".partial", json_path);
  return rundir::ReadJsonObject(json_path);
}

// Cost figures per run (the model, not the seed), cached in RUNS/<run>/cost.json for a resumed
// experiment. Measured after all training, in bench_rounds rounds that visit the runs in turn, so a
// slow spell of the machine does not fall on one run alone; each figure is the median over rounds.
void MeasureCosts(const std::vector<Config>& configs, const ExperimentConfig& c, const ExperimentOptions& o,
                  const std::string& runs_dir, std::vector<report::RunSpec>& runs) {
  std::vector<size_t> pending;
  for (size_t r = 0; r < runs.size(); ++r) {
    const std::string cost_path = rundir::RunDirectory::Cost(runs_dir + "/" + runs[r].name);
    if (FileExists(cost_path)) {
      runs[r].cost = rundir::ReadJsonObject(cost_path);
      continue;
    }
    auto summary = model::Summarize(configs[r].model);
    runs[r].cost = {{"parameters", summary.parameters}, {"size_mb", summary.size_mb}, {"macs", summary.macs}};
    pending.push_back(r);
  }
  const char* const kFigures[][2] = {{"infer_ms_per_utt_b1", "infer_ms_per_utt_b1"},
                                     {"infer_ms_per_utt_b32", "infer_ms_per_utt_b32"},
                                     {"train_ms_per_utt", "train_ms_per_utt_b32"},
                                     {"peak_rss_mb", "peak_rss_mb"}};
  std::vector<std::vector<nlohmann::json>> rounds(runs.size());
  if (c.bench) {
    for (int round = 1; round <= c.bench_rounds; ++round) {
      for (size_t r : pending) {
        std::fprintf(stderr, "experiment: measuring %s (latency, throughput, memory), round %d/%d\n",
                     runs[r].name.c_str(), round, c.bench_rounds);
        rounds[r].push_back(BenchOnce(configs[r], c, o, runs_dir + "/" + runs[r].name, round));
      }
    }
  }
  for (size_t r : pending) {
    nlohmann::json& cost = runs[r].cost;
    if (c.bench) {
      for (const auto& figure : kFigures) {
        std::vector<double> values;  // a figure a round could not measure is null there
        for (const auto& b : rounds[r])
          if (b.at(figure[1]).is_number()) values.push_back(b.at(figure[1]).get<double>());
        const double median = perf::Median(values);
        cost[figure[0]] = std::isfinite(median) ? nlohmann::json(median) : nlohmann::json();
      }
      cost["bench_nb_samp"] = configs[r].model.nb_samp;
      cost["bench_rounds"] = c.bench_rounds;
      cost["bench_process"] = o.bench_executable.empty() ? "in-process, after training" : "fresh";
    }
    rundir::WriteJsonFile(rundir::RunDirectory::Cost(runs_dir + "/" + runs[r].name), cost);
  }
}

// Every run must log at least one train_log.csv row (the report plots it): its optimizer steps
// (epochs x full batches of the train split, or of max_train_items) reach log_every. Checked before
// anything trains.
void CheckLogEvery(const ExperimentConfig& c, const std::vector<Config>& configs, const std::string& data_root) {
  const std::string protocol = data::FindProtocol(data_root, data::Split::kTrain);
  const int64_t items = static_cast<int64_t>(data::ReadProtocol(protocol).entries.size());
  for (size_t r = 0; r < configs.size(); ++r) {
    const TrainConfig& t = configs[r].train;
    const int64_t used = t.max_train_items > 0 ? std::min<int64_t>(items, t.max_train_items) : items;
    const int64_t steps = used / t.batch_size * t.num_epochs;
    if (steps < t.log_every)
      FailAt(c.source, 0,
             Format("run '%s': %lld optimizer steps (%d epochs of %lld batches of %d from %s) are fewer than its "
                    "log_every %d: its train_log.csv would stay empty and the report could not plot it; lower "
                    "log_every (set: {log_every: N}) or train longer",
                    c.runs[r].name.c_str(), static_cast<long long>(steps), t.num_epochs,
                    static_cast<long long>(used / t.batch_size), t.batch_size, protocol.c_str(), t.log_every));
  }
}

}  // namespace

ExperimentConfig LoadExperimentConfig(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(ReadFile(path));
  } catch (const YAML::Exception& e) {
    FailAt(path, e.mark.line + 1, "not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) FailAt(path, 0, "expected a mapping");
  CheckKeys(root, {"dataset", "data_root", "corpus_dir", "corpus_size", "seeds", "epochs", "threads",
                   "bootstrap_samples", "bench", "bench_repeats", "bench_rounds", "set", "runs", "test_sets"}, path);
  ExperimentConfig c;
  c.source = path;
  if (root["dataset"]) c.dataset = Get<std::string>(root, "dataset", path);
  if (root["data_root"] && !root["data_root"].IsNull()) c.data_root = Get<std::string>(root, "data_root", path);
  if (root["corpus_dir"]) c.corpus_dir = Get<std::string>(root, "corpus_dir", path);
  if (root["corpus_size"]) c.corpus_size = Get<std::string>(root, "corpus_size", path);
  if (root["seeds"]) c.seeds = Get<std::vector<long>>(root, "seeds", path);
  if (root["epochs"]) c.epochs = Get<long>(root, "epochs", path);
  if (root["threads"]) c.threads = Get<long>(root, "threads", path);
  {
    Config probe;  // the keys' own rules, checked now rather than when the first run starts
    if (c.epochs) SetKey(probe, "num_epochs", *c.epochs, path + ": epochs");
    if (c.threads) SetKey(probe, "threads", *c.threads, path + ": threads");
  }
  if (root["bootstrap_samples"]) c.bootstrap_samples = Get<int>(root, "bootstrap_samples", path);
  if (root["bench"]) c.bench = Get<bool>(root, "bench", path);
  if (root["bench_repeats"]) c.bench_repeats = Get<int>(root, "bench_repeats", path);
  if (root["bench_rounds"]) c.bench_rounds = Get<int>(root, "bench_rounds", path);
  if (c.bootstrap_samples < 0) FailAt(path, 0, "bootstrap_samples: must not be negative (0 = no confidence intervals)");
  if (c.bench_repeats < 1) FailAt(path, 0, "bench_repeats: must be at least 1");
  if (c.bench_rounds < 1) FailAt(path, 0, "bench_rounds: must be at least 1");
  c.overrides = OverridesOf(root["set"], path + ": set");
  if (c.seeds.empty()) FailAt(path, 0, "seeds: at least one seed is needed");
  for (size_t i = 0; i < c.seeds.size(); ++i) {
    Config probe;
    SetKey(probe, "seed", c.seeds[i], path + ": seeds[" + std::to_string(i) + "]");
    for (size_t j = 0; j < i; ++j)
      if (c.seeds[j] == c.seeds[i])
        FailAt(path, 0, Format("seeds: %ld is listed twice (seeds[%zu] and seeds[%zu]): each seed is one run folder",
                               c.seeds[i], j, i));
  }
  if (!root["runs"] || !root["runs"].IsSequence() || root["runs"].size() == 0)
    FailAt(path, 0, "runs: expected a list of runs (run_0 = the baseline)");
  const fs::path base = fs::path(path).parent_path();
  std::set<std::string> names;
  for (size_t i = 0; i < root["runs"].size(); ++i) {
    const YAML::Node r = root["runs"][i];
    const std::string where = path + ": runs[" + std::to_string(i) + "]";
    if (!r.IsMap()) Fail(where + ": expected a mapping");
    CheckKeys(r, {"name", "description", "config", "set"}, where);
    RunEntry e;
    e.name = r["name"] ? Get<std::string>(r, "name", where) : "run_" + std::to_string(i);
    e.description = r["description"] ? Get<std::string>(r, "description", where) : "";
    if (!r["config"]) Fail(where + ": config: missing (a model config file)");
    std::string cfg = Get<std::string>(r, "config", where);
    e.config = fs::path(cfg).is_absolute() ? cfg : (base / cfg).lexically_normal().string();
    e.overrides = OverridesOf(r["set"], where + ": set");
    if (const std::string bad = PathComponentError(e.name); !bad.empty())
      Fail(where + ": name '" + e.name + "' " + bad + ": a run name is a folder name under OUT/runs/");
    if (!names.insert(e.name).second) Fail(where + ": duplicate run name '" + e.name + "'");
    c.runs.push_back(std::move(e));
  }
  c.test_sets = TestSetsOf(root["test_sets"], path);
  return c;
}

nlohmann::json RunExperiment(const ExperimentConfig& c, const ExperimentOptions& o) {
  const std::string out = o.out_dir;
  const std::string runs_dir = out + "/runs";
  // Created and marked by antispoof, locked for the whole experiment (each seed folder in turn by its
  // training).
  const rundir::FolderClaim claim = rundir::FolderClaim::Acquire(out, rundir::FolderKind::kExperiment);
  if (!o.resume && fs::exists(runs_dir) && !fs::is_empty(runs_dir))
    FailAt(out, 0, "already holds an experiment: pass --resume to continue it, or choose another --out");
  MakeDirs(runs_dir);

  // Every run's config resolves (and validates) before anything trains.
  std::vector<Config> configs;
  std::vector<nlohmann::json> recipe_changes;
  for (const auto& run : c.runs) {
    const Config file = LoadConfig(run.config);
    Config cfg = file;
    for (const auto& kv : c.overrides) ApplyOverride(cfg, kv);
    for (const auto& kv : run.overrides) ApplyOverride(cfg, kv);
    if (c.epochs) SetKey(cfg, "num_epochs", *c.epochs, c.source + ": epochs");
    if (c.threads) SetKey(cfg, "threads", *c.threads, c.source + ": threads");
    recipe_changes.push_back(RecipeChanges(file, cfg));
    configs.push_back(cfg);
  }

  std::string data_root = c.data_root;
  if (data_root.empty()) {
    corpus::CorpusOptions co;
    co.out = c.corpus_dir;
    co.size = c.corpus_size;
    co.jobs = o.corpus_jobs;
    std::fprintf(stderr, "experiment: default corpus (%s) in %s\n", c.corpus_size.c_str(), c.corpus_dir.c_str());
    corpus::BuildCorpus(co);
    data_root = c.corpus_dir;
  }
  CheckLogEvery(c, configs, data_root);
  WriteFileAtomic(out + "/experiment.yaml", ReadFile(c.source));

  report::ExperimentSpec spec;
  spec.dataset = c.dataset;
  spec.out_dir = out;
  spec.command = o.command_line;
  spec.versions = train::Versions();
  spec.bootstrap_samples = c.bootstrap_samples;
  for (const TestSetEntry& t : c.test_sets) spec.test_sets.push_back(t.name);
  const size_t total = c.runs.size() * c.seeds.size();
  size_t done = 0;
  for (size_t r = 0; r < c.runs.size(); ++r) {
    const RunEntry& run = c.runs[r];
    report::RunSpec rs;
    rs.name = run.name;
    rs.description = run.description;
    rs.config = fs::path(run.config).lexically_normal().string();
    rs.recipe_changes = recipe_changes[r];
    for (long seed : c.seeds) {
      ++done;
      Config cfg = configs[r];
      SetKey(cfg, "seed", seed, c.source + ": seeds");
      const std::string dir = runs_dir + "/" + run.name + "/seed_" + std::to_string(seed);
      std::fprintf(stderr, "experiment: [%zu/%zu] %s (%s), seed %ld -> %s\n", done, total, run.name.c_str(),
                   run.description.c_str(), seed, dir.c_str());
      if (!RunFinished(dir, cfg.train.num_epochs)) {
        train::TrainOptions to;
        to.config = cfg;
        to.data_root = data_root;
        to.out_dir = dir;
        to.resume = FileExists(rundir::RunDirectory(dir).last_checkpoint());
        to.command_line = o.command_line;
        train::Train(to);
        const std::string calibration = CalibrateOnDev(dir);
        train::EvalOptions eo;
        eo.run_dir = dir;
        eo.split = "eval";
        eo.checkpoint = "best";
        eo.calibration = calibration;
        auto result = train::Evaluate(eo);
        std::fprintf(stderr, "experiment: %s seed %ld: eval EER %.2f %%\n", run.name.c_str(), seed,
                     result.metrics["eer_percent"].get<double>());
      } else {
        std::fprintf(stderr, "experiment: already finished, kept\n");
      }
      EvaluateTestSets(c, dir);
      rs.seeds.push_back({seed, dir});
    }
    spec.runs.push_back(std::move(rs));
  }
  MeasureCosts(configs, c, o, runs_dir, spec.runs);
  return report::WriteExperimentReport(spec);
}

std::string SummaryTable(const nlohmann::json& results, const std::string& dataset) {
  std::string out = Format("%-8s %-44s %18s %18s %18s %12s\n", "run", "description", "test EER %",
                           "test acc %", "best dev EER %", "train s");
  if (!results.contains(dataset) || !results.contains("runs")) return out;
  auto pm = [](const nlohmann::json& agg, double scale) {
    if (!agg.is_object() || !agg.contains("mean") || agg["mean"].is_null()) return std::string("n/a");
    double sd = agg.contains("std") && agg["std"].is_number() ? agg["std"].get<double>() : 0.0;
    return Format("%.2f +- %.2f", scale * agg["mean"].get<double>(), scale * sd);
  };
  for (const auto& name : results.value("run_order", std::vector<std::string>{})) {
    const auto& run = results["runs"][name];
    std::string desc = run.value("description", "");
    if (desc.size() > 44) desc = desc.substr(0, 41) + "...";
    out += Format("%-8s %-44s %18s %18s %18s %12s\n", name.c_str(), desc.c_str(),
                  pm(run.value("test_eer", nlohmann::json()), 100).c_str(),
                  pm(run.value("test_acc", nlohmann::json()), 100).c_str(),
                  pm(run.value("best_val_eer", nlohmann::json()), 100).c_str(),
                  pm(run.value("total_train_time", nlohmann::json()), 1).c_str());
  }
  return out;
}

}  // namespace antispoof::experiment
