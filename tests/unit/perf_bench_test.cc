// RunBenchmark on a tiny config: every figure present, positive and finite (no timing assertions).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "antispoof/model/gru.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/perf/bench.h"
#include "antispoof/perf/memory.h"

namespace antispoof::perf {
namespace {

ModelConfig TinyConfig() {
  ModelConfig c;
  c.nb_samp = 4000;
  c.first_conv = 128;
  c.sinc_channels = 4;
  c.group1 = {4, 4};
  c.group2 = {4, 8};
  c.group3 = {8, 8};
  c.blocks = {1, 2};
  c.gru_node = 16;
  c.nb_fc_node = 16;
  c.nb_gru_layer = 1;
  return c;
}

BenchOptions TinyOptions() {
  BenchOptions o;
  o.threads = 1;
  o.repeats = 2;
  o.batch = 4;
  o.gemm_size = 128;
  o.progress = false;
  return o;
}

TEST(PerfBench, JsonHasTheIssueKeysAllPositiveAndFinite) {
  const auto j = RunBenchmark(TinyConfig(), TinyOptions()).ToJson();
  for (const char* key : {"infer_ms_per_utt_b1", "infer_ms_per_utt_b32", "train_ms_per_utt_b32",
                          "train_cached_front_end_ms_per_utt_b32", "front_end_ms_per_utt_b32",
                          "peak_rss_mb", "train_peak_rss_mb", "infer_peak_rss_mb", "gemm_gflops",
                          "real_time_factor_b1", "utt_per_s_b1", "utt_per_s_b32", "train_utt_per_s_b32",
                          "peak_fraction_b1", "peak_fraction_b32", "peak_fraction_train", "gflop_per_utt"}) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(j.contains(key));
    ASSERT_TRUE(j[key].is_number());
    const double v = j[key].get<double>();
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GT(v, 0.0);
  }
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["batch"], 4);
  EXPECT_EQ(j["nb_samp"], 4000);
  EXPECT_EQ(j["samples_ms_per_utt"]["infer_b32"].size(), 2u);
  EXPECT_EQ(j["samples_ms_per_utt"]["infer_b1"].size(), 6u);  // batch 1 runs 3x the repeats
}

TEST(PerfBench, SkippedPhasesAreNullAndTheTableSaysSo) {
  auto o = TinyOptions();
  o.train = false;
  o.batch1 = false;
  o.gemm = false;
  const auto r = RunBenchmark(TinyConfig(), o);
  const auto j = r.ToJson();
  EXPECT_TRUE(j["train_ms_per_utt_b32"].is_null());
  EXPECT_TRUE(j["infer_ms_per_utt_b1"].is_null());
  EXPECT_TRUE(j["gemm_gflops"].is_null());
  EXPECT_GT(j["infer_ms_per_utt_b32"].get<double>(), 0.0);
  EXPECT_NE(r.ToTable().find("inference, batch 4"), std::string::npos);
}

TEST(PerfBench, RestoresTheCallersThreadCountAndRng) {
  torch::set_num_threads(1);
  torch::manual_seed(42);
  const auto expected = torch::rand({3});
  torch::manual_seed(42);
  auto o = TinyOptions();
  o.threads = 2;
  o.train = false;
  o.gemm = false;
  RunBenchmark(TinyConfig(), o);
  EXPECT_EQ(torch::get_num_threads(), 1);
  EXPECT_TRUE(torch::equal(torch::rand({3}), expected));
}

// --torch-gru: the run says which GRU it timed, and the process keeps the fused one afterwards.
TEST(PerfBench, TimesTheGruAskedForAndRestoresTheDefault) {
  ASSERT_TRUE(model::FusedGruEnabled());
  auto o = TinyOptions();
  o.batch1 = false;
  o.gemm = false;
  o.train_cached_front_end = false;
  o.fused_gru = false;
  const auto j = RunBenchmark(TinyConfig(), o).ToJson();
  EXPECT_EQ(j["gru"], "torch");
  EXPECT_GT(j["train_ms_per_utt_b32"].get<double>(), 0.0);
  EXPECT_TRUE(model::FusedGruEnabled());
  o.fused_gru = true;
  EXPECT_EQ(RunBenchmark(TinyConfig(), o).ToJson()["gru"], "fused");
}

// The speed paths (in-place front end and SELU, eval-mode conv1/bn2 folding) give the numbers of
// the observed path, which keeps the plain operations (and is the one the parity test checks).
TEST(PerfBench, FastPathsMatchTheObservedPath) {
  for (SincImpl impl : {SincImpl::kDirect, SincImpl::kFft}) {
    auto c = TinyConfig();
    c.sinc_impl = impl;
    torch::manual_seed(3);
    model::RawNet2 net(c);
    auto x = torch::randn({3, c.nb_samp}) * 0.1;
    // Non-trivial BatchNorm statistics first.
    net->train();
    for (int i = 0; i < 3; ++i) net->forward(torch::randn({3, c.nb_samp}) * 0.1);
    for (bool train : {false, true}) {
      net->train(train);
      torch::NoGradGuard no_grad;
      auto fast = net->forward(x);
      auto plain = net->ForwardObserved(x, [](const std::string&, const torch::Tensor&) {});
      EXPECT_TRUE(torch::allclose(fast, plain, 1e-4, 1e-6)) << "train " << train;
    }
    torch::NoGradGuard no_grad;
    auto features = net->FrontEnd(x);
    auto reference = torch::max_pool1d(torch::abs(net->sinc()(x.unsqueeze(1))), 3);
    EXPECT_TRUE(torch::allclose(features, reference, 1e-5, 1e-7));
  }
}

// Batch 1 without autograd runs the GRU as matrix-vector products; batch 3 runs LibTorch's GRU.
TEST(PerfBench, BatchOneGruPathMatchesLibTorchsGru) {
  auto c = TinyConfig();
  c.nb_gru_layer = 2;
  torch::manual_seed(5);
  model::RawNet2 net(c);
  net->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({3, c.nb_samp}) * 0.1;
  auto batch = net->forward(x);
  for (int i = 0; i < 3; ++i) {
    auto one = net->forward(x.narrow(0, i, 1));
    EXPECT_TRUE(torch::allclose(one[0], batch[i], 1e-4, 1e-6)) << i;
  }
}

TEST(PerfBench, TrainingStillBackpropagatesThroughTheInPlaceOps) {
  torch::manual_seed(4);
  model::RawNet2 net(TinyConfig());
  net->train();
  auto x = torch::randn({2, TinyConfig().nb_samp}) * 0.1;
  net->forward(x).sum().backward();
  for (const auto& p : net->named_parameters()) {
    if (p.key().find(".bn1.") != std::string::npos) continue;
    SCOPED_TRACE(p.key());
    ASSERT_TRUE(p.value().grad().defined());
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>());
  }
}

TEST(PerfBench, MedianAndMemoryHelpers) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(Median({4, 1, 2, 3}), 2.5);
  EXPECT_TRUE(std::isnan(Median({})));
  EXPECT_GT(CurrentRssMb(), 0.0);
  EXPECT_GE(PeakRssMb(), CurrentRssMb() * 0.99);
  EXPECT_GT(LifetimePeakRssMb(), 0.0);
}

}  // namespace
}  // namespace antispoof::perf
