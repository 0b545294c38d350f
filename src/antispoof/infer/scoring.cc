#include "antispoof/infer/scoring.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "antispoof/common/error.h"
#include "antispoof/common/progress.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/accuracy.h"
#include "antispoof/model/runtime.h"
#include "antispoof/model/weights.h"

namespace antispoof::infer {
namespace fs = std::filesystem;

ScoredItem MakeScoredItem(const data::Item& item, double spoof_output, double bonafide_output,
                          const std::array<double, 2>& log_probs) {
  ScoredItem s;
  s.utt = item.utt;
  s.attack = item.attack;
  s.label = item.label;
  s.score = bonafide_output;
  s.spoof_output = spoof_output;
  s.log_probs = log_probs;
  s.predicted_bonafide = metrics::PredictsBonafide(spoof_output, bonafide_output);
  return s;
}

double WeightedLoss(const std::vector<ScoredItem>& items, const std::array<double, 2>& class_weights) {
  double loss_sum = 0, weight_sum = 0;
  for (const ScoredItem& item : items) {
    if (!HasKey(item.label)) continue;
    const double w = class_weights[item.label];
    loss_sum += -w * item.log_probs[item.label];
    weight_sum += w;
  }
  return weight_sum > 0 ? loss_sum / weight_sum : std::nan("");
}

void CheckFiniteOutput(double value, const std::string& source, const std::string& output) {
  if (std::isfinite(value)) return;
  FailAt(source, 0, Format("the model's %s is %s, not a score; nothing is written for it (audio far outside "
                           "[-1, 1], or weights that overflow?)", output.c_str(),
                           std::isnan(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity"));
}

ScoringResult ScoreWithLoader(model::CountermeasureImpl& model, data::BatchLoader& loader,
                              const torch::Device& device, const std::string& label,
                              const std::array<double, 2>& class_weights) {
  torch::NoGradGuard no_grad;
  model.eval();
  ScoringResult result;
  result.items.reserve(loader.items().size());
  ProgressBar bar(label, static_cast<int64_t>(loader.EpochOrder(0).size()), "utt");
  loader.StartEpoch(0);
  while (auto batch = loader.Next()) {
    torch::Tensor out = model.forward(batch->audio.to(device));
    torch::Tensor lp = model.LogProbabilities(out).to(torch::kCPU, torch::kFloat64);
    out = out.to(torch::kCPU, torch::kFloat64);
    auto a = out.accessor<double, 2>();
    auto l = lp.accessor<double, 2>();
    auto labels = batch->labels.accessor<int64_t, 1>();
    for (int64_t i = 0; i < out.size(0); ++i) {
      const std::string& path = batch->paths[i];
      CheckFiniteOutput(a[i][1], path, "bona fide output");
      CheckFiniteOutput(a[i][0], path, "spoof output");
      CheckFiniteOutput(l[i][0], path, "log-probability of spoof");
      CheckFiniteOutput(l[i][1], path, "log-probability of bona fide");
      data::Item source;
      source.utt = batch->utts[i];
      source.attack = batch->attacks[i];
      source.label = TrialKeyOfClass(labels[i]);
      result.items.push_back(MakeScoredItem(source, a[i][0], a[i][1], {l[i][0], l[i][1]}));
    }
    bar.Add(out.size(0));
  }
  bar.Finish();
  result.weighted_loss = WeightedLoss(result.items, class_weights);
  return result;
}

std::vector<metrics::ScoreRecord> ToScoreRecords(const std::vector<ScoredItem>& items) {
  std::vector<metrics::ScoreRecord> records;
  records.reserve(items.size());
  for (const auto& it : items) {
    metrics::ScoreRecord r;
    r.utterance = it.utt;
    r.attack = it.attack.empty() ? "-" : it.attack;
    r.key = it.label;
    r.score = it.score;
    records.push_back(std::move(r));
  }
  return records;
}

double Accuracy(const std::vector<ScoredItem>& items) {
  std::vector<bool> predicted_bonafide, is_bonafide;
  for (const auto& it : items) {
    if (!HasKey(it.label)) continue;  // unlabelled (a trial list)
    predicted_bonafide.push_back(it.predicted_bonafide);
    is_bonafide.push_back(it.label == TrialKey::kBonafide);
  }
  return is_bonafide.empty() ? std::nan("") : metrics::AccuracyFromDecisions(predicted_bonafide, is_bonafide);
}

model::Countermeasure LoadModel(const ModelConfig& config, const std::string& checkpoint,
                                const torch::Device& device, Precision precision) {
  model::Countermeasure net = model::CreateModel(config);
  model::LoadWeights(*net, checkpoint);
  net->to(device);
  net->SetPrecision(precision);
  return net;
}

std::vector<ScoredItem> ScoreItems(model::CountermeasureImpl& model, const ScoreOptions& o) {
  const torch::Device device = model.parameters().front().device();
  data::LoaderOptions lo;
  lo.batch_size = o.batch_size;
  lo.shuffle = false;
  lo.drop_last = false;
  lo.num_workers = o.num_workers;
  lo.nb_samp = model.config().nb_samp;
  lo.decode = o.decode;
  lo.decode.sample_rate = model.config().sample_rate;  // every file at (or resampled to) the model's rate
  data::BatchLoader loader(o.items, lo);
  return ScoreWithLoader(model, loader, device, "score").items;
}

std::vector<data::Item> ItemsFromPaths(const std::vector<std::string>& paths) {
  std::vector<data::Item> items;
  auto add = [&](const fs::path& p) {
    data::Item it;
    it.utt = p.stem().string();
    it.path = p.string();
    it.label = TrialKey::kUnknown;
    it.attack = "-";
    items.push_back(std::move(it));
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(path)) {
        std::string ext = ToLower(e.path().extension().string());
        if (e.is_regular_file() && (ext == ".flac" || ext == ".wav" || ext == ".ogg")) found.push_back(e.path());
      }
      if (found.empty()) FailAt(path, 0, "folder holds no .flac, .wav or .ogg file");
      std::sort(found.begin(), found.end());
      for (const auto& f : found) add(f);
    } else if (fs::exists(path, ec)) {
      add(path);
    } else {
      FailAt(path, 0, "no such file or folder");
    }
  }
  return items;
}

}  // namespace antispoof::infer
