// The run configuration: the model's keys (nested under `model:`; each architecture has its own
// reference keys) plus training keys. Each key is declared once (config/keys.cc: name, field, range,
// help); reading, validation, writing, overrides, equality, diffs and the help text come from that
// declaration. An unknown or mistyped key is an Error naming the file and the key path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "antispoof/augment/augment_config.h"

namespace antispoof {

enum class SincImpl { kDirect, kFft };
enum class Preactivation { kReference, kFixed };
enum class Attention { kNone, kSe };
enum class SePooling { kAvg, kAvgMax };
// The countermeasure architectures (`model.architecture`; AASIST's `model_config.architecture`).
enum class Architecture { kRawNet2, kAasist };
// The learning-rate schedule (`lr_schedule`), see TrainConfig::LearningRate.
enum class LrSchedule { kConstant, kCosine, kAasistCosine };
// The arithmetic of the model's convolutions, linear layers and matrix products (model/precision.h).
// int8: dynamic quantization of RawNet2's GRU for scoring only (model/quantized.h).
enum class Precision { kFp32, kBf16, kInt8 };

// AASIST's own keys (clovaai/aasist model_config). The encoder is one block of filts[1], one of
// filts[2], one of filts[3] and three of filts[4]; pool_ratios[3] and temperatures[3] are read and
// written for the schema but unused, as in the reference.
struct AasistConfig {
  int sinc_channels = 70;  // filts[0]
  std::array<std::array<int, 2>, 4> filts = {{{1, 32}, {32, 32}, {32, 64}, {64, 64}}};
  std::array<int, 2> gat_dims = {64, 32};
  std::array<double, 4> pool_ratios = {0.5, 0.7, 0.5, 0.5};
  std::array<double, 4> temperatures = {2.0, 2.0, 100.0, 100.0};
  // Random frequency masking in training (AASIST's `freq_aug`): zero up to 19 adjacent sinc channels.
  bool freq_aug = false;
  // Spectral nodes of the graph: the sinc channels after the 3 x 3 max-pool.
  int SpectralNodes() const { return sinc_channels / 3; }
};

struct ModelConfig {
  Architecture architecture = Architecture::kRawNet2;
  // Keys every architecture has: the input length, the sinc length, the sample rate.
  int nb_samp = 64600;
  int first_conv = 1024;  // an even value gets +1 tap, as both references do (AASIST: 128)
  int in_channels = 1;
  int nb_classes = 2;
  int sample_rate = 16000;
  SincImpl sinc_impl = SincImpl::kFft;  // exact to 1e-5 vs direct, 2-3x faster
  // RawNet2's keys (ASVspoof 2021 LA baseline, model_config_RawNet.yaml).
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
  // RawNet2's antispoof keys.
  Preactivation preactivation = Preactivation::kReference;
  Attention attention = Attention::kNone;
  int se_reduction = 8;
  SePooling se_pooling = SePooling::kAvg;
  // AASIST's keys (used when architecture is kAasist).
  AasistConfig aasist;

  // The defaults of an architecture (AASIST: its published config).
  static ModelConfig Defaults(Architecture architecture);
  int SincTaps() const { return first_conv % 2 == 0 ? first_conv + 1 : first_conv; }
  // Throws Error("<source>: model.<key>: ...") for a value out of range.
  void Validate(const std::string& source) const;
};

struct TrainConfig {
  // The ASVspoof 2021 LA baseline's recipe (RawNet2's defaults).
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
  // fp32: exact to the reference. bf16: convolutions, linear layers, the GRU's and attention's matrix
  // products in bfloat16 (float32 accumulation), everything else in float32 (model/precision.h).
  // int8 (scoring only): RawNet2's GRU with int8 weights and activations (model/quantized.h).
  Precision precision = Precision::kFp32;
  bool cache_front_end = false;
  int max_train_items = 0;  // 0 = all (for quick runs)
  // On-the-fly augmentation of the training utterances (augment/augment_config.h); none by default.
  augment::AugmentConfig augment;
  // Learning-rate schedule per optimizer step (the reference: constant lr, no warm-up):
  // linear warm-up from lr/warmup_steps to lr over warmup_steps steps, then constant or a cosine
  // decay to 0 at the last step of num_epochs.
  // aasist_cosine is AASIST's LambdaLR cosine annealing: step k uses
  // lr_min + (lr - lr_min) (1 + cos(pi (k - 1) / total_steps)) / 2 (no warm-up).
  LrSchedule lr_schedule = LrSchedule::kConstant;
  int warmup_steps = 0;
  double lr_min = 0;  // the floor of both cosine schedules
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
// Overrides one key, e.g. "model.nb_samp=32000" or "lr=0.001" (the value in YAML; the same
// validation as the file). Only that key changes (`model.architecture` resets the model keys to the
// new architecture's defaults, as in a file).
void ApplyOverride(Config& config, const std::string& assignment);
// Sets one key from a typed value (a command-line flag `origin` such as "--epochs"), validated like
// the key in a file; errors name the flag and the key. The value's type must be the key's.
void SetKey(Config& config, const std::string& key, long value, const std::string& origin);
void SetKey(Config& config, const std::string& key, double value, const std::string& origin);
void SetKey(Config& config, const std::string& key, const std::string& value, const std::string& origin);
// The resolved config as YAML in the antispoof layout (reference key names).
std::string ToYaml(const Config& config);

// A key whose value differs between two configs (values in YAML flow form; "(absent)" for a key
// the other architecture does not have).
struct KeyChange {
  std::string key;  // "model.nb_samp", "lr"
  std::string before, after;
};
// Every key whose value differs, in the order of ToYaml.
std::vector<KeyChange> DiffConfigs(const Config& before, const Config& after);
// The same keys with the same values (the source file is not compared).
bool operator==(const Config& a, const Config& b);
inline bool operator!=(const Config& a, const Config& b) { return !(a == b); }

// One key for the help text: its path, type, default, allowed values and meaning.
struct KeyDescription {
  std::string key, type, default_value, range, help;
  std::string architecture;  // "" when every architecture has the key
};
std::vector<KeyDescription> DescribeKeys();
// The keys as a Markdown table (docs/config.md holds it) or as aligned text.
std::string FormatKeyTable(bool markdown);

std::string ToString(Architecture v);
// "RawNet2, AASIST": the names `model.architecture` accepts.
std::string ArchitectureNames();
std::string ToString(SincImpl v);
std::string ToString(Preactivation v);
std::string ToString(Attention v);
std::string ToString(SePooling v);
std::string ToString(LrSchedule v);
std::string ToString(Precision v);

}  // namespace antispoof
