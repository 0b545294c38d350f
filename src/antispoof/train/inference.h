// Scoring a dataset with a model: the loop shared by dev evaluation, `eval` and `score`.
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>
#include <vector>

#include "antispoof/data/loader.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/model/rawnet2.h"

namespace antispoof::train {

struct ScoredItem {
  std::string utt;
  std::string attack;
  int64_t label = -1;  // 1 bona fide, 0 spoof, -1 unknown
  double score = 0;    // log P(bona fide): higher = more bona fide
  double spoof_log_prob = 0;  // log P(spoof), the other output
  bool predicted_bonafide = false;  // argmax of the two outputs
};

struct ScoringResult {
  std::vector<ScoredItem> items;  // in loader order
  // Class-weighted cross-entropy over every labelled item (the training loss); NaN when none.
  double weighted_loss = std::nan("");
};

// Runs the model in eval mode over one epoch of the loader (a progress bar named `label` on
// stderr). The model must already be on `device`.
ScoringResult ScoreWithLoader(model::RawNet2& model, data::BatchLoader& loader,
                              const torch::Device& device, const std::string& label,
                              const std::array<double, 2>& class_weights = {0.1, 0.9});

// Weighted cross-entropy as the reference's nn.CrossEntropyLoss(weight=[spoof, bona fide]) on the
// log-probabilities: sum_i w[y_i] * -logp_i[y_i] / sum_i w[y_i].
torch::Tensor WeightedCrossEntropy(const torch::Tensor& log_probs, const torch::Tensor& labels,
                                   const torch::Tensor& class_weights);

// Items with known labels -> 4-column score records.
std::vector<metrics::ScoreRecord> ToScoreRecords(const std::vector<ScoredItem>& items);

// Fraction of labelled items whose argmax class equals the label.
double Accuracy(const std::vector<ScoredItem>& items);

}  // namespace antispoof::train
