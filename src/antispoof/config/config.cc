#include "antispoof/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"

namespace antispoof {
namespace {

// Reads typed values from a YAML mapping and remembers which keys were used, so that any
// key left over is reported as unknown with its full path.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string prefix, std::string source)
      : node_(node), prefix_(std::move(prefix)), source_(std::move(source)) {
    if (!node_.IsMap()) Fail(Where("") + "expected a mapping");
    std::set<std::string> seen;
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar()) Fail(Where("") + "a key is a " + Kind(kv.first) + ", expected a name");
      if (!seen.insert(kv.first.Scalar()).second)
        Fail(source_ + ": duplicate config key '" + Path(kv.first.Scalar()) + "'");
    }
  }

  bool Has(const std::string& key) const { return static_cast<bool>(node_[key]); }
  YAML::Node Node(const std::string& key) {
    used_.insert(key);
    return node_[key];
  }
  std::string Where(const std::string& key) const {
    return source_ + ": " + (key.empty() ? (prefix_.empty() ? "top level" : prefix_) : Path(key)) +
           ": ";
  }
  std::string Path(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }

  template <typename T>
  void Read(const std::string& key, T& out) {
    if (!Has(key)) return;
    out = Convert<T>(Node(key), key);
  }

  template <typename T>
  T Convert(const YAML::Node& v, const std::string& key) const {
    if (!v.IsScalar()) Fail(Where(key) + "expected " + TypeName<T>() + ", got a " + Kind(v));
    const std::string s = v.Scalar();
    if constexpr (std::is_same_v<T, bool>) {
      std::string low = ToLower(s);
      if (low == "true" || low == "1" || low == "yes") return true;
      if (low == "false" || low == "0" || low == "no") return false;
      Fail(Where(key) + "expected true or false, got '" + s + "'");
    } else if constexpr (std::is_integral_v<T>) {
      auto i = ParseInt(s);
      if (!i) Fail(Where(key) + "expected an integer, got '" + s + "'");
      if (*i < static_cast<long long>(std::numeric_limits<T>::min()) ||
          *i > static_cast<long long>(std::numeric_limits<T>::max()))
        Fail(Where(key) + "integer " + s + " is out of range");
      return static_cast<T>(*i);
    } else if constexpr (std::is_floating_point_v<T>) {
      auto d = ParseDouble(s);
      if (!d || !std::isfinite(*d)) Fail(Where(key) + "expected a number, got '" + s + "'");
      return static_cast<T>(*d);
    } else {
      return s;
    }
  }

  template <typename T, size_t N>
  void ReadArray(const std::string& key, std::array<T, N>& out) {
    if (!Has(key)) return;
    out = ConvertArray<T, N>(Node(key), key);
  }

  template <typename T, size_t N>
  std::array<T, N> ConvertArray(const YAML::Node& v, const std::string& key) const {
    if (!v.IsSequence() || v.size() != N)
      Fail(Where(key) + "expected a list of " + std::to_string(N) + " values");
    std::array<T, N> out{};
    for (size_t i = 0; i < N; ++i) out[i] = Convert<T>(v[i], key + "[" + std::to_string(i) + "]");
    return out;
  }

  template <typename E>
  void ReadEnum(const std::string& key, E& out, const std::map<std::string, E>& names) {
    if (!Has(key)) return;
    std::string s = Convert<std::string>(Node(key), key);
    auto it = names.find(s);
    if (it == names.end()) {
      std::string allowed;
      for (auto& [n, _] : names) allowed += (allowed.empty() ? "" : "|") + n;
      Fail(Where(key) + "unknown value '" + s + "' (expected " + allowed + ")");
    }
    out = it->second;
  }

  void Ignore(const std::string& key) { used_.insert(key); }

  // Error naming every key that no reader asked for.
  void RejectUnknown() const {
    for (const auto& kv : node_) {
      const std::string& key = kv.first.Scalar();
      if (!used_.count(key)) Fail(source_ + ": unknown config key '" + Path(key) + "'");
    }
  }

 private:
  template <typename T>
  static std::string TypeName() {
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    if constexpr (std::is_integral_v<T>) return "an integer";
    if constexpr (std::is_floating_point_v<T>) return "a number";
    return "a string";
  }
  static std::string Kind(const YAML::Node& v) {
    if (v.IsSequence()) return "list";
    if (v.IsMap()) return "mapping";
    if (v.IsNull()) return "null";
    return "scalar";
  }

  YAML::Node node_;
  std::string prefix_, source_;
  std::set<std::string> used_;
};

const std::map<std::string, SincImpl> kSincImpl = {{"direct", SincImpl::kDirect},
                                                   {"fft", SincImpl::kFft}};
const std::map<std::string, Preactivation> kPreactivation = {
    {"reference", Preactivation::kReference}, {"fixed", Preactivation::kFixed}};
const std::map<std::string, Attention> kAttention = {{"none", Attention::kNone},
                                                     {"se", Attention::kSe}};
const std::map<std::string, SePooling> kSePooling = {{"avg", SePooling::kAvg},
                                                     {"avgmax", SePooling::kAvgMax}};

template <typename E>
std::string NameOf(const std::map<std::string, E>& names, E v) {
  for (auto& [n, e] : names)
    if (e == v) return n;
  return "?";
}

void ReadModel(MapReader& r, ModelConfig& m) {
  r.Read("nb_samp", m.nb_samp);
  r.Read("first_conv", m.first_conv);
  r.Read("in_channels", m.in_channels);
  if (r.Has("filts")) {
    YAML::Node f = r.Node("filts");
    if (!f.IsSequence() || f.size() != 4)
      Fail(r.Where("filts") + "expected [sinc_channels, [a, b], [c, d], [e, f]]");
    m.sinc_channels = r.Convert<int>(f[0], "filts[0]");
    m.group1 = r.ConvertArray<int, 2>(f[1], "filts[1]");
    m.group2 = r.ConvertArray<int, 2>(f[2], "filts[2]");
    m.group3 = r.ConvertArray<int, 2>(f[3], "filts[3]");
  }
  r.ReadArray("blocks", m.blocks);
  r.Read("nb_fc_node", m.nb_fc_node);
  r.Read("gru_node", m.gru_node);
  r.Read("nb_gru_layer", m.nb_gru_layer);
  r.Read("nb_classes", m.nb_classes);
  r.Read("sample_rate", m.sample_rate);
  r.ReadEnum("sinc_impl", m.sinc_impl, kSincImpl);
  r.ReadEnum("preactivation", m.preactivation, kPreactivation);
  r.ReadEnum("attention", m.attention, kAttention);
  r.Read("se_reduction", m.se_reduction);
  r.ReadEnum("se_pooling", m.se_pooling, kSePooling);
}

void ReadTrain(MapReader& r, TrainConfig& t) {
  r.Read("batch_size", t.batch_size);
  r.Read("num_epochs", t.num_epochs);
  r.Read("lr", t.lr);
  r.Read("weight_decay", t.weight_decay);
  r.ReadArray("betas", t.betas);
  r.Read("eps", t.eps);
  r.Read("optimizer", t.optimizer);
  r.Read("amsgrad", t.amsgrad);
  r.Read("loss", t.loss);
  r.ReadArray("class_weights", t.class_weights);
  r.Read("seed", t.seed);
  r.Read("log_every", t.log_every);
  r.Read("num_workers", t.num_workers);
  r.Read("threads", t.threads);
  r.Read("device", t.device);
  r.Read("cache_front_end", t.cache_front_end);
  r.Read("max_train_items", t.max_train_items);
  r.Read("lr_schedule", t.lr_schedule);
  r.Read("warmup_steps", t.warmup_steps);
  r.Read("grad_accum", t.grad_accum);
}

void ParseAasistLayout(MapReader& top, Config& c) {
  {
    MapReader m(top.Node("model_config"), "model_config", c.source);
    std::string arch = "RawNet2";
    m.Read("architecture", arch);
    if (arch != "RawNet2" && arch != "RawNet")
      Fail(m.Where("architecture") + "antispoof builds RawNet2 only, not '" + arch + "'");
    ReadModel(m, c.model);
    m.RejectUnknown();
  }
  if (top.Has("optim_config")) {
    MapReader o(top.Node("optim_config"), "optim_config", c.source);
    o.Read("optimizer", c.train.optimizer);
    o.Read("amsgrad", c.train.amsgrad);
    o.Read("base_lr", c.train.lr);
    o.ReadArray("betas", c.train.betas);
    o.Read("weight_decay", c.train.weight_decay);
    std::string scheduler = "none";
    o.Read("scheduler", scheduler);
    if (scheduler != "none" && scheduler != "None")
      std::fprintf(stderr, "antispoof: %s: optim_config.scheduler '%s' ignored: RawNet2's recipe "
                   "has no schedule\n", c.source.c_str(), scheduler.c_str());
    o.Ignore("lr_min");
    o.RejectUnknown();
  }
  // AASIST run-management keys that have antispoof command-line equivalents.
  for (const char* k : {"database_path", "asv_score_path", "model_path", "track", "eval_all_best",
                        "eval_output", "cudnn_deterministic_toggle", "cudnn_benchmark_toggle",
                        "freq_aug"})
    top.Ignore(k);
  ReadTrain(top, c.train);
}

}  // namespace

void ModelConfig::Validate(const std::string& source) const {
  auto bad = [&](const std::string& key, const std::string& msg) {
    Fail(source + ": model." + key + ": " + msg);
  };
  if (nb_samp < SincTaps()) bad("nb_samp", "must be at least the sinc length " + std::to_string(SincTaps()));
  if (first_conv < 1) bad("first_conv", "must be positive");
  if (in_channels != 1) bad("in_channels", "only mono input (1) is supported");
  if (sinc_channels < 1) bad("filts", "the sinc channel count must be positive");
  if (group1[0] != sinc_channels)
    bad("filts", "filts[1][0] must equal filts[0] (" + std::to_string(sinc_channels) + ")");
  if (group1[1] < 1 || group2[0] < 1 || group2[1] < 1) bad("filts", "channel counts must be positive");
  if (group2[0] != group1[1]) bad("filts", "filts[2][0] must equal filts[1][1]");
  if (blocks[0] < 1 || blocks[1] < 1) bad("blocks", "each group needs at least one block");
  if (nb_fc_node < 1) bad("nb_fc_node", "must be positive");
  if (gru_node < 1) bad("gru_node", "must be positive");
  if (nb_gru_layer < 1) bad("nb_gru_layer", "must be positive");
  if (nb_classes != 2) bad("nb_classes", "must be 2 (spoof, bona fide), got " + std::to_string(nb_classes));
  if (sample_rate <= 0) bad("sample_rate", "must be positive");
  if (se_reduction < 1) bad("se_reduction", "must be at least 1");
  // The time axis after the front end and 2+4 pools of 3 must keep at least one step.
  long len = (nb_samp - SincTaps() + 1) / 3;
  for (int i = 0; i < blocks[0] + blocks[1]; ++i) len /= 3;
  if (len < 1) bad("nb_samp", "too short: no time step is left after the residual blocks");
}

void TrainConfig::Validate(const std::string& source) const {
  auto bad = [&](const std::string& key, const std::string& msg) {
    Fail(source + ": " + key + ": " + msg);
  };
  if (batch_size < 1) bad("batch_size", "must be positive");
  if (num_epochs < 1) bad("num_epochs", "must be positive");
  if (!(lr > 0)) bad("lr", "must be positive");
  if (weight_decay < 0) bad("weight_decay", "must not be negative");
  if (ToLower(optimizer) != "adam") bad("optimizer", "only Adam (the reference) is supported");
  if (loss != "WCE" && loss != "weighted_CCE" && loss != "CE")
    bad("loss", "expected WCE (weighted cross-entropy, the reference) or CE");
  if (class_weights[0] <= 0 || class_weights[1] <= 0) bad("class_weights", "must be positive");
  if (log_every < 1) bad("log_every", "must be positive");
  if (num_workers < 0) bad("num_workers", "must not be negative");
  if (threads < 0) bad("threads", "must not be negative");
  if (device != "cpu" && !StartsWith(device, "cuda")) bad("device", "expected cpu or cuda[:N]");
  if (max_train_items < 0) bad("max_train_items", "must not be negative");
  if (lr_schedule != "constant" && lr_schedule != "cosine")
    bad("lr_schedule", "expected constant (the reference) or cosine, not '" + lr_schedule + "'");
  if (warmup_steps < 0) bad("warmup_steps", "must not be negative");
  if (grad_accum < 1) bad("grad_accum", "must be at least 1");
  if (batch_size % grad_accum != 0) bad("grad_accum", "must divide batch_size");
}

double TrainConfig::LearningRate(int64_t step, int64_t total_steps) const {
  if (step <= warmup_steps) return lr * static_cast<double>(step) / warmup_steps;
  if (lr_schedule == "constant" || total_steps <= warmup_steps) return lr;
  const double done = static_cast<double>(std::min(step, total_steps) - warmup_steps) /
                      static_cast<double>(total_steps - warmup_steps);
  return lr * 0.5 * (1.0 + std::cos(M_PI * done));
}

Config ParseConfig(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Fail(source + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML/JSON: " + e.msg);
  }
  Config c;
  c.source = source;
  if (root.IsNull()) Fail(source + ": empty config");
  try {
    MapReader top(root, "", source);
    if (top.Has("model_config")) {
      ParseAasistLayout(top, c);
    } else {
      if (top.Has("model")) {
        MapReader m(top.Node("model"), "model", source);
        ReadModel(m, c.model);
        m.RejectUnknown();
      }
      ReadTrain(top, c.train);
    }
    top.RejectUnknown();
  } catch (const YAML::Exception& e) {
    Fail(source + ":" + std::to_string(e.mark.line + 1) + ": unexpected YAML structure: " + e.msg);
  }
  c.model.Validate(source);
  c.train.Validate(source);
  return c;
}

Config LoadConfig(const std::string& path) { return ParseConfig(ReadFile(path), path); }

void ApplyOverride(Config& config, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    Fail("override '" + assignment + "': expected KEY=VALUE, e.g. model.nb_samp=32000");
  std::string key = Trim(assignment.substr(0, eq));
  std::string value = Trim(assignment.substr(eq + 1));
  // Re-parse through the same readers: emit the current config, set the key, parse again.
  YAML::Node root = YAML::Load(ToYaml(config));
  YAML::Node parsed_value;
  try {
    parsed_value = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    Fail("override '" + assignment + "': the value is not valid YAML: " + e.msg);
  }
  if (StartsWith(key, "model.")) {
    std::string sub = key.substr(6);
    if (!root["model"][sub]) Fail("override '" + assignment + "': unknown config key '" + key + "'");
    root["model"][sub] = parsed_value;
  } else {
    if (!root[key]) Fail("override '" + assignment + "': unknown config key '" + key + "'");
    root[key] = parsed_value;
  }
  YAML::Emitter out;
  out << root;
  std::string source = config.source.empty() ? "override" : config.source;
  Config updated = ParseConfig(out.c_str(), source + " (with " + assignment + ")");
  updated.source = config.source;
  config = updated;
}

std::string ToString(SincImpl v) { return NameOf(kSincImpl, v); }
std::string ToString(Preactivation v) { return NameOf(kPreactivation, v); }
std::string ToString(Attention v) { return NameOf(kAttention, v); }
std::string ToString(SePooling v) { return NameOf(kSePooling, v); }

std::string ToYaml(const Config& c) {
  const ModelConfig& m = c.model;
  const TrainConfig& t = c.train;
  std::ostringstream o;
  o.imbue(std::locale::classic());
  o.precision(17);
  auto pair = [](const std::array<int, 2>& a) {
    return "[" + std::to_string(a[0]) + ", " + std::to_string(a[1]) + "]";
  };
  o << "model:\n"
    << "  nb_samp: " << m.nb_samp << "\n"
    << "  first_conv: " << m.first_conv << "\n"
    << "  in_channels: " << m.in_channels << "\n"
    << "  filts: [" << m.sinc_channels << ", " << pair(m.group1) << ", " << pair(m.group2) << ", "
    << pair(m.group3) << "]\n"
    << "  blocks: " << pair(m.blocks) << "\n"
    << "  nb_fc_node: " << m.nb_fc_node << "\n"
    << "  gru_node: " << m.gru_node << "\n"
    << "  nb_gru_layer: " << m.nb_gru_layer << "\n"
    << "  nb_classes: " << m.nb_classes << "\n"
    << "  sample_rate: " << m.sample_rate << "\n"
    << "  sinc_impl: " << ToString(m.sinc_impl) << "\n"
    << "  preactivation: " << ToString(m.preactivation) << "\n"
    << "  attention: " << ToString(m.attention) << "\n"
    << "  se_reduction: " << m.se_reduction << "\n"
    << "  se_pooling: " << ToString(m.se_pooling) << "\n";
  o << "batch_size: " << t.batch_size << "\n"
    << "num_epochs: " << t.num_epochs << "\n"
    << "lr: " << t.lr << "\n"
    << "weight_decay: " << t.weight_decay << "\n"
    << "betas: [" << t.betas[0] << ", " << t.betas[1] << "]\n"
    << "eps: " << t.eps << "\n"
    << "optimizer: " << t.optimizer << "\n"
    << "amsgrad: " << (t.amsgrad ? "true" : "false") << "\n"
    << "loss: " << t.loss << "\n"
    << "class_weights: [" << t.class_weights[0] << ", " << t.class_weights[1] << "]\n"
    << "seed: " << t.seed << "\n"
    << "log_every: " << t.log_every << "\n"
    << "num_workers: " << t.num_workers << "\n"
    << "threads: " << t.threads << "\n"
    << "device: " << t.device << "\n"
    << "cache_front_end: " << (t.cache_front_end ? "true" : "false") << "\n"
    << "max_train_items: " << t.max_train_items << "\n"
    << "lr_schedule: " << t.lr_schedule << "\n"
    << "warmup_steps: " << t.warmup_steps << "\n"
    << "grad_accum: " << t.grad_accum << "\n";
  return o.str();
}

}  // namespace antispoof
