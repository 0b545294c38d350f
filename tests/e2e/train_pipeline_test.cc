// The whole user path through the real binary on the tiny real-speech corpus: train one epoch,
// evaluate, score a file, and a 2 runs x 2 seeds experiment whose results.json is checked against
// the run directories.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "support/test_support.h"

namespace {
namespace fs = std::filesystem;
using antispoof::testing::RunAntispoof;
using antispoof::testing::RunShell;
using antispoof::testing::Slurp;

nlohmann::json Json(const std::string& path) { return nlohmann::json::parse(Slurp(path)); }

int CountLines(const std::string& path) {
  std::istringstream in(Slurp(path));
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

// A RawNet2 with the reference structure but a narrow GRU, on 1-second inputs.
std::string TinyConfig(const std::string& dir, const std::string& extra = "") {
  std::string path = dir + "/tiny" + std::to_string(extra.size()) + ".yaml";
  std::ofstream(path) << "batch_size: 4\nnum_epochs: 1\nlr: 0.001\nlog_every: 1\nthreads: 2\n"
                         "model:\n  nb_samp: 16000\n  first_conv: 1024\n  in_channels: 1\n"
                         "  filts: [20, [20, 20], [20, 32], [32, 32]]\n  blocks: [2, 4]\n"
                         "  nb_fc_node: 16\n  gru_node: 16\n  nb_gru_layer: 3\n  nb_classes: 2\n"
                      << extra;
  return path;
}

TEST(Pipeline, TrainEvalScoreThroughTheBinary) {
  const std::string corpus = antispoof::testing::TinyCorpusDir();
  ASSERT_TRUE(fs::exists(corpus + "/LA/ASVspoof2019_LA_cm_protocols")) << "fixture corpus missing";
  const std::string dir = antispoof::testing::TempDir();
  const std::string run = dir + "/run";
  auto train = RunAntispoof("train --config '" + TinyConfig(dir) + "' --data-root '" + corpus + "' --out '" + run + "'");
  ASSERT_EQ(train.exit_code, 0) << train.err;
  auto summary = nlohmann::json::parse(train.out);
  EXPECT_EQ(summary["epochs_done"], 1);
  EXPECT_EQ(Json(run + "/summary.json"), summary);
  EXPECT_NE(train.err.find("epoch 1/1"), std::string::npos);  // progress on stderr

  auto eval = RunAntispoof("eval --run '" + run + "' --json");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  auto metrics = nlohmann::json::parse(eval.out);
  EXPECT_EQ(metrics, Json(run + "/metrics_eval.json"));
  const int trials = CountLines(corpus + "/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval.trl.txt");
  EXPECT_EQ(CountLines(run + "/scores_eval.txt"), trials);
  EXPECT_EQ(metrics["n_bonafide"].get<int>() + metrics["n_spoof"].get<int>(), trials);
  EXPECT_GE(metrics["eer"].get<double>(), 0.0);
  EXPECT_LE(metrics["eer"].get<double>(), 1.0);
  // A second evaluation replaces the score file.
  ASSERT_EQ(RunAntispoof("eval --run '" + run + "'").exit_code, 0);
  EXPECT_EQ(CountLines(run + "/scores_eval.txt"), trials);

  // Score one file: "UTT SCORE", the same score the eval pass gave that utterance.
  std::istringstream first_line(Slurp(run + "/scores_eval.txt"));
  std::string utt, attack, key;
  double eval_score;
  first_line >> utt >> attack >> key >> eval_score;
  const std::string file = corpus + "/LA/ASVspoof2019_LA_eval/flac/" + utt + ".flac";
  auto score = RunAntispoof("score --config '" + run + "/config.yaml' --checkpoint '" + run + "/best.pth' '" + file +
                            "' --threshold -0.6931");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  std::istringstream line(score.out);
  std::string got_utt, decision;
  double got_score;
  line >> got_utt >> got_score >> decision;
  EXPECT_EQ(got_utt, utt);
  EXPECT_NEAR(got_score, eval_score, 1e-4);
  EXPECT_TRUE(decision == "bonafide" || decision == "spoof") << score.out;

  // A text file given to score is a clear error naming it, not a crash.
  std::ofstream(dir + "/notaudio.flac") << "hello";
  auto bad = RunAntispoof("score --config '" + run + "/config.yaml' --checkpoint '" + run + "/best.pth' '" + dir +
                          "/notaudio.flac'");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("notaudio.flac"), std::string::npos) << bad.err;
}

bool IsPng(const std::string& path) {
  std::string bytes = Slurp(path);
  return bytes.size() > 1000 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

TEST(Pipeline, TinyExperimentResultsMatchTheRunDirectories) {
  const std::string corpus = antispoof::testing::TinyCorpusDir();
  const std::string dir = antispoof::testing::TempDir();
  const std::string base = TinyConfig(dir), se = TinyConfig(dir, "  attention: se\n  se_reduction: 8\n");
  const std::string exp = dir + "/exp.yaml";
  std::ofstream(exp) << "dataset: tiny\ndata_root: " << corpus << "\nseeds: [1, 2]\nepochs: 1\nbench: true\n"
                     << "bench_repeats: 1\nbench_rounds: 2\nbootstrap_samples: 50\nset: {lr: 0.0005}\nruns:\n"
                     << "  - {name: run_0, description: baseline, config: " << base << "}\n"
                     << "  - {name: run_1, description: SE r=8, config: " << se << "}\n";
  const std::string out = dir + "/out";
  auto r = RunAntispoof("experiment --config '" + exp + "' --out '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("run_1"), std::string::npos);
  auto results = Json(out + "/results.json");
  for (const char* run : {"run_0", "run_1"}) {
    double sum = 0;
    for (long seed : {1, 2}) {
      const std::string rd = out + "/runs/" + run + "/seed_" + std::to_string(seed);
      auto m = Json(rd + "/metrics_eval.json");
      auto s = Json(rd + "/summary.json");
      auto& per_seed = results["runs"][run]["seeds"][std::to_string(seed)];
      EXPECT_DOUBLE_EQ(per_seed["test_eer"].get<double>(), m["eer"].get<double>());
      EXPECT_DOUBLE_EQ(per_seed["best_val_eer"].get<double>(), s["best_dev_eer"].get<double>());
      sum += m["eer"].get<double>();
    }
    EXPECT_NEAR(results["runs"][run]["test_eer"]["mean"].get<double>(), sum / 2, 1e-12);
    EXPECT_NEAR(results["tiny"][run]["test_eer_mean"].get<double>(), 100 * sum / 2, 1e-9);  // percent
    EXPECT_TRUE(results["tiny"][run].contains("total_train_time_mean"));
  }
  EXPECT_GT(results["runs"]["run_1"]["parameters"].get<double>(), results["runs"]["run_0"]["parameters"].get<double>());
  // Each run's cost is measured by `antispoof bench` in fresh processes (its memory is the model's
  // alone), one per round; each figure is the median (here: the mean of 2) over rounds.
  for (const char* run : {"run_0", "run_1"}) {
    auto round1 = Json(out + "/runs/" + run + "/bench_round1.json");
    auto round2 = Json(out + "/runs/" + run + "/bench_round2.json");
    auto cost = Json(out + "/runs/" + run + "/cost.json");
    EXPECT_EQ(cost["bench_process"], "fresh") << run;
    EXPECT_EQ(cost["bench_rounds"], 2) << run;
    for (auto [figure, bench_key] : {std::pair{"peak_rss_mb", "peak_rss_mb"},
                                     {"infer_ms_per_utt_b1", "infer_ms_per_utt_b1"},
                                     {"train_ms_per_utt", "train_ms_per_utt_b32"}}) {
      EXPECT_GT(round1[bench_key].get<double>(), 0) << run << " " << bench_key;
      EXPECT_NEAR(results["runs"][run][figure].get<double>(),
                  (round1[bench_key].get<double>() + round2[bench_key].get<double>()) / 2, 1e-9)
          << run << " " << figure;
    }
  }
  EXPECT_NE(Slurp(out + "/report.md").find("median of 2 benchmarks (`antispoof bench`), each in a fresh process"), std::string::npos);
  for (const char* png : {"train_loss_tiny_across_runs.png", "val_loss_tiny_across_runs.png", "val_eer_tiny_across_runs.png",
                          "test_accuracy_tiny_across_runs.png", "test_eer_tiny_across_runs.png", "det_tiny.png",
                          "score_hist_run_0.png", "per_attack_eer_tiny.png"})
    EXPECT_TRUE(IsPng(out + "/" + png)) << png;
  EXPECT_NE(Slurp(out + "/report.md").find("run_1"), std::string::npos);
  // The recipe: each run's config file and what the experiment changed in it.
  EXPECT_EQ(results["runs"]["run_1"]["config"], se);
  EXPECT_EQ(results["runs"]["run_0"]["recipe_changes"],
            nlohmann::json::parse(R"([{"key": "lr", "config": "0.001", "run": "5e-04"}])"));
  EXPECT_NE(Slurp(out + "/report.md").find("| run_0 | `" + base + "` | `lr` 0.001 → 5e-04 |"), std::string::npos)
      << Slurp(out + "/report.md");
  // Each seed is calibrated on its dev scores (unless its model ranks spoofs higher on dev: one epoch
  // of a tiny model may), and test gets actDCF and Cllr before and after.
  bool any_calibrated = false;
  for (const char* run : {"run_0", "run_1"}) {
    for (const char* key : {"test_min_dcf", "test_act_dcf", "test_cllr"})
      EXPECT_TRUE(results["runs"][run][key]["mean"].is_number()) << run << " " << key;
    for (long seed : {1, 2}) {
      const std::string rd = out + "/runs/" + run + "/seed_" + std::to_string(seed);
      const bool calibrated = fs::exists(rd + "/calibration.json");
      any_calibrated = any_calibrated || calibrated;
      EXPECT_EQ(Json(rd + "/metrics_eval.json").contains("calibrated"), calibrated) << rd;
    }
  }
  EXPECT_EQ(Slurp(out + "/report.md").find("## Calibration (ASVspoof 5 figures on test)") != std::string::npos,
            any_calibrated);
  // Resuming a finished experiment keeps every run and reports again.
  auto again = RunAntispoof("experiment --config '" + exp + "' --out '" + out + "' --resume");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("already finished"), std::string::npos);
  auto refused = RunAntispoof("experiment --config '" + exp + "' --out '" + out + "'");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--resume"), std::string::npos);
}

// One experiment mixes architectures: a RawNet2 and an AASIST run go through the same trainer, scoring,
// fresh-process benchmarks and report, side by side.
TEST(Pipeline, TinyExperimentMixesRawNet2AndAasist) {
  const std::string corpus = antispoof::testing::TinyCorpusDir();
  const std::string dir = antispoof::testing::TempDir();
  const std::string rawnet2 = TinyConfig(dir);
  const std::string aasist = dir + "/tiny_aasist.yaml";
  std::ofstream(aasist) << "batch_size: 4\nnum_epochs: 1\nlr: 0.001\nlog_every: 1\nthreads: 2\n"
                           "lr_schedule: aasist_cosine\nlr_min: 0.00005\nmodel:\n  architecture: AASIST\n"
                           "  nb_samp: 16000\n  filts: [70, [1, 8], [8, 8], [8, 16], [16, 16]]\n  gat_dims: [16, 8]\n";
  const std::string exp = dir + "/exp.yaml";
  std::ofstream(exp) << "dataset: tiny\ndata_root: " << corpus << "\nseeds: [1, 2]\nepochs: 1\nbench: true\n"
                     << "bench_repeats: 1\nbench_rounds: 1\nbootstrap_samples: 50\nruns:\n"
                     << "  - {name: run_0, description: RawNet2, config: " << rawnet2 << "}\n"
                     << "  - {name: run_1, description: tiny AASIST, config: " << aasist << "}\n";
  const std::string out = dir + "/out";
  auto r = RunAntispoof("experiment --config '" + exp + "' --out '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto results = Json(out + "/results.json");
  auto info = RunAntispoof("info --json --config '" + aasist + "'");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(results["runs"]["run_1"]["parameters"].get<double>(),
            nlohmann::json::parse(info.out)["parameters"].get<double>());
  for (auto [run, name] : {std::pair{"run_0", "RawNet2"}, {"run_1", "AASIST"}}) {
    for (long seed : {1, 2}) {
      const std::string rd = out + "/runs/" + run + "/seed_" + std::to_string(seed);
      EXPECT_EQ(Json(rd + "/summary.json")["model_name"], name) << rd;
      EXPECT_DOUBLE_EQ(results["runs"][run]["seeds"][std::to_string(seed)]["test_eer"].get<double>(),
                       Json(rd + "/metrics_eval.json")["eer"].get<double>());
      EXPECT_GT(CountLines(rd + "/scores_eval.txt"), 0) << rd;
    }
    auto cost = Json(out + "/runs/" + run + "/cost.json");
    EXPECT_GT(cost["infer_ms_per_utt_b1"].get<double>(), 0) << run;
    EXPECT_GT(cost["train_ms_per_utt"].get<double>(), 0) << run;
    EXPECT_GT(cost["macs"].get<double>(), 0) << run;
    EXPECT_TRUE(std::isfinite(results["tiny"][run]["test_eer_mean"].get<double>())) << run;
  }
  const std::string report = Slurp(out + "/report.md");
  for (const char* row : {"| run_0 | RawNet2 | 2 |", "| run_1 | tiny AASIST | 2 |", " | RawNet2 |\n", " | AASIST |\n"})
    EXPECT_NE(report.find(row), std::string::npos) << row << "\n" << report;
  EXPECT_EQ(results["runs"]["run_1"]["model_name"], "AASIST");
  EXPECT_TRUE(IsPng(out + "/test_eer_tiny_across_runs.png"));
  EXPECT_TRUE(IsPng(out + "/score_hist_run_1.png"));
}

// Ctrl-C during an experiment: it stops with 130 and prints the experiment's own resume command; resuming
// ends with the same scores and results as an experiment that was never interrupted.
TEST(Pipeline, InterruptedExperimentResumesToTheSameResults) {
  const std::string corpus = antispoof::testing::TinyCorpusDir();
  const std::string dir = antispoof::testing::TempDir();
  const std::string exp = dir + "/exp.yaml";
  std::ofstream(exp) << "dataset: tiny\ndata_root: " << corpus << "\nseeds: [1, 2]\nepochs: 3\nbench: false\n"
                     << "bootstrap_samples: 50\nruns:\n  - {name: run_0, description: baseline, config: "
                     << TinyConfig(dir) << "}\n";
  const std::string reference = dir + "/reference", out = dir + "/out";
  auto ref = RunAntispoof("experiment --config '" + exp + "' --out '" + reference + "'");
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  // SIGINT once seed 1 has logged two steps (the shell waits for that, up to 120 s).
  const std::string log = out + "/runs/run_0/seed_1/train_log.csv";
  auto stopped = RunShell("'" + antispoof::testing::BinaryPath() + "' experiment --config '" + exp + "' --out '" +
                          out + "' & pid=$!; for i in $(seq 1200); do [ -f '" + log + "' ] && [ $(wc -l < '" + log +
                          "') -ge 3 ] && break; sleep 0.1; done; kill -INT $pid; wait $pid");
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("interrupted by SIGINT"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("experiment --config " + exp + " --out " + out + " --resume"), std::string::npos)
      << stopped.err;
  EXPECT_FALSE(fs::exists(out + "/results.json"));
  auto resumed = RunAntispoof("experiment --config '" + exp + "' --out '" + out + "' --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  for (const char* seed : {"seed_1", "seed_2"}) {
    const std::string a = reference + "/runs/run_0/" + seed, b = out + "/runs/run_0/" + seed;
    EXPECT_EQ(Slurp(a + "/train_log.csv"), Slurp(b + "/train_log.csv")) << seed;
    EXPECT_EQ(Slurp(a + "/scores_eval.txt"), Slurp(b + "/scores_eval.txt")) << seed;
  }
  auto a = Json(reference + "/results.json")["runs"]["run_0"], b = Json(out + "/results.json")["runs"]["run_0"];
  for (const char* key : {"test_eer", "best_val_eer", "test_acc", "per_attack_eer"}) EXPECT_EQ(a[key], b[key]) << key;
}

}  // namespace
