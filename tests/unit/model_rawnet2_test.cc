#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <regex>
#include <set>

#include "antispoof/config/config.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/sinc.h"
#include "antispoof/model/summary.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::model {
namespace {

Config Conf(const std::string& name) {
  return LoadConfig(testing::SourceDir() + "/conf/" + name);
}

int64_t CountParameters(RawNet2& net) {
  int64_t n = 0;
  for (const auto& p : net->parameters()) n += p.numel();
  return n;
}

TEST(RawNet2, BaselineHasTheReferenceParameterCount) {
  RawNet2 net(Conf("rawnet2.yaml").model);
  EXPECT_EQ(CountParameters(net), 17621410);
  EXPECT_EQ(Summarize(Conf("rawnet2.yaml").model).parameters, 17621410);
}

TEST(RawNet2, IcasspConfigHasItsParameterCount) {
  EXPECT_EQ(Summarize(Conf("rawnet2_icassp.yaml").model).parameters, 25433602);
}

TEST(RawNet2, ParameterBreakdownMatchesTheSpec) {
  ModelSummary s = Summarize(Conf("rawnet2.yaml").model);
  std::map<std::string, int64_t> by;
  for (const auto& st : s.stages) by[st.name] = st.parameters;
  EXPECT_EQ(by["gru"], 16140288);
  EXPECT_EQ(by["fc1_gru"], 1049600);
  EXPECT_EQ(by["fc2_gru"], 2050);
  int64_t blocks = 0, fms = 0;
  for (const auto& st : s.stages) {
    if (st.name.rfind("block", 0) == 0) blocks += st.parameters;
    if (st.name.rfind("fc_attention", 0) == 0) fms += st.parameters;
  }
  EXPECT_EQ(blocks, 362288);
  EXPECT_EQ(fms, 66888);
  // 1.30 G of the ~2.09 G multiply-adds per utterance are the 1025-tap sinc convolution.
  EXPECT_EQ(s.stages[0].macs, int64_t{20} * 1025 * 63576);
  EXPECT_NEAR(s.macs / 1e9, 2.09, 0.01);
}

TEST(RawNet2, AttentionAddsExactlyItsTwoLayersPerBlock) {
  // fc1: C -> max(1, C / r) with bias, fc2: back to C with bias, in each of the 6 blocks.
  auto extra = [](int c, int r) {
    int h = std::max(1, c / r);
    return int64_t{c} * h + h + int64_t{h} * c + c;
  };
  const int64_t base = 17621410;
  EXPECT_EQ(Summarize(Conf("rawnet2_se.yaml").model).parameters,
            base + 2 * extra(20, 8) + 4 * extra(128, 8));
  EXPECT_EQ(base + 2 * extra(20, 8) + 4 * extra(128, 8), base + 2 * 102 + 4 * 4240);
  EXPECT_EQ(Summarize(Conf("rawnet2_se_r4.yaml").model).parameters,
            base + 2 * extra(20, 4) + 4 * extra(128, 4));
  EXPECT_EQ(Summarize(Conf("rawnet2_se_r16.yaml").model).parameters,
            base + 2 * extra(20, 16) + 4 * extra(128, 16));
  // avg+max pooling shares the same two layers: no extra parameters over r = 8.
  EXPECT_EQ(Summarize(Conf("rawnet2_se_avgmax.yaml").model).parameters,
            Summarize(Conf("rawnet2_se.yaml").model).parameters);
  // r larger than C: the hidden layer keeps one unit.
  ModelConfig tiny = Conf("rawnet2_se.yaml").model;
  tiny.se_reduction = 64;
  EXPECT_EQ(Summarize(tiny).parameters, base + 2 * extra(20, 64) + 4 * extra(128, 64));
  EXPECT_EQ(extra(20, 64), 20 * 1 + 1 + 1 * 20 + 20);
}

TEST(RawNet2, StateDictKeysAreTheReferenceNames) {
  RawNet2 net(Conf("rawnet2.yaml").model);
  auto state = StateDictOf(*net);
  std::vector<std::string> keys;
  for (auto& [k, _] : state) keys.push_back(k);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front(), "first_bn.weight");
  EXPECT_EQ(keys.back(), "fc2_gru.bias");
  std::set<std::string> set(keys.begin(), keys.end());
  for (const char* k : {"first_bn.running_mean", "first_bn.num_batches_tracked", "block0.0.conv1.weight",
                        "block0.0.bn2.running_var", "block1.0.bn1.weight", "block2.0.conv_downsample.weight",
                        "block5.0.conv2.bias", "fc_attention0.0.weight", "fc_attention5.0.bias",
                        "bn_before_gru.weight", "gru.weight_ih_l0", "gru.weight_hh_l2", "gru.bias_ih_l1",
                        "gru.bias_hh_l2", "fc1_gru.weight", "fc2_gru.weight"})
    EXPECT_TRUE(set.count(k)) << k;
  EXPECT_FALSE(set.count("block0.0.bn1.weight"));
  for (const auto& k : keys) EXPECT_EQ(k.find("Sinc"), std::string::npos) << "sinc filters are fixed: " << k;
  // The reference's Residual_block registers bn1, conv1, bn2, conv2, conv_downsample in that order.
  auto pos = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) - keys.begin(); };
  EXPECT_LT(pos("block2.0.bn1.num_batches_tracked"), pos("block2.0.conv1.weight"));
  EXPECT_LT(pos("block2.0.conv2.bias"), pos("block2.0.conv_downsample.weight"));
  EXPECT_LT(pos("block5.0.conv2.bias"), pos("fc_attention0.0.weight"));
}

TEST(RawNet2, AttentionVariantCarriesItsExtraKeys) {
  RawNet2 net(Conf("rawnet2_se.yaml").model);
  std::set<std::string> keys;
  for (auto& [k, _] : StateDictOf(*net)) keys.insert(k);
  EXPECT_TRUE(keys.count("block0.0.channel_attention.fc1.weight"));
  EXPECT_TRUE(keys.count("block5.0.channel_attention.fc2.bias"));
}

TEST(Sinc, FiltersMatchTheSpecCheckValues) {
  auto edges = MelBandEdges(20, 16000);
  EXPECT_NEAR(edges[1], 93.9974, 1e-4);
  EXPECT_NEAR(edges[10], 1767.7925, 1e-4);
  EXPECT_NEAR(edges[19], 6970.0499, 1e-4);
  EXPECT_DOUBLE_EQ(edges[20], 8000.0);
  auto h = MelSincFilters(20, 1025, 16000);
  ASSERT_EQ(h.sizes(), (std::vector<int64_t>{20, 1025}));
  auto h64 = h.to(torch::kFloat64);
  EXPECT_NEAR(h64[0][512].item<double>(), 0.011749680, 1e-7);
  EXPECT_NEAR(h64[0][0].item<double>(), 2.473351e-06, 1e-7);
  EXPECT_NEAR(h64[0].sum().item<double>(), 0.997747858, 1e-7);
  EXPECT_NEAR(h64[19][512].item<double>(), 0.128743757, 1e-7);
  EXPECT_NEAR(h64[19].abs().sum().item<double>(), 2.564462001, 1e-7);
}

TEST(Sinc, FftAndDirectPathsAgree) {
  torch::manual_seed(3);
  auto x = torch::randn({3, 1, 64600}) * 0.1;
  SincConv direct(20, 1025, 16000, SincImpl::kDirect);
  SincConv fft(20, 1025, 16000, SincImpl::kFft);
  auto a = direct(x), b = fft(x);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{3, 20, 63576}));
  ASSERT_EQ(b.sizes(), a.sizes());
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-5);
  EXPECT_GT(a.abs().max().item<double>(), 1e-2);  // not trivially zero
  // An odd length and a short input take other FFT sizes.
  auto y = torch::randn({1, 1, 2001});
  EXPECT_LT((direct(y) - fft(y)).abs().max().item<double>(), 1e-5);
}

TEST(Sinc, FastFftSizeIsFiveSmoothAndLargeEnough) {
  for (int64_t n : {1, 7, 64600, 64000, 65537}) {
    int64_t m = FastFftSize(n);
    EXPECT_GE(m, n);
    int64_t r = m;
    for (int p : {2, 3, 5})
      while (r % p == 0) r /= p;
    EXPECT_EQ(r, 1) << m;
  }
  EXPECT_EQ(FastFftSize(64600), 64800);
}

// The fused front end (per utterance or channel group, across threads) against the composition
// it replaces, for batches smaller and larger than the thread count. Equal to float rounding only:
// pocketfft vectorises several transforms at once, and which ones share a vector depends on the
// batch it is given (seen: 2e-9 apart at 3 threads, batch 5).
TEST(RawNet2, PooledMagnitudeEqualsMaxPoolOfTheSincMagnitude) {
  const int threads = torch::get_num_threads();
  SincConv sinc(20, 129, 16000, SincImpl::kFft);
  for (int t : {1, 2, 3}) {
    torch::set_num_threads(t);
    for (int64_t batch : {1, 2, 5}) {
      torch::manual_seed(batch);
      auto x = torch::randn({batch, 1, 4001}) * 0.1;
      if (batch > 1) x[batch - 1][0][17] = std::nanf("");  // max_pool1d propagates NaN: so must this
      auto expected = torch::max_pool1d(torch::abs(sinc(x)), 3);
      auto fused = sinc->PooledMagnitude(x, 3);
      ASSERT_EQ(fused.sizes(), expected.sizes());
      EXPECT_TRUE(torch::equal(torch::isnan(fused), torch::isnan(expected)));
      EXPECT_EQ(torch::isnan(fused).sum().item<int64_t>() > 0, batch > 1);
      const double diff = (fused.nan_to_num(0) - expected.nan_to_num(0)).abs().max().item<double>();
      EXPECT_LT(diff, 1e-6 * expected.nan_to_num(0).abs().max().item<double>())
          << "threads " << t << " batch " << batch;
    }
  }
  torch::set_num_threads(threads);
}

TEST(RawNet2, OutputsAreLogProbabilitiesAndTheSincPathDoesNotChangeThem) {
  ModelConfig c = Conf("rawnet2.yaml").model;
  c.nb_samp = 16000;
  c.gru_node = 32;
  c.nb_fc_node = 32;
  c.sinc_impl = SincImpl::kDirect;
  torch::manual_seed(1);
  RawNet2 direct(c);
  c.sinc_impl = SincImpl::kFft;
  RawNet2 fft(c);
  LoadStateDict(*fft, StateDictOf(*direct), "test");
  direct->eval();
  fft->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, 16000}) * 0.05;
  auto a = direct(x), b = fft(x);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_NEAR(a.exp().sum(1)[0].item<double>(), 1.0, 1e-5);
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-4);
}

TEST(RawNet2, ReferenceQuirkLeavesBn1WithoutGradientButUpdatesItsStatistics) {
  ModelConfig c = Conf("rawnet2.yaml").model;
  c.nb_samp = 8000;
  c.gru_node = 16;
  c.nb_fc_node = 16;
  RawNet2 net(c);
  net->train();
  auto before = StateDictOf(*net);
  for (auto& [_, t] : before) t = t.clone();  // StateDictOf returns views of the live tensors
  auto out = net(torch::randn({4, 8000}) * 0.1);
  out.sum().backward();
  for (auto& p : net->named_parameters()) {
    if (p.key().find(".bn1.") != std::string::npos)
      EXPECT_FALSE(p.value().grad().defined()) << p.key();
    else
      EXPECT_TRUE(p.value().grad().defined()) << p.key();
  }
  EXPECT_EQ(net->DeadParameters().size(), 10u);  // weight and bias of bn1 in blocks 1..5
  auto after = StateDictOf(*net);
  for (size_t i = 0; i < after.size(); ++i) {
    if (after[i].first == "block1.0.bn1.running_mean") {
      EXPECT_FALSE(torch::equal(after[i].second, before[i].second));
    }
  }
  c.preactivation = Preactivation::kFixed;
  RawNet2 fixed(c);
  fixed(torch::randn({4, 8000}) * 0.1).sum().backward();
  EXPECT_TRUE(fixed->named_parameters()["block1.0.bn1.weight"].grad().defined());
  EXPECT_TRUE(fixed->DeadParameters().empty());
}

}  // namespace
}  // namespace antispoof::model
