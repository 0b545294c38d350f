#include "antispoof/train/inference.h"

#include "antispoof/common/error.h"
#include "antispoof/common/progress.h"

namespace antispoof::train {

torch::Tensor WeightedCrossEntropy(const torch::Tensor& log_probs, const torch::Tensor& labels,
                                   const torch::Tensor& class_weights) {
  return torch::nll_loss(log_probs, labels, class_weights);
}

ScoringResult ScoreWithLoader(model::RawNet2& model, data::BatchLoader& loader,
                              const torch::Device& device, const std::string& label,
                              const std::array<double, 2>& class_weights) {
  torch::NoGradGuard no_grad;
  model->eval();
  ScoringResult result;
  result.items.reserve(loader.items().size());
  double loss_sum = 0, weight_sum = 0;
  ProgressBar bar(label, static_cast<int64_t>(loader.EpochOrder(0).size()), "utt");
  loader.StartEpoch(0);
  while (auto batch = loader.Next()) {
    torch::Tensor out = model->forward(batch->audio.to(device)).to(torch::kCPU, torch::kFloat64);
    auto a = out.accessor<double, 2>();
    auto labels = batch->labels.accessor<int64_t, 1>();
    for (int64_t i = 0; i < out.size(0); ++i) {
      ScoredItem item;
      item.utt = batch->utts[i];
      item.attack = batch->attacks[i];
      item.label = labels[i];
      item.score = a[i][1];
      item.spoof_log_prob = a[i][0];
      item.predicted_bonafide = a[i][1] > a[i][0];
      if (item.label == 0 || item.label == 1) {
        double w = class_weights[item.label];
        loss_sum += -w * a[i][item.label];
        weight_sum += w;
      }
      result.items.push_back(std::move(item));
    }
    bar.Add(out.size(0));
  }
  bar.Finish();
  if (weight_sum > 0) result.weighted_loss = loss_sum / weight_sum;
  return result;
}

std::vector<metrics::ScoreRecord> ToScoreRecords(const std::vector<ScoredItem>& items) {
  std::vector<metrics::ScoreRecord> records;
  records.reserve(items.size());
  for (const auto& it : items) {
    metrics::ScoreRecord r;
    r.utterance = it.utt;
    r.attack = it.attack.empty() ? "-" : it.attack;
    r.key = it.label == 1 ? metrics::TrialKey::kBonafide
                          : it.label == 0 ? metrics::TrialKey::kSpoof : metrics::TrialKey::kUnknown;
    r.score = it.score;
    records.push_back(std::move(r));
  }
  return records;
}

double Accuracy(const std::vector<ScoredItem>& items) {
  int64_t n = 0, correct = 0;
  for (const auto& it : items) {
    if (it.label != 0 && it.label != 1) continue;
    ++n;
    correct += (it.predicted_bonafide == (it.label == 1));
  }
  return n ? static_cast<double>(correct) / n : std::nan("");
}

}  // namespace antispoof::train
