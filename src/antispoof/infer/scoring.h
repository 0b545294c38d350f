// Scoring audio with a countermeasure: the loop shared by dev evaluation, `eval` and `score`, and
// the loading of a model for inference. This library links neither the optimizer nor c10d/Gloo: a
// program that only scores needs model, data and metrics alone.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/config/config.h"
#include "antispoof/data/loader.h"
#include "antispoof/metrics/score_file.h"
#include "antispoof/model/countermeasure.h"

namespace antispoof::infer {

struct ScoredItem {
  std::string utt;
  std::string attack;
  TrialKey label = TrialKey::kUnknown;
  double score = 0;    // the bona fide output (model::CountermeasureImpl::ScoreMeaning): higher = more bona fide
  double spoof_output = 0;                // the other output
  std::array<double, 2> log_probs = {0, 0};  // log P(spoof), log P(bona fide)
  bool predicted_bonafide = false;        // argmax of the two outputs
};

struct ScoringResult {
  std::vector<ScoredItem> items;  // in loader order
  // Class-weighted cross-entropy over every labelled item (the training loss); NaN when none.
  double weighted_loss = std::nan("");
};

// One scored item from a row of outputs and log-probabilities.
ScoredItem MakeScoredItem(const data::Item& item, double spoof_output, double bonafide_output,
                          const std::array<double, 2>& log_probs);

// Class-weighted cross-entropy over the labelled items, sum_i w[y_i] * -log p_i[y_i] / sum_i w[y_i]
// (the training loss); NaN when none is labelled.
double WeightedLoss(const std::vector<ScoredItem>& items, const std::array<double, 2>& class_weights);

// Error "SOURCE: the model's OUTPUT is nan ..." when `value` is NaN or infinite: a non-finite
// score is never a result (it would print as nan, or null in JSON, and decide "spoof"). `source`
// names the input (the audio file; a window of a stream), `output` the value ("bona fide output").
void CheckFiniteOutput(double value, const std::string& source, const std::string& output);

// Runs the model in eval mode over one epoch of the loader (a progress bar named `label` on
// stderr). The model must already be on `device`. Every output is checked (CheckFiniteOutput, naming
// the file) before it becomes a result.
ScoringResult ScoreWithLoader(model::CountermeasureImpl& model, data::BatchLoader& loader,
                              const torch::Device& device, const std::string& label,
                              const std::array<double, 2>& class_weights = {0.1, 0.9});

// Items with known labels -> 4-column score records.
std::vector<metrics::ScoreRecord> ToScoreRecords(const std::vector<ScoredItem>& items);

// Fraction of labelled items whose argmax class equals the label.
double Accuracy(const std::vector<ScoredItem>& items);

// The config's model with the weights of `checkpoint` (any .pth with its reference keys), on `device`,
// computing in `precision` (model::CountermeasureImpl::SetPrecision).
// Error naming the checkpoint and the tensor when a weight is not finite (model::LoadStateDict).
model::Countermeasure LoadModel(const ModelConfig& config, const std::string& checkpoint,
                                const torch::Device& device, Precision precision = Precision::kFp32);

struct ScoreOptions {
  std::vector<data::Item> items;  // labels may be unknown
  audio::DecodeOptions decode;    // mixdown/resample; the rate is always the model's (sample_rate)
  int batch_size = 32;
  int num_workers = 2;
};
// Scores the items in order with the model (on the device of its parameters), each cut or tiled
// to the model's nb_samp by the reference length rule.
std::vector<ScoredItem> ScoreItems(model::CountermeasureImpl& model, const ScoreOptions& options);

// Items for `score`: each FILE, or every .flac/.wav/.ogg in a folder (sorted); UTT = file name
// without extension. Error for a missing path or an empty folder.
std::vector<data::Item> ItemsFromPaths(const std::vector<std::string>& paths);

}  // namespace antispoof::infer
