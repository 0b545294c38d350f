// The fused GRU (model/gru.h) against torch::nn::GRU: outputs and every gradient, a finite-difference
// check of the hand-written backward in double, and RawNet2 with the fused GRU vs nn::GRU.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/model/gru.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/weights.h"
#include "support/test_support.h"

namespace antispoof::model {
namespace {

torch::nn::GRU MakeGru(int64_t in, int64_t hidden, int64_t layers, bool batch_first) {
  return torch::nn::GRU(torch::nn::GRUOptions(in, hidden).num_layers(layers).batch_first(batch_first));
}

// Whether y's autograd graph holds a node whose name contains `needle`.
bool GraphHas(const torch::Tensor& y, const std::string& needle) {
  // The node pointer type: std::shared_ptr in LibTorch 1.13, c10::intrusive_ptr in current 2.x.
  using NodePtr = std::decay_t<decltype(y.grad_fn())>;
  std::vector<NodePtr> todo = {y.grad_fn()};
  std::set<torch::autograd::Node*> seen;
  while (!todo.empty()) {
    auto node = todo.back();
    todo.pop_back();
    if (!node || !seen.insert(node.get()).second) continue;
    if (node->name().find(needle) != std::string::npos) return true;
    for (const auto& edge : node->next_edges()) todo.push_back(edge.function);
  }
  return false;
}

double MaxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Outputs and the gradients of sum(y * w) (w random, so every step's output gets a gradient)
// with respect to the input and every parameter, fused vs nn::GRU, float32.
void ExpectSameAsTorch(bool batch_first, int64_t layers) {
  torch::manual_seed(3);
  auto gru = MakeGru(24, 40, layers, batch_first);
  const int64_t batch = 5, steps = 9;
  auto x = (batch_first ? torch::randn({batch, steps, 24}) : torch::randn({steps, batch, 24})).requires_grad_(true);
  ASSERT_TRUE(FusedGruApplies(*gru, x));
  auto ours = FusedGru(*gru, x);
  auto ref = std::get<0>(gru->forward(x));
  EXPECT_TRUE(GraphHas(ours, "GruLayerFunction"));
  ASSERT_EQ(ours.sizes(), ref.sizes());
  EXPECT_LT(MaxDiff(ours, ref), 1e-5);
  const auto w = torch::randn(ref.sizes());
  auto grads = [&](const torch::Tensor& y) {
    std::vector<torch::Tensor> inputs = {x};
    for (const auto& p : gru->parameters()) inputs.push_back(p);
    return torch::autograd::grad({(y * w).sum()}, inputs);
  };
  const auto g_ours = grads(ours), g_ref = grads(ref);
  const auto names = gru->named_parameters().keys();
  ASSERT_EQ(g_ours.size(), names.size() + 1);
  for (size_t i = 0; i < g_ours.size(); ++i) {
    const std::string what = i == 0 ? "input" : names[i - 1];
    ASSERT_TRUE(g_ours[i].defined()) << what;
    EXPECT_LT(MaxDiff(g_ours[i], g_ref[i]), 1e-5 * (1 + g_ref[i].abs().max().item<double>())) << what;
    EXPECT_GT(g_ref[i].abs().max().item<double>(), 1e-3) << what << ": a vanishing gradient tests nothing";
  }
}

TEST(FusedGru, OutputsAndEveryGradientMatchTorchBatchFirst) { ExpectSameAsTorch(true, 3); }
TEST(FusedGru, OutputsAndEveryGradientMatchTorchTimeMajor) { ExpectSameAsTorch(false, 2); }

TEST(FusedGru, InferenceWithoutGradMatchesTorch) {
  torch::manual_seed(4);
  auto gru = MakeGru(16, 32, 3, true);
  gru->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({7, 11, 16});
  auto ours = FusedGru(*gru, x);
  EXPECT_FALSE(ours.requires_grad());
  EXPECT_LT(MaxDiff(ours, std::get<0>(gru->forward(x))), 1e-5);
}

// A finite-difference gradient check of the hand-written backward in double: every element of the
// input and of each parameter, central differences of L = sum(y * w).
TEST(FusedGru, BackwardPassesAFiniteDifferenceCheckInDouble) {
  torch::manual_seed(5);
  const int64_t steps = 4, batch = 2, in = 3, hidden = 2;
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  std::vector<torch::Tensor> args = {torch::randn({steps, batch, in}, opts), torch::randn({3 * hidden, in}, opts),
                                     torch::randn({3 * hidden, hidden}, opts), torch::randn({3 * hidden}, opts),
                                     torch::randn({3 * hidden}, opts)};
  for (auto& a : args) a.requires_grad_(true);
  const auto w = torch::randn({steps, batch, hidden}, opts);
  auto loss = [&] { return (FusedGruLayer(args[0], args[1], args[2], args[3], args[4]) * w).sum(); };
  const auto analytic = torch::autograd::grad({loss()}, args);
  torch::NoGradGuard no_grad;
  const double eps = 1e-6;
  for (size_t k = 0; k < args.size(); ++k) {
    auto flat = args[k].view({-1});
    auto grad = analytic[k].reshape({-1});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double v = flat[i].item<double>();
      flat[i] = v + eps;
      const double up = loss().item<double>();
      flat[i] = v - eps;
      const double down = loss().item<double>();
      flat[i] = v;
      EXPECT_NEAR(grad[i].item<double>(), (up - down) / (2 * eps), 1e-7) << "argument " << k << " element " << i;
    }
  }
}

TEST(FusedGru, RefusesWhatItDoesNotCompute) {
  auto x = torch::randn({2, 3, 4});
  EXPECT_FALSE(FusedGruApplies(*torch::nn::GRU(torch::nn::GRUOptions(4, 5).bidirectional(true)), x));
  EXPECT_FALSE(FusedGruApplies(*torch::nn::GRU(torch::nn::GRUOptions(4, 5).bias(false)), x));
  torch::nn::GRU dropout(torch::nn::GRUOptions(4, 5).num_layers(2).dropout(0.5));
  dropout->train();
  EXPECT_FALSE(FusedGruApplies(*dropout, x));
  dropout->eval();
  EXPECT_TRUE(FusedGruApplies(*dropout, x));
  EXPECT_FALSE(FusedGruApplies(*torch::nn::GRU(torch::nn::GRUOptions(4, 5)), torch::randn({3, 4})));
  EXPECT_FALSE(FusedGruApplies(*torch::nn::GRU(torch::nn::GRUOptions(4, 5)), x.to(torch::kHalf)));
}

// RawNet2 trained through either GRU: the same log-probabilities and the same parameter gradients.
TEST(FusedGru, RawNet2GradientsAreTheSameWithEitherGru) {
  ASSERT_TRUE(FusedGruEnabled());  // the default
  ModelConfig c = LoadConfig(testing::SourceDir() + "/conf/rawnet2.yaml").model;
  c.nb_samp = 8000;
  c.gru_node = 24;
  c.nb_fc_node = 16;
  torch::manual_seed(6);
  RawNet2 reference(c), fused(c);
  LoadStateDict(*fused, StateDictOf(*reference), "test");
  reference->train();
  fused->train();
  auto x = torch::randn({3, 8000}) * 0.1;
  auto b = fused(x);
  SetFusedGruEnabled(false);
  auto a = reference(x);
  SetFusedGruEnabled(true);
  EXPECT_TRUE(GraphHas(b, "GruLayerFunction"));
  EXPECT_FALSE(GraphHas(a, "GruLayerFunction"));
  EXPECT_LT(MaxDiff(a, b), 1e-5);
  a.select(1, 1).sum().backward();
  b.select(1, 1).sum().backward();
  auto ref_params = reference->named_parameters();
  for (const auto& p : fused->named_parameters()) {
    const auto& g_ref = ref_params[p.key()].grad();
    ASSERT_EQ(p.value().grad().defined(), g_ref.defined()) << p.key();
    if (!g_ref.defined()) continue;
    EXPECT_LT(MaxDiff(p.value().grad(), g_ref), 1e-5 * (1 + g_ref.abs().max().item<double>())) << p.key();
  }
}

}  // namespace
}  // namespace antispoof::model
