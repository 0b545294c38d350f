#include "antispoof/optim/loss.h"

namespace antispoof::optim {

torch::Tensor WeightedCrossEntropy(const torch::Tensor& log_probs, const torch::Tensor& labels,
                                   const torch::Tensor& class_weights) {
  return torch::nll_loss(log_probs, labels, class_weights);
}

torch::Tensor ClassWeights(const TrainConfig& recipe, const torch::Device& device) {
  return torch::tensor({recipe.class_weights[0], recipe.class_weights[1]}, torch::kFloat32).to(device);
}

}  // namespace antispoof::optim
