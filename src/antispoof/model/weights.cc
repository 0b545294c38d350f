#include "antispoof/model/weights.h"

#include <cmath>
#include <map>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::model {
namespace {
std::string Shape(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}
}  // namespace

pth::StateDict StateDictOf(torch::nn::Module& model) {
  pth::StateDict out;
  for (const auto& m : model.named_modules()) {
    const std::string prefix = m.key().empty() ? "" : m.key() + ".";
    for (const auto& p : m.value()->named_parameters(false))
      out.emplace_back(prefix + p.key(), p.value().detach().to(torch::kCPU));
    for (const auto& b : m.value()->named_buffers(false))
      out.emplace_back(prefix + b.key(), b.value().detach().to(torch::kCPU));
  }
  return out;
}

void LoadStateDict(torch::nn::Module& model, const pth::StateDict& state, const std::string& source) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : model.named_parameters()) targets[p.key()] = p.value();
  for (const auto& b : model.named_buffers()) targets[b.key()] = b.value();

  std::vector<std::string> missing, unexpected, mis_shaped;
  std::map<std::string, const torch::Tensor*> given;
  for (const auto& [name, tensor] : state) {
    // Checkpoints saved from nn.DataParallel prefix every key with "module.".
    std::string key = name.rfind("module.", 0) == 0 && !targets.count(name) ? name.substr(7) : name;
    given[key] = &tensor;
    auto it = targets.find(key);
    if (it == targets.end()) {
      unexpected.push_back(name);
    } else if (it->second.sizes() != tensor.sizes()) {
      mis_shaped.push_back(key + " (checkpoint " + Shape(tensor) + ", model " + Shape(it->second) + ")");
    }
  }
  for (const auto& [key, _] : targets)
    if (!given.count(key)) missing.push_back(key);
  if (!missing.empty() || !unexpected.empty() || !mis_shaped.empty()) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (size_t i = 0; i < v.size() && i < 12; ++i) s += (i ? ", " : "") + v[i];
      if (v.size() > 12) s += ", ... (" + std::to_string(v.size()) + " in all)";
      return s;
    };
    std::string msg = "checkpoint does not fit this model (is it another architecture or config?)";
    if (!mis_shaped.empty()) msg += "; wrong shape: " + list(mis_shaped);
    if (!missing.empty()) msg += "; missing keys: " + list(missing);
    if (!unexpected.empty()) msg += "; unexpected keys: " + list(unexpected);
    FailAt(source, 0, msg);
  }
  // NaN/Inf weights give NaN scores for every input.
  pth::RequireFiniteTensors(state, source);
  torch::NoGradGuard no_grad;
  for (auto& [key, target] : targets) {
    const torch::Tensor& src = *given[key];
    target.copy_(src.to(target.device(), target.scalar_type()));
  }
}

void LoadWeights(torch::nn::Module& model, const std::string& path) {
  LoadStateDict(model, pth::ReadStateDict(path), path);
}

void SaveWeights(torch::nn::Module& model, const std::string& path, const std::string& metadata_json) {
  pth::Checkpoint ckpt;
  ckpt.tensors = StateDictOf(model);
  ckpt.metadata_json = metadata_json;
  pth::WriteCheckpoint(path, ckpt);
}

}  // namespace antispoof::model
