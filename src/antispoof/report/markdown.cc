#include <cmath>
#include <set>

#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/report/run_data.h"

namespace antispoof::report {
namespace {

using nlohmann::json;

std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

// "mean ± std" of an aggregate {mean, std, n} times `scale`; "n/a" when absent.
std::string MeanStd(const json& agg, double scale, const char* fmt = "%.2f") {
  if (!agg.is_object() || !agg["mean"].is_number()) return "n/a";
  std::string out = Format(fmt, agg["mean"].get<double>() * scale);
  if (agg["std"].is_number()) out += " ± " + Format(fmt, agg["std"].get<double>() * scale);
  return out;
}

std::string IntervalText(const json& interval, double scale, const char* fmt = "%.2f") {
  if (!interval.is_array() || interval.size() != 2) return "n/a";
  return "[" + Format(fmt, interval[0].get<double>() * scale) + ", " +
         Format(fmt, interval[1].get<double>() * scale) + "]";
}

std::string Thousands(double value) {
  std::string digits = Format("%.0f", value);
  std::string out;
  const size_t start = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string CostText(const json& run, const std::string& key) {
  const json& v = run.contains(key) ? run[key] : json(nullptr);
  if (!v.is_number()) return "n/a";
  const double x = v.get<double>();
  if (key == "parameters") return Thousands(x);
  if (key == "macs") {
    if (x >= 1e9) return Format("%.2f G", x / 1e9);
    if (x >= 1e6) return Format("%.1f M", x / 1e6);
    return Thousands(x);
  }
  if (key == "size_mb" || key == "peak_rss_mb") return Format("%.1f", x);
  if (StartsWith(key, "throughput")) return Format("%.1f", x);
  return Format("%.2f", x);
}

std::string TimeText(const json& agg) {
  if (!agg["mean"].is_number()) return "n/a";
  std::string out = FormatDuration(agg["mean"].get<double>());
  if (agg["std"].is_number()) out += " ± " + FormatDuration(agg["std"].get<double>());
  return out;
}

// Title and the line that names the baseline.
std::string HeaderSection(const ExperimentSpec& spec, const std::vector<std::string>& order) {
  const std::string& base = order.front();
  std::string md = "# Experiment report: " + spec.dataset + "\n\n";
  md += "Runs: " + std::to_string(order.size()) + "; `" + base +
        "` is the baseline every variant is compared with. Test = the " + spec.dataset +
        " evaluation set; validation = its development set. Values are mean ± sample std (n - 1) "
        "over seeds; a single seed shows no ± term.\n\n";
  return md;
}

// Each run's config file and what the experiment changed in it; "" when no run records either.
std::string RecipeSection(const json& runs, const std::vector<std::string>& order) {
  bool any_recipe = false;
  for (const std::string& name : order) {
    const json& run = runs[name];
    any_recipe = any_recipe || !run.value("config", std::string()).empty() ||
                 !run.value("recipe_changes", json::array()).empty();
  }
  if (!any_recipe) return "";
  std::string md =
      "## Recipe\n\nEach run trains its config file with the changes listed (the experiment's `set`, "
      "`epochs` and `threads`; the seed is per row below). Every other key is as in the file.\n\n"
      "| run | config | changed from the config (config → this experiment) |\n|---|---|---|\n";
  for (const std::string& name : order) {
    const json& run = runs[name];
    std::string changes;
    for (const json& c : run.value("recipe_changes", json::array())) {
      if (!changes.empty()) changes += "; ";
      changes += "`" + c.value("key", std::string()) + "` " + c.value("config", std::string()) + " → " +
                 c.value("run", std::string());
    }
    const std::string config = run.value("config", std::string());
    md += "| " + Cell(name) + " | " + (config.empty() ? "n/a" : "`" + Cell(config) + "`") + " | " +
          (changes.empty() ? "none" : Cell(changes)) + " |\n";
  }
  md += "\n";
  return md;
}

// One row per run: accuracy, EER, min t-DCF and the cost figures, then how they were measured.
std::string ComparisonSection(const json& runs, const std::vector<std::string>& order) {
  std::string md = "## Comparison\n\n";
  md +=
      "| run | description | seeds | test accuracy (%) | test EER (%) | test EER 95% CI "
      "(bootstrap, %) | min t-DCF legacy | min t-DCF revised | best val EER (%) | parameters | "
      "size (MB) | MACs | latency b1 (ms/utt) | latency b32 (ms/utt) | throughput b1 (utt/s) | "
      "throughput b32 (utt/s) | train (ms/utt) | peak RSS (MB) | training time | model |\n";
  md +=
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      "---:|---|\n";
  std::set<std::string> tdcf_notes;
  for (const std::string& name : order) {
    const json& run = runs[name];
    for (const char* key : {"test_tdcf", "test_tdcf_revised"}) {
      if (run[key].contains("note")) tdcf_notes.insert(run[key]["note"].get<std::string>());
    }
    const std::string model = run.value("model_name", json(nullptr)).is_string() ? run["model_name"].get<std::string>() : "n/a";
    md += "| " + Cell(name) + " | " + Cell(run["description"].get<std::string>()) + " | " +
          std::to_string(run["n_seeds"].get<int>()) + " | " + MeanStd(run["test_acc"], 100) +
          " | " + MeanStd(run["test_eer"], 100) + " | " +
          IntervalText(run["test_eer"]["ci95_bootstrap"], 100) + " | " +
          MeanStd(run["test_tdcf"], 1, "%.4f") + " | " +
          MeanStd(run["test_tdcf_revised"], 1, "%.4f") + " | " + MeanStd(run["best_val_eer"], 100) +
          " | " + CostText(run, "parameters") + " | " + CostText(run, "size_mb") + " | " +
          CostText(run, "macs") + " | " + CostText(run, "infer_ms_per_utt_b1") + " | " +
          CostText(run, "infer_ms_per_utt_b32") + " | " + CostText(run, "throughput_utt_per_s_b1") +
          " | " + CostText(run, "throughput_utt_per_s_b32") + " | " +
          CostText(run, "train_ms_per_utt") + " | " + CostText(run, "peak_rss_mb") + " | " +
          TimeText(run["total_train_time"]) + " | " + Cell(model) + " |\n";
  }
  md +=
      "\nThroughput = 1000 / latency. MACs: multiply-accumulates of one forward pass of one "
      "utterance. Latency and throughput are inference on this machine; training time is the "
      "wall time of the whole training run.\n";
  // How the cost figures were measured (the experiment records it per run).
  std::set<std::string> bench_notes;
  for (const std::string& name : order) {
    const json& run = runs[name];
    if (!run.contains("bench_process")) continue;
    const int rounds = run.value("bench_rounds", 1);
    const std::string where = run["bench_process"] == "fresh"
                                  ? std::string("each in a fresh process")
                                  : std::string("in the experiment's own process after training, so "
                                                "peak RSS includes what training left allocated");
    bench_notes.insert(Format("Latency, throughput, training speed and peak RSS (the most resident memory "
                              "over inference at batch 1 and 32 and a training step at batch 32): the "
                              "median of %d benchmark%s (`antispoof bench`), %s; the rounds visit the runs "
                              "in turn after all training.\n",
                              rounds, rounds == 1 ? "" : "s", where.c_str()));
  }
  for (const std::string& note : bench_notes) md += note;
  for (const std::string& note : tdcf_notes) md += "\nmin t-DCF n/a: " + note + "\n";
  return md;
}

// minDCF, actDCF and Cllr on test, before and after the calibration fitted on dev (when the runs have
// them).
std::string CalibrationSection(const json& runs, const std::vector<std::string>& order) {
  bool any = false;
  for (const std::string& name : order) any = any || runs[name]["test_act_dcf_calibrated"]["mean"].is_number();
  if (!any) return "";
  std::string md =
      "\n## Calibration (ASVspoof 5 figures on test)\n\n"
      "Each seed's scores are calibrated on its dev scores (`antispoof calibrate`: scores -> log-likelihood "
      "ratios, p_spoof 0.05, Cmiss 1, Cfa 10) and judged on test at the Bayes threshold. minDCF does not change "
      "with calibration; actDCF and Cllr measure how far the scores are from usable log-likelihood ratios.\n\n"
      "| run | minDCF | actDCF raw | actDCF calibrated | Cllr raw (bits) | Cllr calibrated (bits) |\n"
      "|---|---:|---:|---:|---:|---:|\n";
  for (const std::string& name : order) {
    const json& run = runs[name];
    md += "| " + Cell(name) + " | " + MeanStd(run["test_min_dcf"], 1, "%.4f") + " | " +
          MeanStd(run["test_act_dcf"], 1, "%.4f") + " | " + MeanStd(run["test_act_dcf_calibrated"], 1, "%.4f") +
          " | " + MeanStd(run["test_cllr"], 1, "%.4f") + " | " + MeanStd(run["test_cllr_calibrated"], 1, "%.4f") +
          " |\n";
  }
  return md;
}

// The bootstrap settings and one row per run and seed.
std::string UncertaintySection(const json& results, const std::vector<std::string>& order) {
  const json& runs = results["runs"];
  const json& boot = results["bootstrap"];
  std::string md = "\n## Uncertainty\n\n";
  if (boot["samples"].get<int>() > 0) {
    md += Format(
        "Bootstrap: %d replicates, generator seed %llu; bona fide and spoof test trials "
        "are resampled separately with replacement. A run's interval averages its seeds' "
        "EERs under the same draws. These intervals cover the finite test set only, not "
        "seed noise.\n\n",
        boot["samples"].get<int>(), static_cast<unsigned long long>(boot["seed"].get<uint64_t>()));
  } else {
    md += "Bootstrap disabled (0 replicates): no test-set intervals.\n\n";
  }
  md +=
      "| run | seed | test EER (%) | 95% CI (bootstrap, %) | test accuracy (%) | best val EER (%) "
      "| best epoch | epochs | training time |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const std::string& name : order) {
    for (const auto& [seed, seed_entry] : runs[name]["seeds"].items()) {
      const auto& entry = seed_entry;  // lambdas cannot capture a structured binding before C++20
      auto pct = [&](const char* key) {
        return entry[key].is_number() ? Format("%.2f", entry[key].get<double>() * 100)
                                      : std::string("n/a");
      };
      auto dump = [&](const char* key) {
        return entry[key].is_null() ? std::string("n/a") : entry[key].dump();
      };
      md += "| " + Cell(name) + " | " + seed + " | " + pct("test_eer") + " | " +
            IntervalText(entry["test_eer_ci95_bootstrap"], 100) + " | " + pct("test_acc") + " | " +
            pct("best_val_eer") + " | " + dump("best_epoch") + " | " + dump("epochs_done") + " | " +
            FormatDuration(entry["total_train_time"].get<double>()) + " |\n";
    }
  }
  return md;
}

// Each variant's EER difference from the baseline, paired over seeds; "" when there are none.
std::string PairedSection(const json& paired, const std::vector<std::string>& order) {
  if (paired.empty()) return "";
  const std::string& base = order.front();
  std::string md = "\n## Variants vs " + base + " (paired over seeds)\n\n";
  md += "ΔEER = variant test EER − " + base +
        " test EER on the same seed, in percentage points (pp); negative = the variant is "
        "better. The t-interval (mean ± t(0.975, n−1) · std / √n) is over the paired seed "
        "differences, so it includes seed noise; the bootstrap interval covers the test set "
        "only. A difference is called distinguishable only when both intervals exclude 0.\n\n";
  md +=
      "| variant | paired seeds | ΔEER per seed (pp) | mean ΔEER (pp) | std (pp) | 95% CI, "
      "t over seeds (pp) | 95% CI, test-set bootstrap (pp) | verdict |\n"
      "|---|---:|---|---:|---:|---:|---:|---|\n";
  for (const std::string& name : order) {
    if (!paired.contains(name)) continue;
    const json& d = paired[name];
    std::string per_seed;
    for (size_t i = 0; i < d["seeds"].size(); ++i) {
      per_seed += Format("%s%ld: %+.2f", i ? ", " : "", d["seeds"][i].get<long>(),
                         d["differences"][i].get<double>() * 100);
    }
    md +=
        "| " + Cell(name) + " | " + std::to_string(d["n"].get<int>()) + " | " + per_seed + " | " +
        (d["mean"].is_number() ? Format("%+.2f", d["mean"].get<double>() * 100) : "n/a") + " | " +
        (d["std"].is_number() ? Format("%.2f", d["std"].get<double>() * 100) : "n/a") + " | " +
        IntervalText(d["ci95_t"], 100) + " | " + IntervalText(d["ci95_bootstrap_trials"], 100) +
        " | " + Cell(d["verdict"].get<std::string>()) + " |\n";
  }
  return md;
}

// Attacks as rows, runs as columns; "" when no run has per-attack EERs.
std::string PerAttackSection(const json& runs, const std::vector<std::string>& order) {
  std::set<std::string> attacks;
  for (const std::string& name : order) {
    for (const auto& [attack, agg] : runs[name]["per_attack_eer"].items()) attacks.insert(attack);
  }
  if (attacks.empty()) return "";
  std::string md = "\n## EER per attack (%)\n\n| attack |";
  for (const std::string& name : order) md += " " + Cell(name) + " |";
  md += "\n|---|";
  for (size_t i = 0; i < order.size(); ++i) md += "---:|";
  md += "\n";
  for (const std::string& attack : attacks) {
    md += "| " + Cell(attack) + " |";
    for (const std::string& name : order) {
      const json& per = runs[name]["per_attack_eer"];
      md += " " + (per.contains(attack) ? MeanStd(per[attack], 100) : std::string("n/a")) + " |";
    }
    md += "\n";
  }
  return md;
}

// The EER on the eval split and on every further test set, per run: mean ± std over seeds [95 % CI
// of the mean, bootstrap over trials]; absent without further test sets.
std::string TestSetsSection(const json& runs, const std::vector<std::string>& order) {
  if (order.empty() || !runs[order[0]].contains("test_sets")) return "";
  std::vector<std::string> sets;
  for (const auto& [name, value] : runs[order[0]]["test_sets"].items()) sets.push_back(name);
  std::string md =
      "\n## Test sets: EER (%)\n\nThe same models (best dev epoch) on each test set: mean ± std over "
      "seeds [95 % CI of the mean, percentile bootstrap over the set's trials].\n\n| run | eval |";
  for (const std::string& set : sets) md += " " + Cell(set) + " |";
  md += "\n|---|---:|";
  for (size_t i = 0; i < sets.size(); ++i) md += "---:|";
  md += "\n";
  for (const std::string& name : order) {
    const json& run = runs[name];
    md += "| " + Cell(name) + " | " + MeanStd(run["test_eer"], 100) + " " +
          IntervalText(run["test_eer"]["ci95_bootstrap"], 100) + " |";
    for (const std::string& set : sets) {
      const json& eer = run["test_sets"][set]["eer"];
      md += " " + MeanStd(eer, 100) + " " + IntervalText(eer["ci95_bootstrap"], 100) + " |";
    }
    md += "\n";
  }
  return md;
}

// One image per plot file, titled by its name without the extension.
std::string PlotsSection(const std::vector<std::string>& plots) {
  std::string md = "\n## Plots\n\n";
  for (const std::string& plot : plots) {
    std::string title = plot.substr(0, plot.size() - 4);
    md += "![" + title + "](" + plot + ")\n\n";
  }
  return md;
}

// The command line and the recorded versions.
std::string ReproduceSection(const ExperimentSpec& spec, const json& versions) {
  std::string md = "## Reproduce\n\n```\n" +
                   (spec.command.empty() ? std::string("(command not recorded)") : spec.command) +
                   "\n```\n\nVersions:\n\n";
  if (versions.empty()) md += "- (not recorded)\n";
  for (const auto& [key, value] : versions.items()) {
    md += "- " + key + ": " + (value.is_string() ? value.get<std::string>() : value.dump()) + "\n";
  }
  return md;
}

}  // namespace

std::string FormatReportMarkdown(const ExperimentSpec& spec, const json& results,
                                 const std::vector<std::string>& plots) {
  const json& runs = results["runs"];
  const std::vector<std::string> order = results["run_order"].get<std::vector<std::string>>();
  std::string md = HeaderSection(spec, order);
  md += RecipeSection(runs, order);
  md += ComparisonSection(runs, order);
  md += CalibrationSection(runs, order);
  md += UncertaintySection(results, order);
  md += PairedSection(results["paired_differences"], order);
  md += PerAttackSection(runs, order);
  md += TestSetsSection(runs, order);
  md += PlotsSection(plots);
  md += ReproduceSection(spec, results["versions"]);
  return md;
}

}  // namespace antispoof::report
