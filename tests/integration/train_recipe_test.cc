// Training, resuming and evaluating on a synthetic ASVspoof-layout corpus (seconds, not minutes).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/config/config.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/weights.h"
#include "antispoof/pth/pth.h"
#include "antispoof/optim/adam.h"
#include "antispoof/optim/loss.h"
#include "antispoof/train/evaluate.h"
#include "antispoof/train/trainer.h"
#include "support/synthetic_corpus.h"
#include "support/test_support.h"

namespace antispoof::train {
namespace {
using optim::Adam;
using optim::WeightedCrossEntropy;
namespace fs = std::filesystem;

std::string Lines(const std::string& path) { return ReadFile(path); }

// epochs.csv without its last column (seconds: wall time differs between runs).
std::string EpochsWithoutSeconds(const std::string& path) {
  std::istringstream in(ReadFile(path));
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

void ExpectSameCheckpoint(const std::string& a, const std::string& b) {
  auto ca = pth::ReadCheckpoint(a), cb = pth::ReadCheckpoint(b);
  ASSERT_EQ(ca.tensors.size(), cb.tensors.size());
  for (size_t i = 0; i < ca.tensors.size(); ++i) {
    EXPECT_EQ(ca.tensors[i].first, cb.tensors[i].first);
    EXPECT_TRUE(torch::equal(ca.tensors[i].second, cb.tensors[i].second)) << ca.tensors[i].first;
  }
  ASSERT_EQ(ca.extra_tensors.size(), cb.extra_tensors.size());
  for (size_t i = 0; i < ca.extra_tensors.size(); ++i)
    EXPECT_TRUE(torch::equal(ca.extra_tensors[i].second, cb.extra_tensors[i].second)) << ca.extra_tensors[i].first;
}

class TrainRecipe : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    root_ = testing::WriteSyntheticCorpus(dir_);
    config_path_ = testing::WriteTinyConfig(dir_);
  }
  TrainOptions Options(const std::string& out) {
    TrainOptions o;
    o.config = LoadConfig(config_path_);
    o.data_root = root_;
    o.out_dir = dir_ + "/" + out;
    return o;
  }
  std::string dir_, root_, config_path_;
};

TEST(Adam, ThreeStepsOnAFixedBatchLowerTheLossAndLeaveDeadBn1Untouched) {
  ModelConfig c;
  c.nb_samp = 8000;
  c.gru_node = 16;
  c.nb_fc_node = 16;
  c.group2 = {20, 32};
  torch::manual_seed(2);
  model::RawNet2 net(c);
  auto live = net->NamedTrainableParameters();
  ASSERT_EQ(live.size() + 10, net->parameters().size());
  Adam adam(live, {1e-3, 0.9, 0.999, 1e-8, 1e-4});
  auto x = torch::randn({6, 8000}) * 0.1;
  auto y = torch::tensor({0, 1, 0, 1, 0, 0}, torch::kInt64);
  auto w = torch::tensor({0.1f, 0.9f});
  auto bn1_weight = net->named_parameters()["block1.0.bn1.weight"].clone();
  auto bn1_bias = net->named_parameters()["block3.0.bn1.bias"].clone();
  net->train();
  std::vector<double> losses;
  for (int step = 0; step < 3; ++step) {
    auto loss = WeightedCrossEntropy(net(x), y, w);
    losses.push_back(loss.item<double>());
    adam.ZeroGrad();
    loss.backward();
    adam.Step();
  }
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(losses[1], losses[0]);
  EXPECT_LT(losses[2], losses[1]);
  EXPECT_TRUE(torch::equal(net->named_parameters()["block1.0.bn1.weight"], bn1_weight));
  EXPECT_TRUE(torch::equal(net->named_parameters()["block3.0.bn1.bias"], bn1_bias));
  EXPECT_EQ(adam.steps(), 3);
}

TEST(Adam, MatchesTheTorchOptimUpdateByHand) {
  // One parameter, two steps, coupled L2: the update of torch.optim.Adam written out.
  auto p = torch::tensor({1.0, -2.0}, torch::kFloat64).requires_grad_(true);
  Adam adam({{"p", p}}, {0.1, 0.9, 0.999, 1e-8, 0.01});
  double m[2] = {0, 0}, v[2] = {0, 0}, ref[2] = {1.0, -2.0};
  for (int step = 1; step <= 2; ++step) {
    adam.ZeroGrad();
    (p * p).sum().backward();
    adam.Step();
    for (int i = 0; i < 2; ++i) {
      double g = 2 * ref[i] + 0.01 * ref[i];
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(0.999, step)) + 1e-8;
      ref[i] -= 0.1 / (1 - std::pow(0.9, step)) * m[i] / denom;
    }
  }
  EXPECT_NEAR(p[0].item<double>(), ref[0], 1e-12);
  EXPECT_NEAR(p[1].item<double>(), ref[1], 1e-12);
}

TEST_F(TrainRecipe, SameSeedGivesIdenticalRunsAndAnotherSeedDiffers) {
  auto a = Options("a");
  auto b = Options("b");
  auto c = Options("c");
  c.config.train.seed = 6;
  nlohmann::json sa = Train(a);
  Train(b);
  Train(c);
  EXPECT_EQ(sa["epochs_done"], 2);
  for (const char* f : {"config.yaml", "run.json", "train_log.csv", "epochs.csv", "best.pth", "last.pth", "summary.json"})
    EXPECT_TRUE(fs::exists(a.out_dir + "/" + f)) << f;
  ExpectSameCheckpoint(a.out_dir + "/last.pth", b.out_dir + "/last.pth");
  EXPECT_EQ(EpochsWithoutSeconds(a.out_dir + "/epochs.csv"), EpochsWithoutSeconds(b.out_dir + "/epochs.csv"));
  EXPECT_EQ(Lines(a.out_dir + "/train_log.csv"), Lines(b.out_dir + "/train_log.csv"));
  EXPECT_NE(Lines(a.out_dir + "/train_log.csv"), Lines(c.out_dir + "/train_log.csv"));
  // 24 train utterances in batches of 4 (drop last): 6 steps per epoch, logged every 2.
  std::istringstream log(Lines(a.out_dir + "/train_log.csv"));
  std::string line;
  int rows = -1;
  while (std::getline(log, line)) ++rows;
  EXPECT_EQ(rows, 6);
}

TEST_F(TrainRecipe, RunDirectoryIsNotOverwrittenWithoutResume) {
  auto a = Options("a");
  a.config.train.num_epochs = 1;
  Train(a);
  try {
    Train(a);
    FAIL() << "a second run into the same folder must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
}

TEST_F(TrainRecipe, KilledRunResumesToTheSameWeightsAndLogs) {
  auto full = Options("full");
  Train(full);
  // A real SIGKILL in the middle of the second epoch (iteration 8 of 12), then --resume.
  const std::string out = dir_ + "/killed";
  const std::string args = "train --config '" + config_path_ + "' --data-root '" + root_ + "' --out '" + out + "'";
  auto killed = testing::RunShell(std::string("ANTISPOOF_KILL_AT_ITERATION=8 '") + testing::BinaryPath() + "' " + args);
  EXPECT_NE(killed.exit_code, 0) << killed.err;
  EXPECT_TRUE(fs::exists(out + "/last.pth"));
  auto resumed = testing::RunAntispoof(args + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos);
  ExpectSameCheckpoint(full.out_dir + "/last.pth", out + "/last.pth");
  ExpectSameCheckpoint(full.out_dir + "/best.pth", out + "/best.pth");
  EXPECT_EQ(Lines(full.out_dir + "/train_log.csv"), Lines(out + "/train_log.csv"));
  EXPECT_EQ(EpochsWithoutSeconds(full.out_dir + "/epochs.csv"), EpochsWithoutSeconds(out + "/epochs.csv"));
}

// The same crash recovery for AASIST (a tiny config): the trainer, checkpoints and resume are the
// architecture's as much as RawNet2's.
TEST_F(TrainRecipe, KilledAasistRunResumesToTheSameWeightsAndLogs) {
  const std::string config = testing::WriteTinyAasistConfig(dir_);
  const std::string base = "train --config '" + config + "' --data-root '" + root_ + "' --out '";
  auto full = testing::RunAntispoof(base + dir_ + "/aasist_full'");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const std::string out = dir_ + "/aasist_killed";
  auto killed = testing::RunShell(std::string("ANTISPOOF_KILL_AT_ITERATION=8 '") + testing::BinaryPath() + "' " +
                                  base + out + "'");
  EXPECT_NE(killed.exit_code, 0) << killed.err;
  EXPECT_TRUE(fs::exists(out + "/last.pth"));
  auto resumed = testing::RunAntispoof(base + out + "' --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos);
  ExpectSameCheckpoint(dir_ + "/aasist_full/last.pth", out + "/last.pth");
  ExpectSameCheckpoint(dir_ + "/aasist_full/best.pth", out + "/best.pth");
  EXPECT_EQ(Lines(dir_ + "/aasist_full/train_log.csv"), Lines(out + "/train_log.csv"));
  EXPECT_EQ(EpochsWithoutSeconds(dir_ + "/aasist_full/epochs.csv"), EpochsWithoutSeconds(out + "/epochs.csv"));
  auto summary = nlohmann::json::parse(ReadFile(out + "/summary.json"));
  EXPECT_EQ(summary["model_name"], "AASIST");
  // The checkpoint holds AASIST's reference keys and the optimizer state of every live parameter.
  auto ckpt = pth::ReadCheckpoint(out + "/last.pth");
  bool has_master = false;
  for (const auto& [name, t] : ckpt.tensors) has_master = has_master || name == "master1";
  EXPECT_TRUE(has_master);
  EXPECT_FALSE(ckpt.extra_tensors.empty());
}

TEST_F(TrainRecipe, DivergingLossStopsWithAMessageAndKeepsTheLastGoodCheckpoint) {
  auto o = Options("nan");
  o.config.train.lr = 1e30;
  o.config.train.num_epochs = 3;
  try {
    Train(o);
    FAIL() << "lr 1e30 must diverge";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite training loss"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("iteration"), std::string::npos) << e.what();
  }
}

TEST_F(TrainRecipe, ConfigDataMismatchStopsBeforeTraining) {
  // A dev protocol without bona fide trials.
  const std::string dev = root_ + "/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.dev.trl.txt";
  std::string text = ReadFile(dev), kept;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.find("bonafide") == std::string::npos) kept += line + "\n";
  std::ofstream(dev) << kept;
  auto o = Options("mismatch");
  try {
    Train(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no bona fide trials in the dev split"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(o.out_dir + "/last.pth"));
}

TEST_F(TrainRecipe, EvalWritesOneLinePerTrialAndReplacesTheScoreFile) {
  auto o = Options("run");
  o.config.train.num_epochs = 1;
  Train(o);
  EvalOptions e;
  e.run_dir = o.out_dir;
  EvalResult first = Evaluate(e);
  EvalResult second = Evaluate(e);
  std::istringstream in(ReadFile(second.scores_path));
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 12);  // the eval protocol's trial count, not 24
  EXPECT_EQ(ReadFile(first.scores_path), ReadFile(second.scores_path));
  EXPECT_TRUE(second.metrics.contains("eer"));
  EXPECT_TRUE(second.metrics["min_tdcf_legacy"].is_null());  // no ASV scores for this corpus
  EXPECT_EQ(second.metrics["n_bonafide"].get<int>() + second.metrics["n_spoof"].get<int>(), 12);
}

}  // namespace
}  // namespace antispoof::train
