// AASIST's structure against the reference's definitions: parameter counts, state_dict keys, the
// fixed front end, dead bn1, graph pooling, frequency masking, and the factory.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "antispoof/common/error.h"
#include "antispoof/config/config.h"
#include "antispoof/model/aasist.h"
#include "antispoof/model/countermeasure.h"
#include "antispoof/model/summary.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::model {
namespace {

Config Conf(const std::string& name) { return LoadConfig(testing::SourceDir() + "/conf/" + name); }

ModelConfig Tiny() {
  ModelConfig m = ModelConfig::Defaults(Architecture::kAasist);
  m.nb_samp = 8000;
  m.aasist.filts = {{{1, 8}, {8, 8}, {8, 16}, {16, 16}}};
  m.aasist.gat_dims = {16, 8};
  return m;
}

int64_t Count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(Aasist, ParameterCountsAreTheReferences) {
  EXPECT_EQ(Count(*CreateModel(Conf("aasist.yaml").model)), 297866);
  EXPECT_EQ(Count(*CreateModel(Conf("aasist_l.yaml").model)), 85306);
  EXPECT_EQ(Summarize(Conf("aasist.yaml").model).parameters, 297866);
  EXPECT_EQ(Summarize(Conf("aasist_l.yaml").model).parameters, 85306);
}

TEST(Aasist, StateDictHasTheReferenceKeysAndNoSincEntries) {
  Countermeasure net = CreateModel(Conf("aasist.yaml").model);
  std::set<std::string> keys;
  for (const auto& [name, t] : StateDictOf(*net)) keys.insert(name);
  // 211 float tensors and 18 BatchNorm counters, as the official .pth files hold.
  EXPECT_EQ(keys.size(), 229u);
  for (const char* k : {"pos_S", "master1", "master2", "first_bn.running_var", "encoder.0.0.conv1.weight",
                        "encoder.1.0.bn1.running_mean", "encoder.2.0.conv_downsample.bias", "encoder.5.0.conv2.weight",
                        "GAT_layer_S.att_weight", "GAT_layer_T.bn.num_batches_tracked",
                        "HtrgGAT_layer_ST11.att_weightM", "HtrgGAT_layer_ST22.proj_without_attM.weight",
                        "HtrgGAT_layer_ST12.att_weight12", "pool_hT2.proj.bias", "out_layer.weight"})
    EXPECT_TRUE(keys.count(k)) << k;
  EXPECT_FALSE(keys.count("encoder.0.0.bn1.weight"));  // the first block has no bn1
  for (const auto& k : keys) EXPECT_NE(k.rfind("conv_time", 0), 0u) << k;
  EXPECT_EQ(net->Name(), "AASIST");
  EXPECT_EQ(net->ScoreMeaning(), "bona fide logit");
  EXPECT_FALSE(net->ArgmaxScoreThreshold().has_value());
}

// The shortest input the config accepts keeps one time step through the 3 x 3 pool and the six
// encoder pools of 3 ((2315 - 128) / 3 / 3^6 = 1), and runs; one sample less is refused by name.
TEST(Aasist, ShortestAcceptedInputRunsAndOneLessIsRefused) {
  ModelConfig m = Tiny();
  m.nb_samp = 2315;
  ASSERT_NO_THROW(m.Validate("tiny"));
  Countermeasure net = CreateModel(m);
  net->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor out = net->forward(torch::randn({2, 2315}) * 0.1);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  m.nb_samp = 2314;
  try {
    m.Validate("tiny");
    ADD_FAILURE() << "2314 samples accepted";
  } catch (const antispoof::Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.nb_samp: too short"), std::string::npos) << e.what();
  }
}

TEST(Aasist, ForwardEqualsTheCachedFrontEndPathAndGivesLogits) {
  torch::manual_seed(3);
  Countermeasure net = CreateModel(Tiny());
  net->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::randn({3, 8000}) * 0.1;
  ASSERT_TRUE(net->HasFixedFrontEnd());
  torch::Tensor features = net->FrontEnd(x);
  // [B, 1, 70 / 3, (8000 - 129 + 1) / 3]
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{3, 1, 23, 2624}));
  torch::Tensor out = net->forward(x);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_TRUE(torch::equal(out, net->ForwardFromFrontEnd(features)));
  // Logits, not log-probabilities: the loss normalises them.
  EXPECT_TRUE(torch::allclose(net->LogProbabilities(out), torch::log_softmax(out, 1)));
  EXPECT_FALSE(torch::allclose(out.exp().sum(1), torch::ones({3})));
}

TEST(Aasist, DeadBn1OnlyMovesItsStatisticsAndIsNotTrainable) {
  torch::manual_seed(4);
  Countermeasure net = CreateModel(Tiny());
  int64_t all = 0, bn1 = 0;
  for (const auto& p : net->named_parameters()) {
    all += p.value().numel();
    if (p.key().find(".bn1.") != std::string::npos) bn1 += p.value().numel();
  }
  int64_t live = 0;
  for (const auto& [name, p] : net->NamedTrainableParameters()) {
    EXPECT_EQ(name.find(".bn1."), std::string::npos) << name;
    live += p.numel();
  }
  EXPECT_GT(bn1, 0);
  EXPECT_EQ(live, all - bn1);
  auto params = net->named_parameters();
  auto buffers = net->named_buffers();
  torch::Tensor mean_before = buffers["encoder.1.0.bn1.running_mean"].clone();
  net->train();
  net->forward(torch::randn({4, 8000}) * 0.1).sum().backward();
  EXPECT_FALSE(torch::equal(mean_before, buffers["encoder.1.0.bn1.running_mean"]));
  EXPECT_FALSE(params["encoder.1.0.bn1.weight"].grad().defined());
  EXPECT_TRUE(params["encoder.1.0.conv1.weight"].grad().defined());
}

TEST(Aasist, GraphPoolKeepsTheTopScoredNodesScaledByTheirScores) {
  torch::manual_seed(5);
  aasist::GraphPool pool(0.5, 4, 0.3);
  pool->eval();
  torch::Tensor h = torch::randn({2, 23, 4});
  torch::Tensor out = pool(h);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 11, 4}));  // int(23 * 0.5)
  auto params = pool->named_parameters();
  torch::Tensor scores = torch::sigmoid(torch::matmul(h, params["proj.weight"].t()) + params["proj.bias"]);
  for (int b = 0; b < 2; ++b) {
    torch::Tensor order = std::get<1>(scores[b].squeeze(1).sort(0, /*descending=*/true));
    for (int k = 0; k < 11; ++k) {
      const int64_t node = order[k].item<int64_t>();
      EXPECT_TRUE(torch::allclose(out[b][k], h[b][node] * scores[b][node])) << b << " " << k;
    }
  }
  aasist::GraphPool tiny(0.01, 4, 0);
  EXPECT_EQ(tiny(h).size(1), 1);  // at least one node survives
}

TEST(Aasist, FrequencyMaskingZeroesSincChannelsInTrainingOnly) {
  ModelConfig m = Tiny();
  m.aasist.freq_aug = true;
  torch::manual_seed(6);
  Countermeasure net = CreateModel(m);
  EXPECT_FALSE(net->HasFixedFrontEnd());
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::randn({2, 8000}) * 0.1;
  net->eval();
  torch::Tensor clean = net->FrontEnd(x);
  EXPECT_TRUE(torch::equal(clean, net->FrontEnd(x)));
  net->train();
  int masked = 0;
  for (int i = 0; i < 20; ++i) {
    torch::Tensor f = net->FrontEnd(x);
    // Zeroing channels can only lower a max of magnitudes, and only whole spectral rows change.
    EXPECT_TRUE((f <= clean).all().item<bool>());
    torch::Tensor changed_rows = (f != clean).any(3).any(0).squeeze(0);
    if (changed_rows.any().item<bool>()) ++masked;
  }
  EXPECT_GT(masked, 10);  // a width of 0 is drawn one time in 20
}

TEST(Factory, BuildsTheArchitectureTheConfigNames) {
  EXPECT_EQ(CreateModel(Conf("rawnet2.yaml").model)->Name(), "RawNet2");
  EXPECT_EQ(CreateModel(Conf("rawnet2_se.yaml").model)->Name(), "RawNet2-SE");
  EXPECT_EQ(CreateModel(Conf("aasist_l.yaml").model)->Name(), "AASIST");
  EXPECT_EQ(CreateModel(Conf("rawnet2.yaml").model)->ScoreMeaning(), "log P(bona fide)");
}

}  // namespace
}  // namespace antispoof::model
