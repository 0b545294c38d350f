#include "antispoof/optim/adam.h"

#include <cmath>
#include <map>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::optim {

AdamOptions AdamOptions::FromRecipe(const TrainConfig& recipe) {
  return {recipe.lr, recipe.betas[0], recipe.betas[1], recipe.eps, recipe.weight_decay};
}

Adam::Adam(std::vector<std::pair<std::string, torch::Tensor>> params, AdamOptions options)
    : options_(options) {
  for (auto& [name, p] : params) slots_.push_back({name, p, {}, {}, 0});
}

void Adam::ZeroGrad() {
  for (auto& s : slots_) {
    if (s.param.grad().defined()) s.param.mutable_grad() = torch::Tensor();
  }
}

void Adam::Step() {
  torch::NoGradGuard no_grad;
  const double b1 = options_.beta1, b2 = options_.beta2;
  for (auto& s : slots_) {
    if (!s.param.grad().defined()) continue;
    torch::Tensor grad = s.param.grad();
    if (options_.weight_decay != 0) grad = grad.add(s.param, options_.weight_decay);
    if (!s.exp_avg.defined()) {
      s.exp_avg = torch::zeros_like(s.param, torch::MemoryFormat::Preserve);
      s.exp_avg_sq = torch::zeros_like(s.param, torch::MemoryFormat::Preserve);
    }
    s.step += 1;
    // Same operation order as torch.optim.adam._single_tensor_adam (PyTorch 1.13).
    s.exp_avg.mul_(b1).add_(grad, 1 - b1);
    s.exp_avg_sq.mul_(b2).addcmul_(grad, grad, 1 - b2);
    const double bias_correction1 = 1 - std::pow(b1, static_cast<double>(s.step));
    const double bias_correction2 = 1 - std::pow(b2, static_cast<double>(s.step));
    const double step_size = options_.lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    torch::Tensor denom = (s.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
    s.param.addcdiv_(s.exp_avg, denom, -step_size);
  }
  ++steps_;
}

pth::StateDict Adam::State() const {
  pth::StateDict out;
  out.emplace_back("optimizer.steps", torch::tensor(steps_, torch::kInt64));
  for (const auto& s : slots_) {
    if (!s.exp_avg.defined()) continue;
    out.emplace_back("optimizer." + s.name + ".exp_avg", s.exp_avg.detach().cpu());
    out.emplace_back("optimizer." + s.name + ".exp_avg_sq", s.exp_avg_sq.detach().cpu());
    out.emplace_back("optimizer." + s.name + ".step", torch::tensor(s.step, torch::kInt64));
  }
  return out;
}

void Adam::LoadState(const pth::StateDict& state, const std::string& source) {
  std::map<std::string, torch::Tensor> by_name;
  for (const auto& [k, v] : state)
    if (k.rfind("optimizer.", 0) == 0) by_name[k] = v;
  // A NaN/Inf moment would turn every parameter it touches into NaN at the first step after a resume.
  pth::RequireFiniteTensors(pth::StateDict(by_name.begin(), by_name.end()), source);
  auto it = by_name.find("optimizer.steps");
  if (it == by_name.end()) FailAt(source, 0, "no optimizer state (optimizer.steps) to resume from");
  steps_ = it->second.item<int64_t>();
  if (steps_ < 0) FailAt(source, 0, Format("optimizer.steps is %lld; expected >= 0", static_cast<long long>(steps_)));
  size_t used = 1;
  for (auto& s : slots_) {
    auto a = by_name.find("optimizer." + s.name + ".exp_avg");
    auto b = by_name.find("optimizer." + s.name + ".exp_avg_sq");
    auto c = by_name.find("optimizer." + s.name + ".step");
    if (a == by_name.end() && b == by_name.end() && c == by_name.end()) {
      s.exp_avg = s.exp_avg_sq = torch::Tensor();
      s.step = 0;
      continue;
    }
    if (a == by_name.end() || b == by_name.end() || c == by_name.end())
      FailAt(source, 0, "incomplete optimizer state for " + s.name);
    if (a->second.sizes() != s.param.sizes() || b->second.sizes() != s.param.sizes())
      FailAt(source, 0, "optimizer state of " + s.name + " has the wrong shape");
    s.exp_avg = a->second.to(s.param.device(), s.param.scalar_type()).clone();
    s.exp_avg_sq = b->second.to(s.param.device(), s.param.scalar_type()).clone();
    s.step = c->second.item<int64_t>();
    if (s.step < 0 || s.step > steps_)
      FailAt(source, 0, Format("optimizer.%s.step is %lld; expected 0 to optimizer.steps (%lld)", s.name.c_str(),
                               static_cast<long long>(s.step), static_cast<long long>(steps_)));
    if (b->second.lt(0).any().item<bool>())
      FailAt(source, 0, "optimizer." + s.name + ".exp_avg_sq holds negative values (a second moment is >= 0)");
    used += 3;
  }
  if (used != by_name.size())
    FailAt(source, 0, "optimizer state names parameters this model does not have");
}

}  // namespace antispoof::optim
