// The machinery behind "one declaration per config key": a key binds a name to a field of
// ModelConfig or TrainConfig together with the YAML codec of its type, its allowed range and its help.
// Reading, validation, writing, overrides, equality, diffs and the help text all iterate the
// tables in keys.cc; nothing else names a key. (Private to the config module.)
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/config/config.h"

namespace antispoof::config_keys {

// How a type is read from a YAML node and written in YAML flow form. `where` is the
// "<source>: <path>: " prefix of every message.
template <typename T>
struct Codec {
  std::string type;  // for the help text: "integer", "[number, number]", "none|se"
  std::function<T(const YAML::Node&, const std::string& where)> read;
  std::function<std::string(const T&)> write;
};

// The values a key allows: `text` for the help, `error` says what is wrong with a value ("" when
// it is allowed).
template <typename T>
struct Range {
  std::string text;
  std::function<std::string(const T&)> error;
};

// The codecs of the plain types (bool, integers, numbers, strings and fixed-size lists of them).
template <typename T>
Codec<T> DefaultCodec();

// An enumeration by its names; the first name of a value is the one written, later ones are
// aliases accepted on reading.
template <typename E>
using EnumNames = std::vector<std::pair<std::string, E>>;
template <typename E>
Codec<E> EnumCodec(const EnumNames<E>& names);
template <typename E>
std::string NameOf(const EnumNames<E>& names, E value) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "?";
}

// One config key of a section (ModelConfig or TrainConfig).
template <typename Section>
class Key {
 public:
  Key(std::string name, std::string help, std::optional<Architecture> only)
      : name_(std::move(name)), help_(std::move(help)), only_(only) {}
  virtual ~Key() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  // The architecture whose key this is (nullopt: every architecture's).
  std::optional<Architecture> only() const { return only_; }
  bool AppliesTo(Architecture a) const { return !only_ || *only_ == a; }

  virtual void Read(const YAML::Node& node, Section& section, const std::string& where) const = 0;
  virtual std::string Write(const Section& section) const = 0;
  // "" when the value is allowed, else what is wrong with it.
  virtual std::string Check(const Section& section) const = 0;
  virtual std::string TypeText() const = 0;
  virtual std::string RangeText() const = 0;

 private:
  std::string name_, help_;
  std::optional<Architecture> only_;
};

template <typename Section, typename T>
class TypedKey : public Key<Section> {
 public:
  using Getter = std::function<T(const Section&)>;
  using Setter = std::function<void(Section&, const T&)>;
  TypedKey(std::string name, Getter get, Setter set, Codec<T> codec, Range<T> range, std::string help,
           std::optional<Architecture> only)
      : Key<Section>(std::move(name), std::move(help), only),
        get_(std::move(get)),
        set_(std::move(set)),
        codec_(std::move(codec)),
        range_(std::move(range)) {}

  void Read(const YAML::Node& node, Section& section, const std::string& where) const override {
    set_(section, codec_.read(node, where));
  }
  std::string Write(const Section& section) const override { return codec_.write(get_(section)); }
  std::string Check(const Section& section) const override {
    return range_.error ? range_.error(get_(section)) : "";
  }
  std::string TypeText() const override { return codec_.type; }
  std::string RangeText() const override { return range_.text; }
  void Set(Section& section, const T& value) const { set_(section, value); }

 private:
  Getter get_;
  Setter set_;
  Codec<T> codec_;
  Range<T> range_;
};

// A rule that relates a key to others (nb_samp to the sinc length, lr_min to lr); reported under `key`.
template <typename Section>
struct Relation {
  std::string key;
  std::string text;  // for the help text
  std::optional<Architecture> only;
  std::function<std::string(const Section&)> error;
};

// The keys of one section in the order they are written, and the relations between them.
template <typename Section>
class KeyTable {
 public:
  // A key stored in field `field` of the section.
  template <typename T>
  void Add(std::string name, T Section::*field, Range<T> range, std::string help,
           std::optional<Architecture> only = std::nullopt, Codec<T> codec = DefaultCodec<T>()) {
    AddAccessor<T>(
        std::move(name), [field](const Section& s) { return s.*field; },
        [field](Section& s, const T& v) { s.*field = v; }, std::move(codec), std::move(range), std::move(help),
        only);
  }
  template <typename E>
  void AddEnum(std::string name, E Section::*field, const EnumNames<E>& names, std::string help,
               std::optional<Architecture> only = std::nullopt) {
    Add<E>(std::move(name), field, Range<E>{}, std::move(help), only, EnumCodec(names));
  }
  // A key whose value is computed from (and stored into) the section by `get` and `set`.
  template <typename T>
  void AddAccessor(std::string name, typename TypedKey<Section, T>::Getter get,
                   typename TypedKey<Section, T>::Setter set, Codec<T> codec, Range<T> range, std::string help,
                   std::optional<Architecture> only = std::nullopt) {
    keys_.push_back(std::make_unique<TypedKey<Section, T>>(std::move(name), std::move(get), std::move(set),
                                                           std::move(codec), std::move(range), std::move(help),
                                                           only));
  }
  void Relate(std::string key, std::string text, std::function<std::string(const Section&)> error,
              std::optional<Architecture> only = std::nullopt) {
    relations_.push_back({std::move(key), std::move(text), only, std::move(error)});
  }

  const std::vector<std::unique_ptr<Key<Section>>>& keys() const { return keys_; }
  const std::vector<Relation<Section>>& relations() const { return relations_; }
  // The key `name` of architecture `a`, or nullptr.
  const Key<Section>* Find(const std::string& name, Architecture a) const {
    for (const auto& k : keys_)
      if (k->name() == name && k->AppliesTo(a)) return k.get();
    return nullptr;
  }
  // The architectures that have a key `name` ("" when none has): for "an AASIST key" messages.
  std::string OwnersOf(const std::string& name) const;

 private:
  std::vector<std::unique_ptr<Key<Section>>> keys_;
  std::vector<Relation<Section>> relations_;
};

// The tables (keys.cc). Model keys live under `model:` (AASIST's `model_config:`), training keys at
// the top level.
const KeyTable<ModelConfig>& ModelKeys();
const KeyTable<TrainConfig>& TrainKeys();

// ---- implementation of the templates ----

std::string YamlKind(const YAML::Node& v);
std::string WriteNumber(double v);
std::string WriteString(const std::string& s);
bool ReadBool(const YAML::Node& v, const std::string& where);
long long ReadInteger(const YAML::Node& v, const std::string& where, long long min, long long max);
double ReadNumber(const YAML::Node& v, const std::string& where);
std::string ReadString(const YAML::Node& v, const std::string& where);

template <typename T>
struct IsStdArray : std::false_type {};
template <typename T, size_t N>
struct IsStdArray<std::array<T, N>> : std::true_type {};

template <typename T>
Codec<T> DefaultCodec() {
  Codec<T> c;
  if constexpr (std::is_same_v<T, bool>) {
    c.type = "true|false";
    c.read = ReadBool;
    c.write = [](const bool& v) { return std::string(v ? "true" : "false"); };
  } else if constexpr (std::is_integral_v<T>) {
    c.type = "integer";
    c.read = [](const YAML::Node& v, const std::string& where) {
      return static_cast<T>(ReadInteger(v, where, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    };
    c.write = [](const T& v) { return std::to_string(v); };
  } else if constexpr (std::is_floating_point_v<T>) {
    c.type = "number";
    c.read = [](const YAML::Node& v, const std::string& where) { return static_cast<T>(ReadNumber(v, where)); };
    c.write = [](const T& v) { return WriteNumber(v); };
  } else if constexpr (std::is_same_v<T, std::string>) {
    c.type = "string";
    c.read = ReadString;
    c.write = WriteString;
  } else {
    static_assert(IsStdArray<T>::value, "no codec for this type");
    using Element = typename T::value_type;
    constexpr size_t n = std::tuple_size_v<T>;
    const Codec<Element> element = DefaultCodec<Element>();
    c.type = "[" + element.type;
    for (size_t i = 1; i < n; ++i) c.type += ", " + element.type;
    c.type += "]";
    c.read = [element](const YAML::Node& v, const std::string& where) {
      if (!v.IsSequence() || v.size() != n) Fail(where + "expected a list of " + std::to_string(n) + " values");
      T out{};
      const std::string stem = where.substr(0, where.size() - 2);  // without the trailing ": "
      for (size_t i = 0; i < n; ++i) out[i] = element.read(v[i], stem + "[" + std::to_string(i) + "]: ");
      return out;
    };
    c.write = [element](const T& v) {
      std::string out = "[";
      for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + element.write(v[i]);
      return out + "]";
    };
  }
  return c;
}

template <typename E>
Codec<E> EnumCodec(const EnumNames<E>& names) {
  Codec<E> c;
  std::string canonical;
  for (const auto& [name, value] : names)
    if (NameOf(names, value) == name) canonical += (canonical.empty() ? "" : "|") + name;
  c.type = canonical;
  c.read = [names, canonical](const YAML::Node& v, const std::string& where) {
    const std::string s = ReadString(v, where);
    for (const auto& [name, value] : names)
      if (name == s) return value;
    Fail(where + "unknown value '" + s + "' (expected " + canonical + ")");
  };
  c.write = [names](const E& v) { return NameOf(names, v); };
  return c;
}

template <typename Section>
std::string KeyTable<Section>::OwnersOf(const std::string& name) const {
  std::string owners;
  for (const auto& k : keys_)
    if (k->name() == name && k->only()) owners += (owners.empty() ? "" : ", ") + ToString(*k->only());
  return owners;
}

}  // namespace antispoof::config_keys
