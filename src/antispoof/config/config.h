// The run configuration: the reference RawNet2 YAML keys (nested under `model:`) plus training keys.
// Every key is validated; an unknown or mistyped key is an Error naming the file and the key path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace antispoof {

enum class SincImpl { kDirect, kFft };
enum class Preactivation { kReference, kFixed };
enum class Attention { kNone, kSe };
enum class SePooling { kAvg, kAvgMax };

struct ModelConfig {
  // Reference keys (ASVspoof 2021 LA baseline, model_config_RawNet.yaml).
  int nb_samp = 64600;
  int first_conv = 1024;  // an even value gets +1 tap, as the reference does
  int in_channels = 1;
  // filts: [sinc_channels, [c_in, c_out] of the first group, [c_in, c_out] of the second group,
  // [c, c] (unused by the reference network; kept for the schema)].
  int sinc_channels = 20;
  std::array<int, 2> group1 = {20, 20};
  std::array<int, 2> group2 = {20, 128};
  std::array<int, 2> group3 = {128, 128};
  std::array<int, 2> blocks = {2, 4};
  int nb_fc_node = 1024;
  int gru_node = 1024;
  int nb_gru_layer = 3;
  int nb_classes = 2;
  // antispoof keys.
  int sample_rate = 16000;
  SincImpl sinc_impl = SincImpl::kFft;  // exact to 1e-5 vs direct, 2-3x faster (issue 9)
  Preactivation preactivation = Preactivation::kReference;
  Attention attention = Attention::kNone;
  int se_reduction = 8;
  SePooling se_pooling = SePooling::kAvg;

  int SincTaps() const { return first_conv % 2 == 0 ? first_conv + 1 : first_conv; }
  // Throws Error("<source>: model.<key>: ...") for a value out of range.
  void Validate(const std::string& source) const;
};

struct TrainConfig {
  // Reference recipe (SPEC section 3).
  int batch_size = 32;
  int num_epochs = 100;
  double lr = 1e-4;
  double weight_decay = 1e-4;  // L2 added to the gradient (torch.optim.Adam), not AdamW
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  std::string optimizer = "Adam";
  bool amsgrad = false;  // the reference config carries `amsgrad: 1` but its optimizer ignores it
  std::string loss = "WCE";
  std::array<double, 2> class_weights = {0.1, 0.9};  // [spoof, bona fide]
  long seed = 1234;
  // antispoof keys.
  int log_every = 10;
  int num_workers = 2;
  int threads = 0;  // 0 = all cores
  std::string device = "cpu";
  bool cache_front_end = false;
  int max_train_items = 0;  // 0 = all (for quick runs)
  // Learning-rate schedule per optimizer step (the reference: constant lr, no warm-up):
  // linear warm-up from lr/warmup_steps to lr over warmup_steps steps, then constant or a cosine
  // decay to 0 at the last step of num_epochs.
  std::string lr_schedule = "constant";  // constant | cosine
  int warmup_steps = 0;
  // lr for optimizer step `step` (1-based) of `total_steps`.
  double LearningRate(int64_t step, int64_t total_steps) const;
  // Micro-batches per optimizer step and rank: batch_size is the whole step's batch, split over
  // world size x grad_accum micro-batches whose losses are averaged (docs/distributed.md).
  int grad_accum = 1;
  void Validate(const std::string& source) const;
};

struct Config {
  ModelConfig model;
  TrainConfig train;
  std::string source;  // the file it came from ("" for defaults)
};

// Reads the antispoof/reference YAML layout or AASIST's JSON `.conf` layout
// (`model_config: {architecture: RawNet2, ...}`, `optim_config: {...}`).
Config LoadConfig(const std::string& path);
Config ParseConfig(const std::string& text, const std::string& source);
// Overrides one key, e.g. "model.nb_samp=32000" or "lr=0.001" (same validation as the file).
void ApplyOverride(Config& config, const std::string& assignment);
// The resolved config as YAML in the antispoof layout (reference key names).
std::string ToYaml(const Config& config);

std::string ToString(SincImpl v);
std::string ToString(Preactivation v);
std::string ToString(Attention v);
std::string ToString(SePooling v);

}  // namespace antispoof
