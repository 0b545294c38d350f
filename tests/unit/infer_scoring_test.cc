// The inference library on its own: this test links antispoof_infer alone (no training module), so
// building it proves that scoring needs neither the optimizer nor c10d/Gloo.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "antispoof/audio/audio.h"
#include "antispoof/config/config.h"
#include "antispoof/infer/scoring.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::infer {
namespace {

// Two WAV files of `n` samples; returns their items.
std::vector<data::Item> WriteTwoFiles(const std::string& dir, int n) {
  std::vector<std::string> paths;
  for (int f = 0; f < 2; ++f) {
    std::vector<float> samples(n);
    for (int i = 0; i < n; ++i) samples[i] = 0.2f * std::sin(0.01f * (f + 1) * i) + 0.01f * ((i * 7919) % 13 - 6);
    paths.push_back(dir + "/utt" + std::to_string(f) + ".wav");
    audio::WriteAudio(paths.back(), samples, 16000);
  }
  return ItemsFromPaths({dir});
}

class InferScoring : public ::testing::TestWithParam<std::string> {};

TEST_P(InferScoring, ScoresFilesWithASavedModelAsItsForwardDoes) {
  const std::string dir = testing::TempDir();
  Config config = LoadConfig(testing::SourceDir() + "/conf/" + GetParam());
  config.model.nb_samp = 8000;
  torch::manual_seed(11);
  model::Countermeasure net = model::CreateModel(config.model);
  model::SaveWeights(*net, dir + "/w.pth", "{}");
  auto items = WriteTwoFiles(dir, 6000);  // shorter than nb_samp: tiled by the reference rule
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].utt, "utt0");

  model::Countermeasure loaded = LoadModel(config.model, dir + "/w.pth", torch::kCPU);
  ScoreOptions o;
  o.items = items;
  o.batch_size = 2;
  o.num_workers = 0;
  std::vector<ScoredItem> scored = ScoreItems(*loaded, o);
  ASSERT_EQ(scored.size(), 2u);

  net->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::empty({2, 8000});
  for (int i = 0; i < 2; ++i) {
    auto samples = audio::FitLength(audio::LoadAudio(items[i].path), 8000);
    x[i].copy_(torch::from_blob(samples.data(), {8000}).clone());
  }
  torch::Tensor out = net->forward(x).to(torch::kFloat64);
  torch::Tensor lp = net->LogProbabilities(net->forward(x)).to(torch::kFloat64);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(scored[i].score, out[i][1].item<double>(), 1e-6);
    EXPECT_NEAR(scored[i].spoof_output, out[i][0].item<double>(), 1e-6);
    EXPECT_NEAR(scored[i].log_probs[1], lp[i][1].item<double>(), 1e-6);
    EXPECT_EQ(scored[i].predicted_bonafide, scored[i].score > scored[i].spoof_output);
    EXPECT_EQ(scored[i].label, -1);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryArchitecture, InferScoring, ::testing::Values("rawnet2.yaml", "aasist_l.yaml"),
                         [](const auto& info) { return info.param == "rawnet2.yaml" ? "RawNet2" : "AASIST_L"; });

TEST(InferScoring, WeightedLossAndAccuracyFollowTheirDefinitions) {
  data::Item bona{"b", "", TrialKey::kBonafide, "-"}, spoof{"s", "", TrialKey::kSpoof, "A01"},
      unknown{"u", "", TrialKey::kUnknown, "-"};
  std::vector<ScoredItem> items = {MakeScoredItem(bona, -2.0, 1.0, {std::log(0.2), std::log(0.8)}),
                                   MakeScoredItem(spoof, 0.5, 1.5, {std::log(0.6), std::log(0.4)}),
                                   MakeScoredItem(unknown, 0.0, 9.0, {0.0, 0.0})};
  // (0.9 * -log 0.8 + 0.1 * -log 0.6) / (0.9 + 0.1); the unlabelled item does not count.
  EXPECT_NEAR(WeightedLoss(items, {0.1, 0.9}), (0.9 * -std::log(0.8) + 0.1 * -std::log(0.6)) / 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(Accuracy(items), 0.5);  // the spoof's bona fide output is the larger: wrong
  EXPECT_TRUE(std::isnan(WeightedLoss({items[2]}, {0.1, 0.9})));
}

TEST(InferScoring, TheLibraryLinksNoTrainingModuleNorGloo) {
  std::ifstream in(ANTISPOOF_INFER_CLOSURE_FILE);
  ASSERT_TRUE(in) << ANTISPOOF_INFER_CLOSURE_FILE;
  std::stringstream closure;
  closure << in.rdbuf();
  EXPECT_NE(closure.str().find("antispoof_model"), std::string::npos) << closure.str();
  EXPECT_EQ(closure.str().find("antispoof_train"), std::string::npos) << closure.str();
  EXPECT_EQ(closure.str().find("gloo"), std::string::npos) << closure.str();
}

}  // namespace
}  // namespace antispoof::infer
