#include "antispoof/config/config.h"
#include "antispoof/config/key_flags.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"
#include "antispoof/config/key_table.h"

namespace antispoof {
using config_keys::Key;
using config_keys::KeyTable;
using config_keys::ModelKeys;
using config_keys::TrainKeys;

namespace config_keys {

std::string YamlKind(const YAML::Node& v) {
  if (v.IsSequence()) return "list";
  if (v.IsMap()) return "mapping";
  if (v.IsNull()) return "null";
  return "scalar";
}

namespace {
void RequireScalar(const YAML::Node& v, const std::string& where, const char* expected) {
  if (!v.IsScalar()) Fail(where + "expected " + expected + ", got a " + YamlKind(v));
}
}  // namespace

bool ReadBool(const YAML::Node& v, const std::string& where) {
  RequireScalar(v, where, "true or false");
  const std::string low = ToLower(v.Scalar());
  if (low == "true" || low == "1" || low == "yes") return true;
  if (low == "false" || low == "0" || low == "no") return false;
  Fail(where + "expected true or false, got '" + v.Scalar() + "'");
}

long long ReadInteger(const YAML::Node& v, const std::string& where, long long min, long long max) {
  RequireScalar(v, where, "an integer");
  const auto i = ParseInt(v.Scalar());
  if (!i) Fail(where + "expected an integer, got '" + v.Scalar() + "'");
  if (*i < min || *i > max) Fail(where + "integer " + v.Scalar() + " is out of range");
  return *i;
}

double ReadNumber(const YAML::Node& v, const std::string& where) {
  RequireScalar(v, where, "a number");
  const auto d = ParseDouble(v.Scalar());
  if (!d || !std::isfinite(*d)) Fail(where + "expected a number, got '" + v.Scalar() + "'");
  return *d;
}

std::string ReadString(const YAML::Node& v, const std::string& where) {
  RequireScalar(v, where, "a string");
  return v.Scalar();
}

std::string WriteNumber(double v) { return ShortestDouble(v); }

std::string WriteString(const std::string& s) {
  YAML::Emitter e;
  e << s;
  return e.c_str();
}

}  // namespace config_keys

namespace {

// A YAML mapping of config keys: refuses non-scalar and duplicate keys up front, remembers which
// keys were read, and names any key left over with its full path.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string prefix, std::string source)
      : node_(node), prefix_(std::move(prefix)), source_(std::move(source)) {
    if (!node_.IsMap()) Fail(Where("") + "expected a mapping");
    std::set<std::string> seen;
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar())
        Fail(Where("") + "a key is a " + config_keys::YamlKind(kv.first) + ", expected a name");
      if (!seen.insert(kv.first.Scalar()).second)
        Fail(source_ + ": duplicate config key '" + Path(kv.first.Scalar()) + "'");
    }
  }

  bool Has(const std::string& key) const { return static_cast<bool>(node_[key]); }
  YAML::Node Take(const std::string& key) {
    used_.insert(key);
    return node_[key];
  }
  void Ignore(const std::string& key) { used_.insert(key); }
  std::string Where(const std::string& key) const {
    return source_ + ": " + (key.empty() ? (prefix_.empty() ? "top level" : prefix_) : Path(key)) + ": ";
  }
  std::string Path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  // Reads every key of `table` this mapping has into `section`, in the table's order.
  template <typename Section>
  void ReadKeys(const KeyTable<Section>& table, Section& section, Architecture architecture) {
    for (const auto& key : table.keys()) {
      if constexpr (std::is_same_v<Section, ModelConfig>) architecture = section.architecture;
      if (key->AppliesTo(architecture) && Has(key->name()))
        key->Read(Take(key->name()), section, Where(key->name()));
    }
  }

  // Error naming a key no reader asked for (and the architecture that has it, if any).
  void RejectUnknown(const std::string& owners_hint = "") const {
    for (const auto& kv : node_) {
      const std::string& key = kv.first.Scalar();
      if (!used_.count(key)) Fail(source_ + ": unknown config key '" + Path(key) + "'" + owners_hint);
    }
  }
  std::vector<std::string> Unused() const {
    std::vector<std::string> out;
    for (const auto& kv : node_)
      if (!used_.count(kv.first.Scalar())) out.push_back(kv.first.Scalar());
    return out;
  }

 private:
  YAML::Node node_;
  std::string prefix_, source_;
  std::set<std::string> used_;
};

void ReadModelSection(const YAML::Node& node, const std::string& prefix, Config& c) {
  MapReader r(node, prefix, c.source);
  r.ReadKeys(ModelKeys(), c.model, c.model.architecture);
  for (const std::string& key : r.Unused()) {
    const std::string owners = ModelKeys().OwnersOf(key);
    if (!owners.empty())
      Fail(c.source + ": unknown config key '" + r.Path(key) + "' for architecture " +
           ToString(c.model.architecture) + " (a key of " + owners + ")");
  }
  r.RejectUnknown();
}

// AASIST's optim_config: its names of the training keys, and its scheduler.
void ReadAasistOptimConfig(MapReader& top, Config& c) {
  MapReader o(top.Take("optim_config"), "optim_config", c.source);
  for (const auto& [theirs, ours] : std::vector<std::pair<std::string, std::string>>{
           {"optimizer", "optimizer"}, {"amsgrad", "amsgrad"}, {"base_lr", "lr"}, {"betas", "betas"},
           {"weight_decay", "weight_decay"}, {"lr_min", "lr_min"}})
    if (o.Has(theirs)) TrainKeys().Find(ours, c.model.architecture)->Read(o.Take(theirs), c.train, o.Where(theirs));
  if (o.Has("scheduler")) {
    const std::string scheduler = config_keys::ReadString(o.Take("scheduler"), o.Where("scheduler"));
    if (scheduler == "cosine") {
      c.train.lr_schedule = LrSchedule::kAasistCosine;
    } else if (scheduler != "none" && scheduler != "None") {
      Fail(o.Where("scheduler") + "'" + scheduler + "' is not supported (expected cosine or none)");
    }
  }
  o.RejectUnknown();
}

void ParseAasistLayout(MapReader& top, Config& c) {
  ReadModelSection(top.Take("model_config"), "model_config", c);
  if (top.Has("freq_aug")) {
    // Top-level in AASIST's layout ("True"/"False"); a model option here.
    const bool freq_aug = config_keys::ReadBool(top.Take("freq_aug"), top.Where("freq_aug"));
    if (freq_aug && c.model.architecture != Architecture::kAasist)
      Fail(top.Where("freq_aug") + "frequency masking is an AASIST option");
    c.model.aasist.freq_aug = freq_aug;
  }
  if (top.Has("optim_config")) ReadAasistOptimConfig(top, c);
  // AASIST run-management keys that have antispoof command-line equivalents.
  for (const char* k : {"database_path", "asv_score_path", "model_path", "track", "eval_all_best", "eval_output",
                        "cudnn_deterministic_toggle", "cudnn_benchmark_toggle"})
    top.Ignore(k);
  top.ReadKeys(TrainKeys(), c.train, c.model.architecture);
}

// Fails with "<source>: <prefix><key>: <what>" for the first key out of range or relation broken.
template <typename Section>
void ValidateSection(const KeyTable<Section>& table, const Section& s, Architecture architecture,
                     const std::string& source, const std::string& prefix) {
  for (const auto& key : table.keys()) {
    if (!key->AppliesTo(architecture)) continue;
    const std::string error = key->Check(s);
    if (!error.empty()) Fail(source + ": " + prefix + key->name() + ": " + error);
  }
  for (const auto& relation : table.relations()) {
    if (relation.only && *relation.only != architecture) continue;
    const std::string error = relation.error(s);
    if (!error.empty()) Fail(source + ": " + prefix + relation.key + ": " + error);
  }
}

// (path, value) of every key of `c` in the order of ToYaml.
std::vector<std::pair<std::string, std::string>> KeyValues(const Config& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& key : ModelKeys().keys())
    if (key->AppliesTo(c.model.architecture)) out.emplace_back("model." + key->name(), key->Write(c.model));
  for (const auto& key : TrainKeys().keys()) out.emplace_back(key->name(), key->Write(c.train));
  return out;
}

// The key a path names in `config`, with the section it belongs to; Error for an unknown path.
struct KeyRef {
  const Key<ModelConfig>* model = nullptr;
  const Key<TrainConfig>* train = nullptr;
};

KeyRef FindKey(const Config& config, const std::string& path, const std::string& context) {
  KeyRef ref;
  if (StartsWith(path, "model.")) {
    const std::string name = path.substr(6);
    ref.model = ModelKeys().Find(name, config.model.architecture);
    const std::string owners = ModelKeys().OwnersOf(name);
    if (!ref.model && !owners.empty())
      Fail(context + "unknown config key '" + path + "' for architecture " + ToString(config.model.architecture) +
           " (a key of " + owners + ")");
  } else {
    ref.train = TrainKeys().Find(path, config.model.architecture);
  }
  if (!ref.model && !ref.train) Fail(context + "unknown config key '" + path + "'");
  return ref;
}

void Validate(const Config& c, const std::string& source) {
  c.model.Validate(source);
  c.train.Validate(source);
}

}  // namespace

ModelConfig ModelConfig::Defaults(Architecture architecture) {
  ModelConfig m;
  m.architecture = architecture;
  if (architecture == Architecture::kAasist) m.first_conv = 128;
  return m;
}

void ModelConfig::Validate(const std::string& source) const {
  ValidateSection(ModelKeys(), *this, architecture, source, "model.");
}

void TrainConfig::Validate(const std::string& source) const {
  ValidateSection(TrainKeys(), *this, Architecture::kRawNet2, source, "");
}

double TrainConfig::LearningRate(int64_t step, int64_t total_steps) const {
  if (lr_schedule == LrSchedule::kAasistCosine) {
    const double done = static_cast<double>(std::min(step, total_steps) - 1) / static_cast<double>(total_steps);
    return lr_min + (lr - lr_min) * 0.5 * (1.0 + std::cos(M_PI * done));
  }
  if (step <= warmup_steps) return lr * static_cast<double>(step) / warmup_steps;
  if (lr_schedule == LrSchedule::kConstant || total_steps <= warmup_steps) return lr;
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
      if (top.Has("model")) ReadModelSection(top.Take("model"), "model", c);
      top.ReadKeys(TrainKeys(), c.train, c.model.architecture);
    }
    top.RejectUnknown();
  } catch (const YAML::Exception& e) {
    Fail(source + ":" + std::to_string(e.mark.line + 1) + ": unexpected YAML structure: " + e.msg);
  }
  Validate(c, source);
  return c;
}

Config LoadConfig(const std::string& path) { return ParseConfig(ReadFile(path), path); }

void ApplyOverride(Config& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    Fail("override '" + assignment + "': expected KEY=VALUE, e.g. model.nb_samp=32000");
  const std::string path = Trim(assignment.substr(0, eq));
  const std::string value = Trim(assignment.substr(eq + 1));
  const KeyRef ref = FindKey(config, path, "override '" + assignment + "': ");
  YAML::Node node;
  try {
    node = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    Fail("override '" + assignment + "': the value is not valid YAML: " + e.msg);
  }
  const std::string source = (config.source.empty() ? "override" : config.source) + " (with " + assignment + ")";
  Config updated = config;
  const std::string where = source + ": " + path + ": ";
  if (ref.model) ref.model->Read(node, updated.model, where);
  if (ref.train) ref.train->Read(node, updated.train, where);
  Validate(updated, source);
  config = updated;
}

namespace {
// Sets `path` to `value` through the key's typed setter (T, or for an int key a long in range).
template <typename T>
void SetTyped(Config& config, const std::string& path, const T& value, const std::string& origin) {
  const KeyRef ref = FindKey(config, path, origin + ": ");
  Config updated = config;
  auto set = [&](const auto* key, auto& section) {
    using Section = std::decay_t<decltype(section)>;
    if (const auto* typed = dynamic_cast<const config_keys::TypedKey<Section, T>*>(key)) {
      typed->Set(section, value);
    } else if constexpr (std::is_same_v<T, long>) {
      const auto* as_int = dynamic_cast<const config_keys::TypedKey<Section, int>*>(key);
      if (!as_int) Fail(origin + ": " + path + " is not an integer key");
      if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
        Fail(origin + ": " + path + ": integer " + std::to_string(value) + " is out of range");
      as_int->Set(section, static_cast<int>(value));
    } else if constexpr (std::is_same_v<T, std::string>) {
      key->Read(YAML::Node(value), section, origin + ": " + path + ": ");  // an enumeration's name
    } else {
      Fail(origin + ": " + path + " does not take a number");
    }
  };
  if (ref.model) set(ref.model, updated.model);
  if (ref.train) set(ref.train, updated.train);
  Validate(updated, origin);
  config = updated;
}
}  // namespace

void SetKey(Config& config, const std::string& key, long value, const std::string& origin) {
  SetTyped(config, key, value, origin);
}
void SetKey(Config& config, const std::string& key, double value, const std::string& origin) {
  if (!std::isfinite(value)) Fail(origin + ": " + key + ": expected a finite number");
  SetTyped(config, key, value, origin);
}
void SetKey(Config& config, const std::string& key, const std::string& value, const std::string& origin) {
  SetTyped(config, key, value, origin);
}

void ApplyKeyFlags(Config& config, const std::vector<KeyFlag>& flags) {
  for (const KeyFlag& f : flags) {
    const KeyRef ref = FindKey(config, f.key, f.flag + ": ");
    YAML::Node node;
    try {
      node = YAML::Load(f.value);
    } catch (const YAML::Exception&) {
      node = YAML::Node(f.value);
    }
    if (!node.IsScalar()) Fail(f.flag + ": " + f.key + ": expected one value, got '" + f.value + "'");
    Config updated = config;
    const std::string where = f.flag + ": " + f.key + ": ";
    if (ref.model) ref.model->Read(node, updated.model, where);
    if (ref.train) ref.train->Read(node, updated.train, where);
    Validate(updated, f.flag);
    config = updated;
  }
}

std::string ToYaml(const Config& c) {
  std::ostringstream o;
  o << "model:\n";
  for (const auto& key : ModelKeys().keys())
    if (key->AppliesTo(c.model.architecture)) o << "  " << key->name() << ": " << key->Write(c.model) << "\n";
  for (const auto& key : TrainKeys().keys()) o << key->name() << ": " << key->Write(c.train) << "\n";
  return o.str();
}

std::vector<KeyChange> DiffConfigs(const Config& before, const Config& after) {
  const auto a = KeyValues(before), b = KeyValues(after);
  std::vector<std::string> order;
  for (const auto* list : {&a, &b})
    for (const auto& [key, _] : *list)
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
  auto value_in = [](const std::vector<std::pair<std::string, std::string>>& values, const std::string& key) {
    for (const auto& [k, v] : values)
      if (k == key) return v;
    return std::string("(absent)");
  };
  std::vector<KeyChange> changes;
  for (const std::string& key : order) {
    const std::string x = value_in(a, key), y = value_in(b, key);
    if (x != y) changes.push_back({key, x, y});
  }
  return changes;
}

bool operator==(const Config& a, const Config& b) { return KeyValues(a) == KeyValues(b); }

}  // namespace antispoof
