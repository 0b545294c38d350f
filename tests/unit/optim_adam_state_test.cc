// Adam's saved state: a round trip resumes the same trajectory, and a state that would poison the next
// step (NaN/Inf moments, negative second moments, step counts out of range) is refused naming the entry.
#include <gtest/gtest.h>

#include <string>

#include "antispoof/common/error.h"
#include "antispoof/optim/adam.h"

namespace antispoof::optim {
namespace {

struct Problem {
  torch::Tensor w = torch::zeros({3, 2}).requires_grad_(true);
  Adam adam{{{"w", w}}, AdamOptions{1e-2, 0.9, 0.999, 1e-8, 0.0}};
  void Step(float target) {
    adam.ZeroGrad();
    (w - target).pow(2).sum().backward();
    adam.Step();
  }
};

pth::StateDict Replace(pth::StateDict state, const std::string& key, torch::Tensor value) {
  for (auto& [k, v] : state)
    if (k == key) v = value;
  return state;
}

std::string LoadError(const pth::StateDict& state) {
  Problem p;
  try {
    p.adam.LoadState(state, "ckpt.pth");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AdamState, RoundTripResumesTheSameSteps) {
  Problem a, b;
  for (int i = 0; i < 3; ++i) a.Step(1.0f);
  {
    torch::NoGradGuard no_grad;
    b.w.copy_(a.w);
  }
  b.adam.LoadState(a.adam.State(), "ckpt.pth");
  EXPECT_EQ(b.adam.steps(), 3);
  a.Step(1.0f);
  b.Step(1.0f);
  EXPECT_TRUE(torch::equal(a.w, b.w));
}

TEST(AdamState, NonFiniteOrImpossibleStateIsRefusedNamingTheEntry) {
  Problem p;
  p.Step(1.0f);
  p.Step(1.0f);
  const pth::StateDict good = p.adam.State();
  ASSERT_EQ(LoadError(good), "");

  torch::Tensor nan_avg = torch::zeros({3, 2});
  nan_avg[1][0] = std::nanf("");
  std::string e = LoadError(Replace(good, "optimizer.w.exp_avg", nan_avg));
  EXPECT_NE(e.find("ckpt.pth"), std::string::npos) << e;
  EXPECT_NE(e.find("tensor 'optimizer.w.exp_avg' [3,2] holds 1 non-finite value (element 2 is NaN)"),
            std::string::npos) << e;

  e = LoadError(Replace(good, "optimizer.w.exp_avg_sq", torch::full({3, 2}, INFINITY)));
  EXPECT_NE(e.find("'optimizer.w.exp_avg_sq' [3,2] holds 6 non-finite values (element 0 is +infinity)"),
            std::string::npos) << e;

  e = LoadError(Replace(good, "optimizer.w.exp_avg_sq", torch::full({3, 2}, -1.0f)));
  EXPECT_NE(e.find("optimizer.w.exp_avg_sq holds negative values"), std::string::npos) << e;

  e = LoadError(Replace(good, "optimizer.w.step", torch::tensor(int64_t{5})));
  EXPECT_NE(e.find("optimizer.w.step is 5; expected 0 to optimizer.steps (2)"), std::string::npos) << e;

  e = LoadError(Replace(good, "optimizer.steps", torch::tensor(int64_t{-1})));
  EXPECT_NE(e.find("optimizer.steps is -1; expected >= 0"), std::string::npos) << e;
}

}  // namespace
}  // namespace antispoof::optim
