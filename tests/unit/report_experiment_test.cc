#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/det.h"
#include "antispoof/metrics/report.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/report/report.h"
#include "antispoof/report/run_data.h"
#include "support/test_support.h"

namespace antispoof::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// 100 bona fide and 100 spoof trials with EER exactly k / 100: k bona fide score low and k spoof
// score high, the rest are separated at 0. Spoof trials 0-49 are attack A01, 50-99 A02.
std::vector<metrics::ScoreRecord> ScoresWithEer(int k, double shift) {
  std::vector<metrics::ScoreRecord> records;
  for (int i = 0; i < 100; ++i) {
    metrics::ScoreRecord r;
    r.utterance = Format("B_%03d", i);
    r.key = metrics::TrialKey::kBonafide;
    r.score = (i < k ? -10.0 : 10.0) + 0.001 * i + shift;
    records.push_back(r);
  }
  for (int i = 0; i < 100; ++i) {
    metrics::ScoreRecord r;
    r.utterance = Format("S_%03d", i);
    r.key = metrics::TrialKey::kSpoof;
    r.attack = i < 50 ? "A01" : "A02";
    // High spoof scores go to both attacks (i = 0.. and 50..).
    const bool high = (i < 50 ? i : i - 50) * 2 + (i < 50 ? 0 : 1) < k;
    r.score = (high ? 20.0 : -1.0) + 0.001 * i + shift;
    records.push_back(r);
  }
  return records;
}

struct SeedFixture {
  long seed;
  int k;                // test EER = k / 100
  double best_dev_eer;  // fraction
  double train_time;    // seconds
};

std::string MakeRunDir(const std::string& root, const std::string& run, const SeedFixture& f) {
  const std::string dir = root + "/" + run + "/seed_" + std::to_string(f.seed);
  MakeDirs(dir);
  metrics::WriteScoreFile(dir + "/scores_eval.txt", ScoresWithEer(f.k, 0.01 * f.seed));
  metrics::ScoreFile scores = metrics::ReadScoreFile(dir + "/scores_eval.txt");
  metrics::MetricsReport report = metrics::ComputeMetricsReport(scores.records, nullptr, 0.0);
  WriteFileAtomic(dir + "/metrics_eval.json", metrics::MetricsReportToJson(report).dump(2));
  json summary = {{"best_epoch", 2},
                  {"best_dev_eer", f.best_dev_eer},
                  {"epochs_done", 3},
                  {"total_train_time_s", f.train_time},
                  {"parameters", 25000},
                  {"seed", f.seed},
                  {"model_name", run == "run_0" ? "RawNet2" : "RawNet2-SE"}};
  WriteFileAtomic(dir + "/summary.json", summary.dump(2));
  std::string epochs = "epoch,train_loss,dev_loss,dev_eer,dev_acc,seconds\n";
  for (int e = 1; e <= 3; ++e) {
    epochs += Format("%d,%g,%g,%g,%g,%g\n", e, 0.7 / e, 0.8 / e + 0.01 * f.seed,
                     e == 2 ? f.best_dev_eer : f.best_dev_eer + 0.05 * (e == 1 ? 2 : 1),
                     0.6 + 0.1 * e, f.train_time / 3);
  }
  WriteFileAtomic(dir + "/epochs.csv", epochs);
  std::string log = "epoch,iteration,loss,running_loss\n";
  for (int it = 5; it <= 60; it += 5) {
    log +=
        Format("%d,%d,%g,%g\n", (it - 1) / 20 + 1, it, 0.7 * std::exp(-it / 30.0) + 0.02 * (it % 2),
               0.7 * std::exp(-it / 30.0) + 0.001 * f.seed);
  }
  WriteFileAtomic(dir + "/train_log.csv", log);
  WriteFileAtomic(dir + "/config.yaml", "model:\n  name: test\n");
  WriteFileAtomic(dir + "/run.json", json({{"seed", f.seed}}).dump());
  return dir;
}

// run_0: seeds 1, 2 with test EER 10 %, 14 %; run_1: 6 %, 8 %.
ExperimentSpec MakeExperiment(const std::string& root) {
  ExperimentSpec spec;
  spec.dataset = "toy";
  spec.out_dir = root + "/report";
  spec.command = "antispoof experiment --config exp.yaml --out " + root;
  spec.versions = {{"antispoof", "0.1.0"}, {"compiler", "test"}};
  spec.bootstrap_samples = 200;
  spec.seed = 5;
  const std::map<std::string, std::vector<SeedFixture>> fixtures = {
      {"run_0", {{1, 10, 0.20, 100.0}, {2, 14, 0.30, 140.0}}},
      {"run_1", {{1, 6, 0.15, 120.0}, {2, 8, 0.25, 160.0}}}};
  for (const auto& [name, seeds] : fixtures) {
    RunSpec run;
    run.name = name;
    run.description = name == "run_0" ? "baseline" : "SE r=8";
    for (const SeedFixture& f : seeds) run.seeds.push_back({f.seed, MakeRunDir(root, name, f)});
    if (name == "run_1") {
      run.config = "conf/se.yaml";
      run.recipe_changes = json::parse(R"([{"key": "batch_size", "config": "32", "run": "16"}])");
      run.cost = {{"parameters", 26000},
                  {"size_mb", 0.1},
                  {"macs", 2.5e9},
                  {"infer_ms_per_utt_b1", 4.0},
                  {"infer_ms_per_utt_b32", 0.5},
                  {"train_ms_per_utt", 12.0},
                  {"peak_rss_mb", 512.0}};
    }
    spec.runs.push_back(run);
  }
  return spec;
}

double Std2(double a, double b) { return std::fabs(a - b) / std::sqrt(2.0); }

TEST(ReportResults, FixtureScoresHaveTheIntendedEer) {
  for (int k : {6, 8, 10, 14}) {
    std::vector<double> b, s;
    for (const auto& r : ScoresWithEer(k, 0.0)) {
      (r.key == metrics::TrialKey::kBonafide ? b : s).push_back(r.score);
    }
    EXPECT_DOUBLE_EQ(metrics::ComputeEer(b, s).eer, k / 100.0) << k;
  }
}

TEST(ReportResults, NumbersEqualTheRunDirectories) {
  const std::string root = testing::TempDir();
  const ExperimentSpec spec = MakeExperiment(root);
  const json results = BuildResults(spec);

  EXPECT_EQ(results["run_order"], json({"run_0", "run_1"}));
  const json& r0 = results["runs"]["run_0"];
  const json& r1 = results["runs"]["run_1"];
  // Fractions per run and seed.
  EXPECT_DOUBLE_EQ(r0["seeds"]["1"]["test_eer"].get<double>(), 0.10);
  EXPECT_DOUBLE_EQ(r0["seeds"]["2"]["test_eer"].get<double>(), 0.14);
  EXPECT_NEAR(r0["test_eer"]["mean"].get<double>(), 0.12, 1e-15);
  EXPECT_NEAR(r0["test_eer"]["std"].get<double>(), Std2(0.10, 0.14), 1e-15);
  EXPECT_EQ(r0["test_eer"]["n"], 2);
  EXPECT_NEAR(r1["test_eer"]["mean"].get<double>(), 0.07, 1e-15);
  EXPECT_NEAR(r0["best_val_eer"]["mean"].get<double>(), 0.25, 1e-15);
  EXPECT_NEAR(r0["best_val_eer"]["std"].get<double>(), Std2(0.20, 0.30), 1e-15);
  // Accuracy at threshold 0 = 1 - k/100 for both classes.
  EXPECT_NEAR(r0["test_acc"]["mean"].get<double>(), 0.88, 1e-12);
  EXPECT_NEAR(r1["test_acc"]["std"].get<double>(), Std2(0.94, 0.92), 1e-12);
  EXPECT_NEAR(r1["total_train_time"]["mean"].get<double>(), 140.0, 1e-12);
  EXPECT_NEAR(r1["total_train_time"]["std"].get<double>(), Std2(120, 160), 1e-12);
  // No ASV scores: t-DCF null with the reason.
  EXPECT_TRUE(r0["test_tdcf"]["mean"].is_null());
  EXPECT_EQ(r0["test_tdcf"]["n"], 0);
  EXPECT_NE(r0["test_tdcf"]["note"].get<std::string>().find("ASV"), std::string::npos);
  EXPECT_TRUE(r0["seeds"]["1"]["test_tdcf"].is_null());
  EXPECT_TRUE(r0["test_tdcf_revised"]["mean"].is_null());

  // Per attack: the mean over seeds of what metrics_eval.json says.
  for (const std::string run : {"run_0", "run_1"}) {
    for (const std::string attack : {"A01", "A02"}) {
      double sum = 0;
      for (const auto& seed : spec.runs[run == "run_0" ? 0 : 1].seeds) {
        json m = json::parse(ReadFile(seed.dir + "/metrics_eval.json"));
        sum += m["per_attack"][attack]["eer"].get<double>();
      }
      EXPECT_NEAR(results["runs"][run]["per_attack_eer"][attack]["mean"].get<double>(), sum / 2,
                  1e-15)
          << run << " " << attack;
      EXPECT_EQ(results["runs"][run]["per_attack_eer"][attack]["n"], 2);
    }
  }

  // Cost figures: passed through; parameters fall back to summary.json; throughput = 1000 / ms.
  EXPECT_EQ(r1["parameters"], 26000);
  EXPECT_EQ(r0["parameters"], 25000);
  EXPECT_DOUBLE_EQ(r1["macs"].get<double>(), 2.5e9);
  EXPECT_DOUBLE_EQ(r1["throughput_utt_per_s_b1"].get<double>(), 250.0);
  EXPECT_DOUBLE_EQ(r1["throughput_utt_per_s_b32"].get<double>(), 2000.0);
  EXPECT_TRUE(r0["size_mb"].is_null());
  EXPECT_TRUE(r0["throughput_utt_per_s_b1"].is_null());

  // Flat keys: percent for EER and accuracy.
  const json& flat = results["toy"];
  EXPECT_NEAR(flat["run_0"]["test_eer_mean"].get<double>(), 12.0, 1e-12);
  EXPECT_NEAR(flat["run_1"]["test_eer_mean"].get<double>(), 7.0, 1e-12);
  EXPECT_NEAR(flat["run_0"]["best_val_eer_mean"].get<double>(), 25.0, 1e-12);
  EXPECT_NEAR(flat["run_0"]["test_acc_mean"].get<double>(), 88.0, 1e-10);
  EXPECT_TRUE(flat["run_0"]["test_tdcf_mean"].is_null());
  EXPECT_NEAR(flat["run_0"]["total_train_time_mean"].get<double>(), 120.0, 1e-12);
  EXPECT_EQ(results["command"], spec.command);
  EXPECT_EQ(results["versions"]["antispoof"], "0.1.0");
  // The recipe, passed through.
  EXPECT_EQ(r1["config"], "conf/se.yaml");
  EXPECT_EQ(r1["recipe_changes"][0]["run"], "16");
  EXPECT_EQ(r0["config"], "");
  EXPECT_TRUE(r0["recipe_changes"].empty());
}

TEST(ReportResults, BootstrapCisContainTheEstimateAndAreReproducible) {
  const std::string root = testing::TempDir();
  ExperimentSpec spec = MakeExperiment(root);
  const json a = BuildResults(spec);
  const json b = BuildResults(spec);
  for (const std::string run : {"run_0", "run_1"}) {
    const json& ci = a["runs"][run]["test_eer"]["ci95_bootstrap"];
    const double mean = a["runs"][run]["test_eer"]["mean"].get<double>();
    ASSERT_TRUE(ci.is_array()) << run;
    EXPECT_LE(ci[0].get<double>(), mean);
    EXPECT_GE(ci[1].get<double>(), mean);
    EXPECT_LT(ci[0].get<double>(), ci[1].get<double>());
    for (const auto& [seed, entry] : a["runs"][run]["seeds"].items()) {
      const json& seed_ci = entry["test_eer_ci95_bootstrap"];
      EXPECT_LE(seed_ci[0].get<double>(), entry["test_eer"].get<double>()) << run << seed;
      EXPECT_GE(seed_ci[1].get<double>(), entry["test_eer"].get<double>()) << run << seed;
    }
  }
  EXPECT_EQ(a, b);
  spec.seed = 6;
  const json c = BuildResults(spec);
  EXPECT_NE(a["runs"]["run_0"]["test_eer"]["ci95_bootstrap"],
            c["runs"]["run_0"]["test_eer"]["ci95_bootstrap"]);
  spec.bootstrap_samples = 0;
  const json none = BuildResults(spec);
  EXPECT_TRUE(none["runs"]["run_0"]["test_eer"]["ci95_bootstrap"].is_null());
  EXPECT_TRUE(none["runs"]["run_0"]["seeds"]["1"]["test_eer_ci95_bootstrap"].is_null());
}

// A further test set in every seed directory: EER (k + 20) / 100 there.
void AddTestSet(ExperimentSpec& spec, const std::string& name) {
  spec.test_sets.push_back(name);
  for (const RunSpec& run : spec.runs) {
    for (const SeedRun& seed : run.seeds) {
      const int k = static_cast<int>(std::lround(100 * rundir::ReadJsonObject(seed.dir + "/metrics_eval.json")["eer"].get<double>()));
      metrics::WriteScoreFile(seed.dir + "/scores_" + name + ".txt", ScoresWithEer(k + 20, 0.0));
      metrics::ScoreFile scores = metrics::ReadScoreFile(seed.dir + "/scores_" + name + ".txt");
      WriteFileAtomic(seed.dir + "/metrics_" + name + ".json",
                      metrics::MetricsReportToJson(metrics::ComputeMetricsReport(scores.records, nullptr, 0.0)).dump(2));
    }
  }
}

TEST(ReportResults, FurtherTestSetsHaveTheirEerAndCi) {
  const std::string root = testing::TempDir();
  ExperimentSpec spec = MakeExperiment(root);
  const json without = BuildResults(spec);
  EXPECT_FALSE(without["runs"]["run_0"].contains("test_sets"));
  EXPECT_EQ(FormatReportMarkdown(spec, without, {}).find("## Test sets"), std::string::npos);
  AddTestSet(spec, "itw");
  const json r = BuildResults(spec);
  const json& eer = r["runs"]["run_0"]["test_sets"]["itw"]["eer"];
  EXPECT_NEAR(eer["mean"].get<double>(), (0.30 + 0.34) / 2, 1e-9);  // seeds at 10 % and 14 % on eval
  EXPECT_EQ(eer["n"].get<int>(), 2);
  ASSERT_TRUE(eer["ci95_bootstrap"].is_array());
  EXPECT_LE(eer["ci95_bootstrap"][0].get<double>(), eer["mean"].get<double>());
  EXPECT_GE(eer["ci95_bootstrap"][1].get<double>(), eer["mean"].get<double>());
  const json& seed = r["runs"]["run_1"]["test_sets"]["itw"]["seeds"]["2"];
  EXPECT_NEAR(seed["eer"].get<double>(), 0.28, 1e-9);
  EXPECT_EQ(seed["n_bonafide"].get<int>(), 100);
  EXPECT_LE(seed["eer_ci95_bootstrap"][0].get<double>(), 0.28);
  // The eval split's figures are unchanged by a further test set.
  EXPECT_EQ(r["runs"]["run_0"]["test_eer"], without["runs"]["run_0"]["test_eer"]);
  const std::string md = FormatReportMarkdown(spec, r, {});
  EXPECT_NE(md.find("## Test sets: EER (%)"), std::string::npos) << md;
  EXPECT_NE(md.find("| run | eval | itw |"), std::string::npos) << md;
  EXPECT_NE(md.find("| run_0 | 12.00 ± 2.83 ["), std::string::npos) << md;
  // A seed without the test set's scores is named.
  fs::remove(spec.runs[1].seeds[0].dir + "/scores_itw.txt");
  try {
    BuildResults(spec);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("scores_itw.txt"), std::string::npos) << e.what();
  }
}

TEST(ReportResults, PairedDifferenceVsBaselineEqualsHandComputation) {
  const std::string root = testing::TempDir();
  const json results = BuildResults(MakeExperiment(root));
  ASSERT_TRUE(results["paired_differences"].contains("run_1"));
  EXPECT_FALSE(results["paired_differences"].contains("run_0"));
  const json& d = results["paired_differences"]["run_1"];
  EXPECT_EQ(d["baseline"], "run_0");
  EXPECT_EQ(d["seeds"], json({1, 2}));
  EXPECT_NEAR(d["differences"][0].get<double>(), 0.06 - 0.10, 1e-15);
  EXPECT_NEAR(d["differences"][1].get<double>(), 0.08 - 0.14, 1e-15);
  EXPECT_NEAR(d["mean"].get<double>(), -0.05, 1e-15);
  const double std = Std2(-0.04, -0.06);
  EXPECT_NEAR(d["std"].get<double>(), std, 1e-15);
  const double half = 12.706 * std / std::sqrt(2.0);
  EXPECT_NEAR(d["ci95_t"][0].get<double>(), -0.05 - half, 1e-12);
  EXPECT_NEAR(d["ci95_t"][1].get<double>(), -0.05 + half, 1e-12);
  EXPECT_EQ(d["distinguishable"], false);
  EXPECT_NE(d["verdict"].get<std::string>().find("not distinguishable from seed noise"),
            std::string::npos);
  EXPECT_TRUE(d["ci95_bootstrap_trials"].is_array());
}

TEST(ReportResults, IncompleteRunDirectoryNamesTheFile) {
  const std::string root = testing::TempDir();
  ExperimentSpec spec = MakeExperiment(root);
  fs::remove(spec.runs[1].seeds[0].dir + "/metrics_eval.json");
  try {
    BuildResults(spec);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("metrics_eval.json"), std::string::npos) << e.what();
  }
}

TEST(ReportResults, SeedMismatchAndBadSpecsFail) {
  const std::string root = testing::TempDir();
  ExperimentSpec spec = MakeExperiment(root);
  ExperimentSpec swapped = spec;
  std::swap(swapped.runs[0].seeds[0].seed, swapped.runs[0].seeds[1].seed);
  EXPECT_THROW(BuildResults(swapped), Error);
  ExperimentSpec duplicate = spec;
  duplicate.runs[1].name = "run_0";
  EXPECT_THROW(BuildResults(duplicate), Error);
  ExperimentSpec empty = spec;
  empty.runs.clear();
  EXPECT_THROW(BuildResults(empty), Error);
  ExperimentSpec reserved = spec;
  reserved.dataset = "runs";
  EXPECT_THROW(BuildResults(reserved), Error);
}

bool IsPng(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[8] = {};
  in.read(header, 8);
  return in.gcount() == 8 && std::string(header, 8) == std::string("\x89PNG\r\n\x1a\n", 8);
}

TEST(ReportOutput, WritesResultsPlotsAndReport) {
  const std::string root = testing::TempDir();
  const ExperimentSpec spec = MakeExperiment(root);
  WriteExperimentReport(spec);
  const std::string out = spec.out_dir;

  const json results = json::parse(ReadFile(out + "/results.json"));
  EXPECT_EQ(results, BuildResults(spec));

  for (const std::string name :
       {"train_loss_toy_across_runs.png", "val_loss_toy_across_runs.png",
        "val_eer_toy_across_runs.png", "test_accuracy_toy_across_runs.png",
        "test_eer_toy_across_runs.png", "det_toy.png", "per_attack_eer_toy.png",
        "score_hist_run_0.png", "score_hist_run_1.png"}) {
    const std::string path = out + "/" + name;
    ASSERT_TRUE(FileExists(path)) << path;
    EXPECT_TRUE(IsPng(path)) << path;
    EXPECT_GT(fs::file_size(path), 10000u) << path;
  }

  const std::string md = ReadFile(out + "/report.md");
  EXPECT_NE(md.find("| run_0 | baseline | 2 | 88.00 ± 2.83 | 12.00 ± 2.83 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| run_1 | SE r=8 | 2 | 93.00 ± 1.41 | 7.00 ± 1.41 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| 26,000 | 0.1 | 2.50 G | 4.00 | 0.50 | 250.0 | 2000.0 | 12.00 | 512.0 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("min t-DCF n/a: "), std::string::npos);
  EXPECT_NE(md.find("| run_1 | 2 | 1: -4.00, 2: -6.00 | -5.00 | 1.41 |"), std::string::npos) << md;
  EXPECT_NE(md.find("not distinguishable from seed noise"), std::string::npos);
  EXPECT_NE(md.find("![det_toy](det_toy.png)"), std::string::npos);
  EXPECT_NE(md.find("![score_hist_run_1](score_hist_run_1.png)"), std::string::npos);
  EXPECT_NE(md.find(spec.command), std::string::npos);
  EXPECT_NE(md.find("- compiler: test"), std::string::npos);
  EXPECT_NE(md.find("| A01 |"), std::string::npos);
  EXPECT_NE(md.find("| run_0 | n/a | none |"), std::string::npos) << md;
  EXPECT_NE(md.find("| run_1 | `conf/se.yaml` | `batch_size` 32 → 16 |"), std::string::npos) << md;
}

TEST(ReportOutput, MissingGnuplotIsAClearError) {
  const std::string root = testing::TempDir();
  const ExperimentSpec spec = MakeExperiment(root);
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", (root + "/no_such_bin").c_str(), 1);
  try {
    WriteExperimentReport(spec);
    setenv("PATH", saved.c_str(), 1);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    setenv("PATH", saved.c_str(), 1);
    EXPECT_NE(std::string(e.what()).find("gnuplot-nox"), std::string::npos) << e.what();
  }
  // results.json is written before the plots.
  EXPECT_TRUE(FileExists(spec.out_dir + "/results.json"));
}

}  // namespace
}  // namespace antispoof::report
