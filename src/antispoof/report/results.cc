#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/report/report.h"
#include "antispoof/rundir/run_directory.h"
#include "antispoof/report/run_data.h"
#include "antispoof/report/stats.h"

namespace antispoof::report {
namespace {

using nlohmann::json;

constexpr double kLevel = 0.95;

// The cost figures the experiment measures per run; any other key of RunSpec::cost is copied too.
const char* const kCostKeys[] = {
    "parameters",           "size_mb",          "macs",       "infer_ms_per_utt_b1",
    "infer_ms_per_utt_b32", "train_ms_per_utt", "peak_rss_mb"};
// Keys of a run object that a cost key may not replace.
const std::set<std::string> kRunKeys = {"description",
                                        "model_name",
                                        "config",
                                        "recipe_changes",
                                        "n_seeds",
                                        "seeds",
                                        "best_val_eer",
                                        "test_eer",
                                        "test_acc",
                                        "test_tdcf",
                                        "test_tdcf_revised",
                                        "test_min_dcf",
                                        "test_act_dcf",
                                        "test_cllr",
                                        "test_act_dcf_calibrated",
                                        "test_cllr_calibrated",
                                        "total_train_time",
                                        "per_attack_eer",
                                        "test_sets",
                                        "throughput_utt_per_s_b1",
                                        "throughput_utt_per_s_b32"};

json Number(const std::optional<double>& value) {
  return value && std::isfinite(*value) ? json(*value) : json(nullptr);
}

json IntervalJson(const std::optional<Interval>& interval) {
  if (!interval) return nullptr;
  return json::array({interval->low, interval->high});
}

json AggregateJson(const std::vector<std::optional<double>>& values, const std::string& note = "") {
  std::optional<Aggregate> agg = AggregateValues(values);
  json out = {{"mean", agg ? json(agg->mean) : json(nullptr)},
              {"std", agg ? Number(agg->std) : json(nullptr)},
              {"n", agg ? agg->n : 0}};
  if (!agg && !note.empty()) out["note"] = note;
  return out;
}

// Bootstrap replicates of every seed's test EER, [run][seed][replicate].
std::vector<std::vector<std::vector<double>>> BootstrapAll(const ExperimentSpec& spec,
                                                           const std::vector<RunData>& runs) {
  std::vector<std::vector<std::vector<double>>> out(runs.size());
  if (spec.bootstrap_samples <= 0) return out;
  size_t total = 0, trials = 0;
  for (const RunData& run : runs) {
    total += run.seeds.size();
    for (const SeedData& seed : run.seeds) trials += seed.bonafide.size() + seed.spoof.size();
  }
  // A progress bar only for work that takes seconds (a full LA test set: ~1 min).
  std::optional<ProgressBar> progress;
  if (trials * static_cast<size_t>(spec.bootstrap_samples) > 20'000'000) {
    progress.emplace("bootstrap test EER", static_cast<int64_t>(total), "seed");
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    for (const SeedData& seed : runs[r].seeds) {
      out[r].push_back(BootstrapEers(seed.bonafide, seed.spoof, spec.bootstrap_samples, spec.seed));
      if (progress) progress->Add(1);
    }
  }
  if (progress) progress->Finish();
  return out;
}

// Replicate-wise mean over a run's seeds: the bootstrap distribution of the run's mean test EER.
std::vector<double> MeanReplicates(const std::vector<std::vector<double>>& per_seed) {
  std::vector<double> out;
  if (per_seed.empty()) return out;
  out.assign(per_seed[0].size(), 0.0);
  for (const auto& replicates : per_seed) {
    for (size_t i = 0; i < out.size(); ++i) out[i] += replicates[i];
  }
  for (double& v : out) v /= static_cast<double>(per_seed.size());
  return out;
}

// A summary written before these keys existed has neither: null in the results.
json ParametersJson(const rundir::Summary& s) { return s.parameters > 0 ? json(s.parameters) : json(nullptr); }
json ModelNameJson(const rundir::Summary& s) { return s.model_name.empty() ? json(nullptr) : json(s.model_name); }

// Per further test set: the run's mean EER over seeds with its bootstrap CI (every seed resampled
// with the same draws, as the eval split's), and each seed's EER with its own CI.
void AddTestSets(const ExperimentSpec& spec, const RunData& run, json& run_json) {
  if (spec.test_sets.empty()) return;
  json sets = json::object();
  for (const std::string& name : spec.test_sets) {
    std::vector<std::optional<double>> eers;
    std::vector<std::vector<double>> replicates;
    json seeds = json::object();
    for (const SeedData& seed : run.seeds) {
      const TestSetScores& t = seed.test_sets.at(name);
      eers.push_back(t.eer);
      json s = {{"eer", t.eer}, {"n_bonafide", t.bonafide.size()}, {"n_spoof", t.spoof.size()},
                {"eer_ci95_bootstrap", nullptr}};
      if (spec.bootstrap_samples > 0) {
        replicates.push_back(BootstrapEers(t.bonafide, t.spoof, spec.bootstrap_samples, spec.seed));
        s["eer_ci95_bootstrap"] = IntervalJson(PercentileInterval(replicates.back(), kLevel));
      }
      seeds[std::to_string(seed.seed)] = std::move(s);
    }
    json out = {{"eer", AggregateJson(eers)}, {"seeds", std::move(seeds)}};
    out["eer"]["ci95_bootstrap"] =
        replicates.empty() ? json(nullptr) : IntervalJson(PercentileInterval(MeanReplicates(replicates), kLevel));
    sets[name] = std::move(out);
  }
  run_json["test_sets"] = std::move(sets);
}

json SeedJson(const SeedData& seed, const std::vector<double>* replicates) {
  json out;
  out["dir"] = seed.dir;
  out["best_val_eer"] = seed.best_val_eer();
  out["best_epoch"] = seed.summary.best_epoch;
  out["epochs_done"] = seed.summary.epochs_done;
  out["test_eer"] = seed.test_eer();
  out["test_eer_ci95_bootstrap"] =
      replicates ? IntervalJson(PercentileInterval(*replicates, kLevel)) : json(nullptr);
  out["test_acc"] = Number(seed.test_acc());
  out["test_tdcf"] = Number(seed.test_tdcf_legacy());
  out["test_tdcf_revised"] = Number(seed.test_tdcf_revised());
  if (!seed.tdcf_note().empty()) out["test_tdcf_note"] = seed.tdcf_note();
  out["total_train_time"] = seed.total_train_time_s();
  out["parameters"] = ParametersJson(seed.summary);
  out["model_name"] = ModelNameJson(seed.summary);
  out["n_bonafide"] = seed.bonafide.size();
  out["n_spoof"] = seed.spoof.size();
  out["per_attack_eer"] = seed.per_attack_eer();
  return out;
}

}  // namespace

json BuildResultsFromData(const ExperimentSpec& spec, const std::vector<RunData>& runs) {
  const auto replicates = BootstrapAll(spec, runs);
  const bool bootstrap = spec.bootstrap_samples > 0;

  json results;
  results["dataset"] = spec.dataset;
  results["command"] = spec.command;
  results["versions"] = spec.versions.is_null() ? json::object() : spec.versions;
  results["units"] = {
      {"eer", "fraction (test_eer, best_val_eer, per_attack_eer, test_sets, CIs, paired differences)"},
      {"accuracy", "fraction"},
      {"tdcf", "normalised min t-DCF (test_tdcf = legacy 2019, test_tdcf_revised = 2021)"},
      {"total_train_time", "seconds"},
      {"flat", "the \"" + spec.dataset +
                   "\" block: EER and accuracy in percent, t-DCF as is, time in seconds"}};
  results["bootstrap"] = {
      {"samples", spec.bootstrap_samples},
      {"seed", spec.seed},
      {"level", kLevel},
      {"method",
       "percentile bootstrap over test trials: bona fide and spoof trials resampled separately "
       "with replacement; a run's CI resamples every seed with the same draws and averages the "
       "seeds' EERs"}};

  json run_order = json::array();
  json runs_json = json::object();
  json flat = json::object();
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunData& run = runs[r];
    const RunSpec& run_spec = *run.spec;
    run_order.push_back(run_spec.name);
    json out;
    out["description"] = run_spec.description;
    out["config"] = run_spec.config;
    out["recipe_changes"] =
        run_spec.recipe_changes.is_array() ? run_spec.recipe_changes : json::array();
    out["n_seeds"] = run.seeds.size();
    // The architecture's name as training recorded it ("RawNet2", "RawNet2-SE", "AASIST").
    out["model_name"] = run.seeds.empty() ? json(nullptr) : ModelNameJson(run.seeds[0].summary);

    std::vector<std::optional<double>> best_val, test_eer, test_acc, tdcf, tdcf_revised, time;
    std::map<std::string, std::vector<std::optional<double>>> per_attack;
    std::string tdcf_note;
    json seeds = json::object();
    for (size_t s = 0; s < run.seeds.size(); ++s) {
      const SeedData& seed = run.seeds[s];
      seeds[std::to_string(seed.seed)] = SeedJson(seed, bootstrap ? &replicates[r][s] : nullptr);
      best_val.push_back(seed.best_val_eer());
      test_eer.push_back(seed.test_eer());
      test_acc.push_back(seed.test_acc());
      tdcf.push_back(seed.test_tdcf_legacy());
      tdcf_revised.push_back(seed.test_tdcf_revised());
      time.push_back(seed.total_train_time_s());
      if (tdcf_note.empty()) tdcf_note = seed.tdcf_note();
      for (const auto& [attack, eer] : seed.per_attack_eer()) per_attack[attack].push_back(eer);
    }
    out["seeds"] = std::move(seeds);
    out["best_val_eer"] = AggregateJson(best_val);
    out["test_eer"] = AggregateJson(test_eer);
    out["test_eer"]["ci95_bootstrap"] =
        bootstrap ? IntervalJson(PercentileInterval(MeanReplicates(replicates[r]), kLevel))
                  : json(nullptr);
    out["test_acc"] = AggregateJson(test_acc, "metrics_eval.json has no accuracy");
    out["test_tdcf"] = AggregateJson(tdcf, tdcf_note);
    out["test_tdcf_revised"] = AggregateJson(tdcf_revised, tdcf_note);
    out["total_train_time"] = AggregateJson(time);
    // The ASVspoof 5 figures on test, raw and with each seed's calibration fitted on its dev scores.
    for (const auto& [name, key, calibrated] : std::vector<std::tuple<std::string, std::string, bool>>{
             {"test_min_dcf", "min_dcf", false}, {"test_act_dcf", "act_dcf", false}, {"test_cllr", "cllr", false},
             {"test_act_dcf_calibrated", "act_dcf", true}, {"test_cllr_calibrated", "cllr", true}}) {
      std::vector<std::optional<double>> values;
      for (const SeedData& seed : run.seeds) values.push_back(seed.test_figure(key, calibrated));
      out[name] = AggregateJson(values, calibrated ? "not calibrated on dev" : "metrics_eval.json has no " + key);
    }
    json attacks = json::object();
    for (const auto& [attack, values] : per_attack) attacks[attack] = AggregateJson(values);
    out["per_attack_eer"] = std::move(attacks);
    AddTestSets(spec, run, out);

    const json cost = run_spec.cost.is_object() ? run_spec.cost : json::object();
    for (const char* key : kCostKeys) out[key] = nullptr;
    if (!cost.contains("parameters")) {
      out["parameters"] = ParametersJson(run.seeds[0].summary);
    }
    for (const auto& [key, value] : cost.items()) {
      if (kRunKeys.count(key)) {
        Fail("run '" + run_spec.name + "': cost key '" + key + "' clashes with a results key");
      }
      out[key] = value;
    }
    for (const char* batch : {"b1", "b32"}) {
      const json& ms = out[std::string("infer_ms_per_utt_") + batch];
      out[std::string("throughput_utt_per_s_") + batch] =
          ms.is_number() && ms.get<double>() > 0 ? json(1000.0 / ms.get<double>()) : json(nullptr);
    }

    auto percent = [](const json& agg) {
      return agg["mean"].is_number() ? json(agg["mean"].get<double>() * 100.0) : json(nullptr);
    };
    flat[run_spec.name] = {{"best_val_eer_mean", percent(out["best_val_eer"])},
                           {"test_eer_mean", percent(out["test_eer"])},
                           {"test_acc_mean", percent(out["test_acc"])},
                           {"test_tdcf_mean", out["test_tdcf"]["mean"]},
                           {"total_train_time_mean", out["total_train_time"]["mean"]}};
    runs_json[run_spec.name] = std::move(out);
  }
  results["run_order"] = std::move(run_order);
  results["runs"] = std::move(runs_json);

  json paired = json::object();
  auto seeds_and_eers = [](const RunData& run) {
    std::pair<std::vector<long>, std::vector<double>> out;
    for (const SeedData& seed : run.seeds) {
      out.first.push_back(seed.seed);
      out.second.push_back(seed.test_eer());
    }
    return out;
  };
  const auto [base_seeds, base_eers] = seeds_and_eers(runs[0]);
  for (size_t r = 1; r < runs.size(); ++r) {
    const auto [seeds, eers] = seeds_and_eers(runs[r]);
    // Trial-level uncertainty only (the test set), not seed noise.
    std::optional<Interval> test_set_ci;
    if (bootstrap) {
      std::vector<double> base = MeanReplicates(replicates[0]);
      std::vector<double> variant = MeanReplicates(replicates[r]);
      for (size_t i = 0; i < variant.size(); ++i) variant[i] -= base[i];
      test_set_ci = PercentileInterval(variant, kLevel);
    }
    PairedDifference diff =
        PairDifferences(base_seeds, base_eers, seeds, eers, 100.0, "pp", test_set_ci);
    json out = {{"baseline", runs[0].spec->name},
                {"metric", "test_eer (variant - baseline, fraction)"},
                {"seeds", diff.seeds},
                {"differences", diff.differences},
                {"n", diff.seeds.size()},
                {"mean", Number(diff.mean)},
                {"std", Number(diff.std)},
                {"ci95_t", IntervalJson(diff.ci95)},
                {"ci95_bootstrap_trials", IntervalJson(test_set_ci)},
                {"distinguishable", diff.distinguishable},
                {"verdict", diff.verdict}};
    if (diff.seeds.size() < 2) out["note"] = "n < 2 paired seeds: too small for an interval";
    paired[runs[r].spec->name] = std::move(out);
  }
  results["paired_differences"] = std::move(paired);

  static const std::set<std::string> kReserved = {"dataset", "command",           "versions",
                                                  "units",   "bootstrap",         "run_order",
                                                  "runs",    "paired_differences"};
  if (kReserved.count(spec.dataset)) {
    Fail("dataset name '" + spec.dataset + "' clashes with a results.json key");
  }
  results[spec.dataset] = std::move(flat);
  return results;
}

json BuildResults(const ExperimentSpec& spec) { return BuildResultsFromData(spec, LoadRuns(spec)); }

json WriteExperimentReport(const ExperimentSpec& spec) {
  const std::vector<RunData> runs = LoadRuns(spec);
  if (spec.out_dir.empty()) Fail("the experiment report needs an output folder");
  MakeDirs(spec.out_dir);
  const json results = BuildResultsFromData(spec, runs);
  // results.json first: it survives a plotting failure.
  rundir::WriteJsonFile((std::filesystem::path(spec.out_dir) / "results.json").string(), results);
  const std::vector<std::string> plots = WritePlots(spec, runs, results);
  WriteFileAtomic((std::filesystem::path(spec.out_dir) / "report.md").string(),
                  FormatReportMarkdown(spec, results, plots));
  return results;
}

}  // namespace antispoof::report
