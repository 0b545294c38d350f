// Every config key, declared once: its name, its field (which gives its type and, through the
// struct's initialiser or ModelConfig::Defaults, its default), its allowed range and its help.
#include <cmath>
#include <string>

#include "antispoof/common/strings.h"
#include "antispoof/config/key_table.h"

namespace antispoof {
namespace config_keys {
namespace {

const EnumNames<Architecture> kArchitectures = {
    {"RawNet2", Architecture::kRawNet2}, {"AASIST", Architecture::kAasist}, {"RawNet", Architecture::kRawNet2}};
const EnumNames<SincImpl> kSincImpl = {{"direct", SincImpl::kDirect}, {"fft", SincImpl::kFft}};
const EnumNames<Preactivation> kPreactivation = {{"reference", Preactivation::kReference},
                                                 {"fixed", Preactivation::kFixed}};
const EnumNames<Attention> kAttention = {{"none", Attention::kNone}, {"se", Attention::kSe}};
const EnumNames<SePooling> kSePooling = {{"avg", SePooling::kAvg}, {"avgmax", SePooling::kAvgMax}};
const EnumNames<Precision> kPrecision = {{"fp32", Precision::kFp32}, {"bf16", Precision::kBf16}, {"int8", Precision::kInt8}};
const EnumNames<LrSchedule> kLrSchedule = {
    {"constant", LrSchedule::kConstant}, {"cosine", LrSchedule::kCosine}, {"aasist_cosine", LrSchedule::kAasistCosine}};

Codec<augment::AugmentConfig> AugmentCodec() {
  Codec<augment::AugmentConfig> c;
  c.type = "none or a mapping";
  c.read = augment::ReadAugmentConfig;
  c.write = augment::WriteAugmentConfig;
  return c;
}

template <typename T>
Range<T> Anything() {
  return {};
}
template <typename T>
Range<T> Positive() {
  return {"> 0", [](const T& v) { return v > 0 ? std::string() : "must be positive"; }};
}
template <typename T>
Range<T> NonNegative() {
  return {">= 0", [](const T& v) { return v >= 0 ? std::string() : "must not be negative"; }};
}
template <typename T>
Range<T> AtLeast(T min) {
  const std::string text = std::to_string(min);
  return {">= " + text, [min, text](const T& v) { return v >= min ? std::string() : "must be at least " + text; }};
}
// Every element of a list within `element`.
template <typename T, size_t N>
Range<std::array<T, N>> Each(const Range<T>& element, const std::string& message) {
  return {"each " + element.text, [element, message](const std::array<T, N>& values) {
            for (const T& v : values)
              if (!element.error(v).empty()) return message;
            return std::string();
          }};
}

// filts: the sinc front end's channel count, then N [c_in, c_out] pairs of the encoder's groups.
template <size_t N>
struct SincFilts {
  int sinc_channels = 0;
  std::array<std::array<int, 2>, N> groups{};
};

template <size_t N>
Codec<SincFilts<N>> SincFiltsCodec() {
  const Codec<int> channels = DefaultCodec<int>();
  const Codec<std::array<int, 2>> pair = DefaultCodec<std::array<int, 2>>();
  Codec<SincFilts<N>> c;
  c.type = "[integer, then " + std::to_string(N) + " [c_in, c_out] pairs]";
  c.read = [channels, pair](const YAML::Node& v, const std::string& where) {
    if (!v.IsSequence() || v.size() != N + 1)
      Fail(where + "expected [sinc_channels, then " + std::to_string(N) + " [c_in, c_out] pairs]");
    const std::string stem = where.substr(0, where.size() - 2);
    SincFilts<N> f;
    f.sinc_channels = channels.read(v[0], stem + "[0]: ");
    for (size_t i = 0; i < N; ++i) f.groups[i] = pair.read(v[i + 1], stem + "[" + std::to_string(i + 1) + "]: ");
    return f;
  };
  c.write = [pair](const SincFilts<N>& f) {
    std::string out = "[" + std::to_string(f.sinc_channels);
    for (const auto& g : f.groups) out += ", " + pair.write(g);
    return out + "]";
  };
  return c;
}

std::string CheckRawNet2Filts(const SincFilts<3>& f) {
  const auto& g = f.groups;
  if (f.sinc_channels < 1) return "the sinc channel count must be positive";
  if (g[0][0] != f.sinc_channels) return "filts[1][0] must equal filts[0] (" + std::to_string(f.sinc_channels) + ")";
  if (g[0][1] < 1 || g[1][0] < 1 || g[1][1] < 1) return "channel counts must be positive";
  if (g[1][0] != g[0][1]) return "filts[2][0] must equal filts[1][1]";
  return "";
}

std::string CheckAasistFilts(const SincFilts<4>& f) {
  const auto& g = f.groups;
  if (f.sinc_channels < 3) return "filts[0] (sinc channels) must be at least 3: one spectral node after the 3 x 3 pool";
  for (const auto& pair : g)
    if (pair[0] < 1 || pair[1] < 1) return "channel counts must be positive";
  if (g[0][0] != 1) return "filts[1][0] must be 1 (the encoder reads one feature map)";
  for (int i = 1; i < 4; ++i)
    if (g[i][0] != g[i - 1][1]) return Format("filts[%d][0] must equal filts[%d][1]", i + 1, i);
  if (g[3][0] != g[3][1]) return "filts[4] is used by three blocks in a row: its two counts must be equal";
  return "";
}

// The time axis after the front end's pool of 3 and `pools` more pools of 3 must keep a step.
std::string CheckTimeSteps(const ModelConfig& m, int pools) {
  long len = (m.nb_samp - m.SincTaps() + 1) / 3;
  for (int i = 0; i < pools; ++i) len /= 3;
  return len < 1 ? "too short: no time step is left after the residual blocks" : "";
}

template <typename T>
void AddAasist(KeyTable<ModelConfig>& t, std::string name, T AasistConfig::*field, Range<T> range,
               std::string help) {
  t.AddAccessor<T>(
      std::move(name), [field](const ModelConfig& m) { return m.aasist.*field; },
      [field](ModelConfig& m, const T& v) { m.aasist.*field = v; }, DefaultCodec<T>(), std::move(range),
      std::move(help), Architecture::kAasist);
}

Codec<Architecture> ArchitectureCodec() {
  Codec<Architecture> c = EnumCodec(kArchitectures);
  c.type = "RawNet2|AASIST";
  c.read = [](const YAML::Node& v, const std::string& where) {
    const std::string s = ReadString(v, where);
    for (const auto& [name, value] : kArchitectures)
      if (name == s) return value;
    Fail(where + "unknown architecture '" + s + "' (known: " + ArchitectureNames() + ")");
  };
  return c;
}

void DeclareCommonModelKeys(KeyTable<ModelConfig>& t) {
  t.AddAccessor<Architecture>(
      "architecture", [](const ModelConfig& m) { return m.architecture; },
      [](ModelConfig& m, const Architecture& a) {
        if (a != m.architecture) m = ModelConfig::Defaults(a);  // another architecture: its own defaults
      },
      ArchitectureCodec(), {}, "The countermeasure; its own keys follow it (the others are unknown to it)");
  t.Add("nb_samp", &ModelConfig::nb_samp, Positive<int>(),
        "Input length in samples: longer utterances are cut, shorter ones tiled (the reference rule)");
  t.Add("first_conv", &ModelConfig::first_conv, Positive<int>(),
        "Sinc filter length in taps; an even value gets one more tap, as in both references");
  t.Add("in_channels", &ModelConfig::in_channels,
        Range<int>{"1", [](const int& v) { return v == 1 ? std::string() : "only mono input (1) is supported"; }},
        "Input channels (mono)");
}

void DeclareRawNet2Keys(KeyTable<ModelConfig>& t) {
  const auto r = Architecture::kRawNet2;
  t.AddAccessor<SincFilts<3>>(
      "filts",
      [](const ModelConfig& m) {
        return SincFilts<3>{m.sinc_channels, {m.group1, m.group2, m.group3}};
      },
      [](ModelConfig& m, const SincFilts<3>& f) {
        m.sinc_channels = f.sinc_channels;
        m.group1 = f.groups[0];
        m.group2 = f.groups[1];
        m.group3 = f.groups[2];
      },
      SincFiltsCodec<3>(),
      {"filts[1][0] = filts[0], filts[2][0] = filts[1][1], all > 0", CheckRawNet2Filts},
      "Sinc channels, the two residual groups' [c_in, c_out], and a pair the network does not use", r);
  t.Add("blocks", &ModelConfig::blocks, Each<int, 2>(AtLeast(1), "each group needs at least one block"),
        "Residual blocks in each group", r);
  t.Add("nb_fc_node", &ModelConfig::nb_fc_node, Positive<int>(), "Width of the fully connected layer", r);
  t.Add("gru_node", &ModelConfig::gru_node, Positive<int>(), "GRU hidden size", r);
  t.Add("nb_gru_layer", &ModelConfig::nb_gru_layer, Positive<int>(), "GRU layers", r);
}

void DeclareAasistKeys(KeyTable<ModelConfig>& t) {
  t.AddAccessor<SincFilts<4>>(
      "filts", [](const ModelConfig& m) { return SincFilts<4>{m.aasist.sinc_channels, m.aasist.filts}; },
      [](ModelConfig& m, const SincFilts<4>& f) {
        m.aasist.sinc_channels = f.sinc_channels;
        m.aasist.filts = f.groups;
      },
      SincFiltsCodec<4>(), {"filts[1][0] = 1, each group's c_in = the previous c_out, filts[4] square", CheckAasistFilts},
      "Sinc channels (>= 3), then the encoder's [c_in, c_out] pairs: one block each of the first three, three of the last",
      Architecture::kAasist);
  AddAasist(t, "gat_dims", &AasistConfig::gat_dims, Each<int, 2>(Positive<int>(), "must be positive"),
            "Graph attention widths of the first and the heterogeneous layers");
  AddAasist(t, "pool_ratios", &AasistConfig::pool_ratios,
            Range<std::array<double, 4>>{"each in (0, 1]",
                                         [](const std::array<double, 4>& v) {
                                           for (double r : v)
                                             if (!(r > 0 && r <= 1)) return std::string("each ratio must be in (0, 1]");
                                           return std::string();
                                         }},
            "Graph pooling ratios (the fourth is unused, as in the reference)");
  AddAasist(t, "temperatures", &AasistConfig::temperatures,
            Each<double, 4>(Positive<double>(), "must be positive"),
            "Graph attention temperatures (the fourth is unused, as in the reference)");
}

void DeclareModelOptions(KeyTable<ModelConfig>& t) {
  t.Add("nb_classes", &ModelConfig::nb_classes,
        Range<int>{"2", [](const int& v) {
                     return v == 2 ? std::string() : "must be 2 (spoof, bona fide), got " + std::to_string(v);
                   }},
        "Output classes: [spoof, bona fide]");
  t.Add("sample_rate", &ModelConfig::sample_rate, Positive<int>(),
        "Sample rate in Hz the model is trained for; audio at another rate is an error");
  t.AddEnum("sinc_impl", &ModelConfig::sinc_impl, kSincImpl,
            "How the sinc convolution is computed: fft (exact to 1e-5, faster) or direct");
  const auto r = Architecture::kRawNet2;
  t.AddEnum("preactivation", &ModelConfig::preactivation,
            kPreactivation,
            "The reference's residual pre-activation, or the fixed one", r);
  t.AddEnum("attention", &ModelConfig::attention, kAttention,
            "Channel-wise attention in each residual block: none (the baseline) or se", r);
  t.Add("se_reduction", &ModelConfig::se_reduction, AtLeast(1), "Squeeze-excitation reduction ratio", r);
  t.AddEnum("se_pooling", &ModelConfig::se_pooling, kSePooling,
            "Squeeze-excitation pooling: average, or average and maximum", r);
  AddAasist(t, "freq_aug", &AasistConfig::freq_aug, Anything<bool>(),
            "Random frequency masking in training: zero up to 19 adjacent sinc channels");
}

void RelateModelKeys(KeyTable<ModelConfig>& t) {
  t.Relate("nb_samp", ">= the sinc length", [](const ModelConfig& m) {
    return m.nb_samp < m.SincTaps() ? "must be at least the sinc length " + std::to_string(m.SincTaps()) : "";
  });
  t.Relate("nb_samp", "leaves a time step after the residual blocks",
           [](const ModelConfig& m) { return CheckTimeSteps(m, m.blocks[0] + m.blocks[1]); }, Architecture::kRawNet2);
  t.Relate("nb_samp", "leaves a time step after the encoder",
           [](const ModelConfig& m) { return CheckTimeSteps(m, 6); }, Architecture::kAasist);
}

void DeclareRecipeKeys(KeyTable<TrainConfig>& t) {
  t.Add("batch_size", &TrainConfig::batch_size, Positive<int>(),
        "Utterances per optimizer step, over all ranks and micro-batches");
  t.Add("num_epochs", &TrainConfig::num_epochs, Positive<int>(), "Training epochs");
  t.Add("lr", &TrainConfig::lr, Positive<double>(), "Learning rate (the schedule's peak)");
  t.Add("weight_decay", &TrainConfig::weight_decay, NonNegative<double>(),
        "L2 penalty added to the gradient (torch.optim.Adam's, not AdamW's)");
  t.Add("betas", &TrainConfig::betas, Anything<std::array<double, 2>>(), "Adam's betas");
  t.Add("eps", &TrainConfig::eps, Anything<double>(), "Adam's epsilon");
  t.Add("optimizer", &TrainConfig::optimizer,
        Range<std::string>{"Adam", [](const std::string& v) {
                             return ToLower(v) == "adam" ? std::string() : "only Adam (the reference) is supported";
                           }},
        "The optimizer (any spelling of Adam)");
  t.Add("amsgrad", &TrainConfig::amsgrad, Anything<bool>(),
        "Read for the reference configs' sake; their optimizer ignores it, and so does antispoof");
  t.Add("loss", &TrainConfig::loss,
        Range<std::string>{"WCE|weighted_CCE|CCE|CE",
                           [](const std::string& v) {
                             return v == "WCE" || v == "weighted_CCE" || v == "CE" || v == "CCE"
                                        ? std::string()
                                        : "expected WCE (weighted cross-entropy, the reference), CCE (AASIST's "
                                          "name for it) or CE";
                           }},
        "Weighted cross-entropy under any of its reference names (CE: the same with class_weights)");
  t.Add("class_weights", &TrainConfig::class_weights, Each<double, 2>(Positive<double>(), "must be positive"),
        "Loss weights [spoof, bona fide]");
  t.Add("seed", &TrainConfig::seed, NonNegative<long>(), "Fixes initialisation, data order and augmentation");
}

void DeclareRunKeys(KeyTable<TrainConfig>& t) {
  t.Add("log_every", &TrainConfig::log_every, Positive<int>(), "Optimizer steps between iteration log rows");
  t.Add("num_workers", &TrainConfig::num_workers, NonNegative<int>(),
        "Audio loader threads (more than this machine's cores: lowered to its cores)");
  t.Add("threads", &TrainConfig::threads, NonNegative<int>(),
        "Intra-op threads; 0 = all cores (more: lowered to the cores, with a message)");
  t.Add("device", &TrainConfig::device,
        Range<std::string>{"cpu|cuda[:N]", [](const std::string& v) {
                             return v == "cpu" || StartsWith(v, "cuda") ? std::string() : "expected cpu or cuda[:N]";
                           }},
        "Where to train and score");
  t.AddEnum("precision", &TrainConfig::precision, kPrecision,
            "fp32 (exact to the reference) or bf16: convolutions, linear layers and matrix products in "
            "bfloat16 for training and scoring (needs a GPU or a CPU with AVX512-BF16 or AMX), or int8 for scoring "
            "only: RawNet2's GRU with int8 weights and activations (CPU)");
  t.Add("cache_front_end", &TrainConfig::cache_front_end, Anything<bool>(),
        "Compute the fixed front end once per utterance and train on the cache (same results, faster)");
  t.Add("max_train_items", &TrainConfig::max_train_items, NonNegative<int>(),
        "Train on a seeded subset of this many utterances; 0 = all");
  t.Add("augment", &TrainConfig::augment,
        Range<augment::AugmentConfig>{"none, or any of the transforms augment.* below",
                                      [](const augment::AugmentConfig& a) { return augment::CheckAugmentConfig(a); }},
        "On-the-fly augmentation of the training utterances in the loader threads (never dev or eval), "
        "seeded by seed; each transform listed is applied with its probability p",
        std::nullopt, AugmentCodec());
  t.AddEnum("lr_schedule", &TrainConfig::lr_schedule,
            kLrSchedule,
            "Per-step schedule: constant (the RawNet2 reference), cosine after warm-up, or AASIST's cosine");
  t.Add("warmup_steps", &TrainConfig::warmup_steps, NonNegative<int>(), "Linear warm-up steps before the schedule");
  t.Add("lr_min", &TrainConfig::lr_min, NonNegative<double>(), "The floor of both cosine schedules");
  t.Add("grad_accum", &TrainConfig::grad_accum, AtLeast(1), "Micro-batches per optimizer step and rank");
}

void RelateTrainKeys(KeyTable<TrainConfig>& t) {
  t.Relate("warmup_steps", "0 with aasist_cosine", [](const TrainConfig& c) {
    return c.lr_schedule == LrSchedule::kAasistCosine && c.warmup_steps > 0
               ? "aasist_cosine has no warm-up (AASIST's schedule); use cosine for one"
               : "";
  });
  t.Relate("lr_min", "<= lr", [](const TrainConfig& c) { return c.lr_min <= c.lr ? "" : "must be in [0, lr]"; });
  t.Relate("augment", "none with cache_front_end: true", [](const TrainConfig& c) {
    return c.augment.Enabled() && c.cache_front_end
               ? "cannot be combined with cache_front_end: true (the cache holds each utterance's front end "
                 "computed once, so augmented audio would never reach the model); set cache_front_end: false"
               : "";
  });
  t.Relate("grad_accum", "divides batch_size",
           [](const TrainConfig& c) { return c.batch_size % c.grad_accum == 0 ? "" : "must divide batch_size"; });
}

}  // namespace

// Model keys in the order they are written: the common ones, each architecture's reference keys,
// then the options.
const KeyTable<ModelConfig>& ModelKeys() {
  static const KeyTable<ModelConfig> table = [] {
    KeyTable<ModelConfig> t;
    DeclareCommonModelKeys(t);
    DeclareRawNet2Keys(t);
    DeclareAasistKeys(t);
    DeclareModelOptions(t);
    RelateModelKeys(t);
    return t;
  }();
  return table;
}

const KeyTable<TrainConfig>& TrainKeys() {
  static const KeyTable<TrainConfig> table = [] {
    KeyTable<TrainConfig> t;
    DeclareRecipeKeys(t);
    DeclareRunKeys(t);
    RelateTrainKeys(t);
    return t;
  }();
  return table;
}

}  // namespace config_keys

using config_keys::NameOf;
std::string ToString(Architecture v) { return NameOf(config_keys::kArchitectures, v); }
std::string ArchitectureNames() { return "RawNet2, AASIST"; }
std::string ToString(SincImpl v) { return NameOf(config_keys::kSincImpl, v); }
std::string ToString(Preactivation v) { return NameOf(config_keys::kPreactivation, v); }
std::string ToString(Attention v) { return NameOf(config_keys::kAttention, v); }
std::string ToString(SePooling v) { return NameOf(config_keys::kSePooling, v); }
std::string ToString(LrSchedule v) { return NameOf(config_keys::kLrSchedule, v); }
std::string ToString(Precision v) { return NameOf(config_keys::kPrecision, v); }

}  // namespace antispoof
