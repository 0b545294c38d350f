// The help text of the config keys, from their declarations (config/keys.cc).
#include <algorithm>
#include <string>
#include <vector>

#include "antispoof/config/config.h"
#include "antispoof/config/key_table.h"

namespace antispoof {
namespace {

constexpr Architecture kArchitectures[] = {Architecture::kRawNet2, Architecture::kAasist};

// The key's default for each architecture that has it: "1024" or "1024 (AASIST: 128)".
template <typename Section, typename DefaultsOf>
std::string DefaultText(const config_keys::Key<Section>& key, const DefaultsOf& defaults_of) {
  std::string first, text;
  for (Architecture a : kArchitectures) {
    if (!key.AppliesTo(a)) continue;
    const std::string value = key.Write(defaults_of(a));
    if (first.empty()) {
      first = text = value;
      if (key.name() == "architecture") break;  // the selector: its default is the first
    } else if (value != first) {
      text += " (" + ToString(a) + ": " + value + ")";
    }
  }
  return text;
}

template <typename Section, typename DefaultsOf>
void Describe(const config_keys::KeyTable<Section>& table, const std::string& prefix,
              const DefaultsOf& defaults_of, std::vector<KeyDescription>& out) {
  for (const auto& key : table.keys()) {
    KeyDescription d;
    d.key = prefix + key->name();
    d.type = key->TypeText();
    d.default_value = DefaultText(*key, defaults_of);
    d.range = key->RangeText();
    for (const auto& relation : table.relations()) {
      if (relation.key != key->name()) continue;
      if (relation.only && !key->AppliesTo(*relation.only)) continue;
      std::string text = relation.text;
      if (relation.only && !key->only()) text += " (" + ToString(*relation.only) + ")";
      d.range += (d.range.empty() ? "" : "; ") + text;
    }
    d.help = key->help();
    if (key->only()) d.architecture = ToString(*key->only());
    out.push_back(std::move(d));
  }
}

// A Markdown table cell: `|` would end it.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string Pad(const std::string& s, size_t width) { return s + std::string(width - std::min(width, s.size()), ' '); }

}  // namespace

std::vector<KeyDescription> DescribeKeys() {
  std::vector<KeyDescription> out;
  Describe(config_keys::ModelKeys(), "model.", [](Architecture a) { return ModelConfig::Defaults(a); }, out);
  Describe(config_keys::TrainKeys(), "", [](Architecture) { return TrainConfig(); }, out);
  return out;
}

std::string FormatKeyTable(bool markdown) {
  const std::vector<KeyDescription> keys = DescribeKeys();
  std::string out;
  if (markdown) {
    out = "| key | architecture | type | default | allowed | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto& k : keys)
      out += "| `" + k.key + "` | " + (k.architecture.empty() ? "all" : k.architecture) + " | " + Cell(k.type) +
             " | `" + Cell(k.default_value) + "` | " + Cell(k.range) + " | " + Cell(k.help) + " |\n";
    out += "\n`augment`'s transforms and their parameters (a transform left out is off):\n\n"
           "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const auto& h : augment::DescribeAugmentKeys())
      out += "| `" + h.key + "` | " + Cell(h.type) + " | `" + Cell(h.default_value) + "` | " + Cell(h.help) + " |\n";
    return out;
  }
  size_t width = 0;
  for (const auto& k : keys) width = std::max(width, k.key.size() + (k.architecture.empty() ? 0 : k.architecture.size() + 3));
  for (const auto& k : keys) {
    const std::string name = k.key + (k.architecture.empty() ? "" : " (" + k.architecture + ")");
    out += Pad(name, width) + "  " + k.help + "\n";
    out += std::string(width + 2, ' ') + k.type + ", default " + k.default_value +
           (k.range.empty() ? "" : ", allowed " + k.range) + "\n";
  }
  out += "\naugment's transforms and their parameters (a transform left out is off):\n";
  const auto sub = augment::DescribeAugmentKeys();
  width = 0;
  for (const auto& h : sub) width = std::max(width, h.key.size());
  for (const auto& h : sub) {
    out += Pad(h.key, width) + "  " + h.help + "\n";
    out += std::string(width + 2, ' ') + h.type + ", default " + h.default_value + "\n";
  }
  return out;
}

}  // namespace antispoof
