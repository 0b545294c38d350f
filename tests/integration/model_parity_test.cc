// Parity with the PyTorch references. RawNet2: weights made by the reference (../shared/parity),
// expected outputs of every stage, eval and training mode, zip and legacy checkpoint formats.
// AASIST and AASIST-L: the official weights (../shared/checkpoints) against the official code's
// logits and hidden embeddings on the same four inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "antispoof/audio/audio.h"
#include "antispoof/config/config.h"
#include "antispoof/model/aasist.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::model {
namespace {

nlohmann::json Expected() {
  std::ifstream in(testing::SharedDir() + "/parity/rawnet2_tiny_expected.json");
  return nlohmann::json::parse(in);
}

// The four inputs of the fixture: three real LA files tile-padded to nb_samp, and a chirp.
torch::Tensor Inputs(const nlohmann::json& expected, int64_t nb_samp) {
  const std::string la = testing::SharedDir() + "/asvspoof2019/LA/";
  const std::vector<std::string> files = {la + "ASVspoof2019_LA_train/flac/LA_T_1272637.flac",
                                          la + "ASVspoof2019_LA_dev/flac/LA_D_1003356.flac",
                                          la + "ASVspoof2019_LA_eval/flac/LA_E_6163791.flac"};
  auto batch = torch::empty({4, nb_samp});
  for (int i = 0; i < 3; ++i) {
    auto samples = audio::FitLength(audio::LoadAudio(files[i]), nb_samp);
    batch[i].copy_(torch::from_blob(samples.data(), {nb_samp}).clone());
  }
  // x[n] = 0.3 sin(2 pi (100 t + 0.5 k t^2)), t = n / 16000, k = 3900 / 4.0375.
  const double k = 3900.0 / 4.0375;
  torch::Tensor chirp_row = batch[3];
  auto chirp = chirp_row.accessor<float, 1>();
  for (int64_t n = 0; n < nb_samp; ++n) {
    double t = n / 16000.0;
    chirp[n] = static_cast<float>(0.3 * std::sin(2 * M_PI * (100 * t + 0.5 * k * t * t)));
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(batch[i].abs().sum().item<double>(), expected["inputs"][i]["sum_abs"].get<double>(), 1e-2)
        << expected["inputs"][i]["name"];
  }
  return batch;
}

void ExpectClose(double actual, double expected, double rel, double abs_floor, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), rel * std::abs(expected) + abs_floor)
      << what << ": " << actual << " vs expected " << expected;
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, ReproducesEveryNumberOfTheReference) {
  ANTISPOOF_REQUIRE_SHARED();
  const nlohmann::json expected = Expected();
  Config config = LoadConfig(testing::SharedDir() + "/parity/rawnet2_tiny.yaml");
  for (SincImpl impl : {SincImpl::kDirect, SincImpl::kFft}) {
    config.model.sinc_impl = impl;
    RawNet2 net(config.model);
    LoadWeights(*net, testing::SharedDir() + "/parity/" + GetParam());
    int64_t trainable = 0;
    for (const auto& p : net->parameters()) trainable += p.numel();
    EXPECT_EQ(trainable, expected["trainable_params"].get<int64_t>());
    EXPECT_EQ(StateDictOf(*net).size(), expected["state_dict_entries"].get<size_t>());

    torch::Tensor x = Inputs(expected, config.model.nb_samp);
    const std::string tag = GetParam() + " sinc " + ToString(impl);
    torch::NoGradGuard no_grad;
    net->eval();
    int checked_stages = 0;
    auto log_probs = net->ForwardObserved(x, [&](const std::string& name, const torch::Tensor& out) {
      ASSERT_TRUE(expected["eval_stages"].contains(name)) << name;
      const auto& e = expected["eval_stages"][name];
      auto flat = out.reshape({out.size(0), -1}).to(torch::kFloat64);
      ASSERT_EQ(flat.size(1), e["shape"][1].get<int64_t>()) << name;
      for (int i = 0; i < 4; ++i) {
        double sum_abs = e["sum_abs"][i].get<double>();
        ExpectClose(flat[i].abs().sum().item<double>(), sum_abs, 1e-4, 1e-6, tag + " " + name + " sum_abs");
        // A sum that cancels is compared on the scale of its terms.
        ExpectClose(flat[i].sum().item<double>(), e["sum"][i].get<double>(), 1e-4, 1e-6 * sum_abs,
                    tag + " " + name + " sum");
        double scale = sum_abs / flat.size(1);
        const auto& first = e["first5"][i];
        ASSERT_EQ(first.size(), std::min<size_t>(5, flat.size(1))) << name;
        for (size_t j = 0; j < first.size(); ++j)
          ExpectClose(flat[i][j].item<double>(), first[j].get<double>(), 1e-4, 1e-4 * scale,
                      tag + " " + name + " value " + std::to_string(j));
      }
      ++checked_stages;
    });
    EXPECT_EQ(checked_stages, static_cast<int>(expected["eval_stages"].size()));
    for (int i = 0; i < 4; ++i)
      for (int c = 0; c < 2; ++c)
        ExpectClose(log_probs[i][c].item<double>(), expected["eval_log_probs"][i][c].get<double>(), 1e-4, 1e-6,
                    tag + " eval log-prob");
    net->train();
    auto train_log_probs = net->forward(x);
    for (int i = 0; i < 4; ++i)
      for (int c = 0; c < 2; ++c)
        ExpectClose(train_log_probs[i][c].item<double>(), expected["train_mode_log_probs"][i][c].get<double>(),
                    1e-4, 1e-6, tag + " training-mode log-prob");
  }
}

INSTANTIATE_TEST_SUITE_P(BothFormats, Parity,
                         ::testing::Values("rawnet2_tiny.pth", "rawnet2_tiny_legacy.pth"),
                         [](const auto& info) { return info.param == "rawnet2_tiny.pth" ? "zip" : "legacy"; });

struct AasistCase {
  std::string name, config, weights;
};

class AasistParity : public ::testing::TestWithParam<AasistCase> {};

TEST_P(AasistParity, OfficialWeightsGiveTheOfficialLogits) {
  ANTISPOOF_REQUIRE_SHARED();
  const AasistCase& c = GetParam();
  std::ifstream in(testing::SharedDir() + "/parity/aasist_expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in)["models"][c.name];
  Config config = LoadConfig(testing::SourceDir() + "/conf/" + c.config);
  torch::Tensor x = Inputs(Expected(), config.model.nb_samp);
  for (SincImpl impl : {SincImpl::kDirect, SincImpl::kFft}) {
    config.model.sinc_impl = impl;
    Aasist net(config.model);
    LoadWeights(*net, testing::SharedDir() + "/checkpoints/" + c.weights);
    int64_t parameters = 0;
    for (const auto& p : net->parameters()) parameters += p.numel();
    EXPECT_EQ(parameters, expected["parameters"].get<int64_t>());
    net->eval();
    torch::NoGradGuard no_grad;
    auto [hidden, logits] = net->ForwardWithHidden(x);
    const std::string tag = c.name + " sinc " + ToString(impl);
    for (int i = 0; i < 4; ++i) {
      for (int k = 0; k < 2; ++k)
        ExpectClose(logits[i][k].item<double>(), expected["logits"][i][k].get<double>(), 1e-4, 1e-4,
                    tag + " logit " + std::to_string(i) + "," + std::to_string(k));
      ExpectClose(hidden[i].norm().item<double>(), expected["hidden_norm"][i].get<double>(), 1e-4, 1e-5,
                  tag + " hidden norm " + std::to_string(i));
      for (int k = 0; k < 4; ++k)
        ExpectClose(hidden[i][k].item<double>(), expected["hidden_first4"][i][k].get<double>(), 1e-4, 1e-4,
                    tag + " hidden value " + std::to_string(k));
    }
    // The real LA files are classified correctly: bona fide above 0, the A04 and A09 spoofs below.
    EXPECT_GT(logits[0][1].item<double>(), logits[0][0].item<double>()) << tag;
    EXPECT_LT(logits[1][1].item<double>(), -6.7) << tag;
    EXPECT_LT(logits[2][1].item<double>(), -6.7) << tag;
  }
}

INSTANTIATE_TEST_SUITE_P(OfficialWeights, AasistParity,
                         ::testing::Values(AasistCase{"AASIST", "aasist.yaml", "AASIST.pth"},
                                           AasistCase{"AASIST-L", "aasist_l.yaml", "AASIST-L.pth"}),
                         [](const auto& info) { return info.param.name == "AASIST" ? "AASIST" : "AASIST_L"; });

}  // namespace
}  // namespace antispoof::model
