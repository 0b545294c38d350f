// The training loss of the recipe, shared by the trainer and the benchmark.
#pragma once

#include <torch/torch.h>

#include "antispoof/config/config.h"

namespace antispoof::optim {

// Weighted cross-entropy as the reference's nn.CrossEntropyLoss(weight=[spoof, bona fide]) on the
// log-probabilities [B, 2]: sum_i w[y_i] * -logp_i[y_i] / sum_i w[y_i]. Labels: 1 = bona fide.
torch::Tensor WeightedCrossEntropy(const torch::Tensor& log_probs, const torch::Tensor& labels,
                                   const torch::Tensor& class_weights);

// The recipe's class_weights as a float tensor [2] on `device`.
torch::Tensor ClassWeights(const TrainConfig& recipe, const torch::Device& device);

}  // namespace antispoof::optim
