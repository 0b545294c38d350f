// Adam exactly as torch.optim.Adam (single-tensor path, amsgrad off) with coupled L2 weight decay
// (grad += weight_decay * param), and a state that saves to and loads from a state_dict.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/pth/pth.h"

namespace antispoof::optim {

struct AdamOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  // The recipe's optimizer settings (lr, betas, eps, weight_decay).
  static AdamOptions FromRecipe(const TrainConfig& recipe);
};

class Adam {
 public:
  // `params` are (name, tensor) pairs; names key the saved state.
  Adam(std::vector<std::pair<std::string, torch::Tensor>> params, AdamOptions options);
  // Parameters whose .grad is undefined are skipped (as torch.optim does).
  void Step();
  void ZeroGrad();
  int64_t steps() const { return steps_; }
  void set_lr(double lr) { options_.lr = lr; }
  // "<name>.exp_avg", "<name>.exp_avg_sq", "<name>.step" (int64 scalar) per parameter with state.
  pth::StateDict State() const;
  // Error naming the key when the state does not fit these parameters.
  void LoadState(const pth::StateDict& state, const std::string& source);

 private:
  struct Slot {
    std::string name;
    torch::Tensor param, exp_avg, exp_avg_sq;
    int64_t step = 0;
  };
  std::vector<Slot> slots_;
  AdamOptions options_;
  int64_t steps_ = 0;
};

}  // namespace antispoof::optim
