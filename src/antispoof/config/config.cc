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

const std::map<std::string, Architecture> kArchitecture = {
    {"RawNet2", Architecture::kRawNet2}, {"RawNet", Architecture::kRawNet2}, {"AASIST", Architecture::kAasist}};

// Keys every architecture has.
void ReadCommonModelKeys(MapReader& r, ModelConfig& m) {
  r.Read("nb_samp", m.nb_samp);
  r.Read("first_conv", m.first_conv);
  r.Read("in_channels", m.in_channels);
  r.Read("nb_classes", m.nb_classes);
  r.Read("sample_rate", m.sample_rate);
  r.ReadEnum("sinc_impl", m.sinc_impl, kSincImpl);
}

void ReadRawNet2Keys(MapReader& r, ModelConfig& m) {
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
  r.ReadEnum("preactivation", m.preactivation, kPreactivation);
  r.ReadEnum("attention", m.attention, kAttention);
  r.Read("se_reduction", m.se_reduction);
  r.ReadEnum("se_pooling", m.se_pooling, kSePooling);
}

void ReadAasistKeys(MapReader& r, ModelConfig& m) {
  AasistConfig& a = m.aasist;
  if (r.Has("filts")) {
    YAML::Node f = r.Node("filts");
    if (!f.IsSequence() || f.size() != 5)
      Fail(r.Where("filts") + "expected [sinc_channels, [1, a], [a, b], [b, c], [c, c]]");
    a.sinc_channels = r.Convert<int>(f[0], "filts[0]");
    for (size_t i = 0; i < 4; ++i)
      a.filts[i] = r.ConvertArray<int, 2>(f[i + 1], "filts[" + std::to_string(i + 1) + "]");
  }
  r.ReadArray("gat_dims", a.gat_dims);
  r.ReadArray("pool_ratios", a.pool_ratios);
  r.ReadArray("temperatures", a.temperatures);
  r.Read("freq_aug", a.freq_aug);
}

using BadKey = std::function<void(const std::string& key, const std::string& msg)>;

// The time axis after the front end's pool of 3 and `pools` more pools of 3 must keep a step.
void ValidateTimeSteps(const ModelConfig& m, int pools, const BadKey& bad) {
  long len = (m.nb_samp - m.SincTaps() + 1) / 3;
  for (int i = 0; i < pools; ++i) len /= 3;
  if (len < 1) bad("nb_samp", "too short: no time step is left after the residual blocks");
}

void ValidateRawNet2(const ModelConfig& m, const BadKey& bad) {
  if (m.sinc_channels < 1) bad("filts", "the sinc channel count must be positive");
  if (m.group1[0] != m.sinc_channels)
    bad("filts", "filts[1][0] must equal filts[0] (" + std::to_string(m.sinc_channels) + ")");
  if (m.group1[1] < 1 || m.group2[0] < 1 || m.group2[1] < 1) bad("filts", "channel counts must be positive");
  if (m.group2[0] != m.group1[1]) bad("filts", "filts[2][0] must equal filts[1][1]");
  if (m.blocks[0] < 1 || m.blocks[1] < 1) bad("blocks", "each group needs at least one block");
  if (m.nb_fc_node < 1) bad("nb_fc_node", "must be positive");
  if (m.gru_node < 1) bad("gru_node", "must be positive");
  if (m.nb_gru_layer < 1) bad("nb_gru_layer", "must be positive");
  if (m.se_reduction < 1) bad("se_reduction", "must be at least 1");
  ValidateTimeSteps(m, m.blocks[0] + m.blocks[1], bad);
}

void ValidateAasist(const ModelConfig& m, const BadKey& bad) {
  const AasistConfig& a = m.aasist;
  if (a.sinc_channels < 3) bad("filts", "filts[0] (sinc channels) must be at least 3: one spectral node after the 3 x 3 pool");
  for (const auto& f : a.filts)
    if (f[0] < 1 || f[1] < 1) bad("filts", "channel counts must be positive");
  if (a.filts[0][0] != 1) bad("filts", "filts[1][0] must be 1 (the encoder reads one feature map)");
  for (int i = 1; i < 4; ++i)
    if (a.filts[i][0] != a.filts[i - 1][1])
      bad("filts", Format("filts[%d][0] must equal filts[%d][1]", i + 1, i));
  if (a.filts[3][0] != a.filts[3][1]) bad("filts", "filts[4] is used by three blocks in a row: its two counts must be equal");
  if (a.gat_dims[0] < 1 || a.gat_dims[1] < 1) bad("gat_dims", "must be positive");
  for (double r : a.pool_ratios)
    if (!(r > 0 && r <= 1)) bad("pool_ratios", "each ratio must be in (0, 1]");
  for (double t : a.temperatures)
    if (!(t > 0)) bad("temperatures", "must be positive");
  ValidateTimeSteps(m, 6, bad);
}

std::string IntPair(const std::array<int, 2>& a) {
  return "[" + std::to_string(a[0]) + ", " + std::to_string(a[1]) + "]";
}

template <size_t N>
std::string Numbers(const std::array<double, N>& values) {
  std::string out = "[";
  for (size_t i = 0; i < N; ++i) out += (i ? ", " : "") + ShortestDouble(values[i]);
  return out + "]";
}

void WriteRawNet2Keys(std::ostream& o, const ModelConfig& m) {
  o << "  filts: [" << m.sinc_channels << ", " << IntPair(m.group1) << ", " << IntPair(m.group2) << ", "
    << IntPair(m.group3) << "]\n"
    << "  blocks: " << IntPair(m.blocks) << "\n"
    << "  nb_fc_node: " << m.nb_fc_node << "\n"
    << "  gru_node: " << m.gru_node << "\n"
    << "  nb_gru_layer: " << m.nb_gru_layer << "\n";
}

void WriteRawNet2Options(std::ostream& o, const ModelConfig& m) {
  o << "  preactivation: " << ToString(m.preactivation) << "\n"
    << "  attention: " << ToString(m.attention) << "\n"
    << "  se_reduction: " << m.se_reduction << "\n"
    << "  se_pooling: " << ToString(m.se_pooling) << "\n";
}

void WriteAasistKeys(std::ostream& o, const ModelConfig& m) {
  const AasistConfig& a = m.aasist;
  o << "  filts: [" << a.sinc_channels;
  for (const auto& f : a.filts) o << ", " << IntPair(f);
  o << "]\n"
    << "  gat_dims: " << IntPair(a.gat_dims) << "\n"
    << "  pool_ratios: " << Numbers(a.pool_ratios) << "\n"
    << "  temperatures: " << Numbers(a.temperatures) << "\n";
}

void WriteAasistOptions(std::ostream& o, const ModelConfig& m) {
  o << "  freq_aug: " << (m.aasist.freq_aug ? "true" : "false") << "\n";
}

// What each architecture owns: its keys' reader, validator and writer (reference keys, then
// antispoof's options).
struct ArchitectureKeys {
  void (*read)(MapReader&, ModelConfig&);
  void (*validate)(const ModelConfig&, const BadKey&);
  void (*write_reference_keys)(std::ostream&, const ModelConfig&);
  void (*write_options)(std::ostream&, const ModelConfig&);
};

const ArchitectureKeys& KeysOf(Architecture a) {
  static const ArchitectureKeys rawnet2{ReadRawNet2Keys, ValidateRawNet2, WriteRawNet2Keys, WriteRawNet2Options};
  static const ArchitectureKeys aasist{ReadAasistKeys, ValidateAasist, WriteAasistKeys, WriteAasistOptions};
  return a == Architecture::kAasist ? aasist : rawnet2;
}

void ReadModel(MapReader& r, ModelConfig& m) {
  if (r.Has("architecture")) {
    const std::string name = r.Convert<std::string>(r.Node("architecture"), "architecture");
    auto it = kArchitecture.find(name);
    if (it == kArchitecture.end())
      Fail(r.Where("architecture") + "unknown architecture '" + name + "' (known: " + ArchitectureNames() + ")");
    if (it->second != m.architecture) m = ModelConfig::Defaults(it->second);
  }
  ReadCommonModelKeys(r, m);
  KeysOf(m.architecture).read(r, m);
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
  r.Read("lr_min", t.lr_min);
  r.Read("grad_accum", t.grad_accum);
}

void ParseAasistLayout(MapReader& top, Config& c) {
  {
    MapReader m(top.Node("model_config"), "model_config", c.source);
    ReadModel(m, c.model);
    m.RejectUnknown();
  }
  if (top.Has("freq_aug")) {
    // Top-level in AASIST's layout ("True"/"False"); a model option here.
    const bool freq_aug = top.Convert<bool>(top.Node("freq_aug"), "freq_aug");
    if (freq_aug && c.model.architecture != Architecture::kAasist)
      Fail(top.Where("freq_aug") + "frequency masking is an AASIST option");
    c.model.aasist.freq_aug = freq_aug;
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
    if (scheduler == "cosine") {
      c.train.lr_schedule = "aasist_cosine";
    } else if (scheduler != "none" && scheduler != "None") {
      Fail(o.Where("scheduler") + "'" + scheduler + "' is not supported (expected cosine or none)");
    }
    o.Read("lr_min", c.train.lr_min);
    o.RejectUnknown();
  }
  // AASIST run-management keys that have antispoof command-line equivalents.
  for (const char* k : {"database_path", "asv_score_path", "model_path", "track", "eval_all_best",
                        "eval_output", "cudnn_deterministic_toggle", "cudnn_benchmark_toggle"})
    top.Ignore(k);
  ReadTrain(top, c.train);
}

}  // namespace

ModelConfig ModelConfig::Defaults(Architecture architecture) {
  ModelConfig m;
  m.architecture = architecture;
  if (architecture == Architecture::kAasist) m.first_conv = 128;
  return m;
}

void ModelConfig::Validate(const std::string& source) const {
  const BadKey bad = [&](const std::string& key, const std::string& msg) {
    Fail(source + ": model." + key + ": " + msg);
  };
  if (nb_samp < SincTaps()) bad("nb_samp", "must be at least the sinc length " + std::to_string(SincTaps()));
  if (first_conv < 1) bad("first_conv", "must be positive");
  if (in_channels != 1) bad("in_channels", "only mono input (1) is supported");
  if (nb_classes != 2) bad("nb_classes", "must be 2 (spoof, bona fide), got " + std::to_string(nb_classes));
  if (sample_rate <= 0) bad("sample_rate", "must be positive");
  KeysOf(architecture).validate(*this, bad);
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
  if (loss != "WCE" && loss != "weighted_CCE" && loss != "CE" && loss != "CCE")
    bad("loss", "expected WCE (weighted cross-entropy, the reference), CCE (AASIST's name for it) or CE");
  if (class_weights[0] <= 0 || class_weights[1] <= 0) bad("class_weights", "must be positive");
  if (log_every < 1) bad("log_every", "must be positive");
  if (num_workers < 0) bad("num_workers", "must not be negative");
  if (threads < 0) bad("threads", "must not be negative");
  if (device != "cpu" && !StartsWith(device, "cuda")) bad("device", "expected cpu or cuda[:N]");
  if (max_train_items < 0) bad("max_train_items", "must not be negative");
  if (lr_schedule != "constant" && lr_schedule != "cosine" && lr_schedule != "aasist_cosine")
    bad("lr_schedule", "expected constant (the reference), cosine or aasist_cosine, not '" + lr_schedule + "'");
  if (warmup_steps < 0) bad("warmup_steps", "must not be negative");
  if (lr_schedule == "aasist_cosine" && warmup_steps > 0)
    bad("warmup_steps", "aasist_cosine has no warm-up (AASIST's schedule); use cosine for one");
  if (lr_min < 0 || !(lr_min <= lr)) bad("lr_min", "must be in [0, lr]");
  if (grad_accum < 1) bad("grad_accum", "must be at least 1");
  if (batch_size % grad_accum != 0) bad("grad_accum", "must divide batch_size");
}

double TrainConfig::LearningRate(int64_t step, int64_t total_steps) const {
  if (lr_schedule == "aasist_cosine") {
    const double done = static_cast<double>(std::min(step, total_steps) - 1) / static_cast<double>(total_steps);
    return lr_min + (lr - lr_min) * 0.5 * (1.0 + std::cos(M_PI * done));
  }
  if (step <= warmup_steps) return lr * static_cast<double>(step) / warmup_steps;
  if (lr_schedule == "constant" || total_steps <= warmup_steps) return lr;
  const double done = static_cast<double>(std::min(step, total_steps) - warmup_steps) /
                      static_cast<double>(total_steps - warmup_steps);
  return lr_min + (lr - lr_min) * 0.5 * (1.0 + std::cos(M_PI * done));
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

std::string ToString(Architecture v) { return v == Architecture::kAasist ? "AASIST" : "RawNet2"; }
std::string ArchitectureNames() { return "RawNet2, AASIST"; }
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
  const ArchitectureKeys& keys = KeysOf(m.architecture);
  o << "model:\n"
    << "  architecture: " << ToString(m.architecture) << "\n"
    << "  nb_samp: " << m.nb_samp << "\n"
    << "  first_conv: " << m.first_conv << "\n"
    << "  in_channels: " << m.in_channels << "\n";
  keys.write_reference_keys(o, m);
  o << "  nb_classes: " << m.nb_classes << "\n"
    << "  sample_rate: " << m.sample_rate << "\n"
    << "  sinc_impl: " << ToString(m.sinc_impl) << "\n";
  keys.write_options(o, m);
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
    << "lr_min: " << t.lr_min << "\n"
    << "grad_accum: " << t.grad_accum << "\n";
  return o.str();
}

}  // namespace antispoof
