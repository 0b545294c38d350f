#include "antispoof/augment/augment_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <type_traits>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::augment {
namespace {

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

// ---- scalar readers; `where` is the full "<source>: augment.<section>.<key>: " prefix ----

void RequireScalar(const YAML::Node& v, const std::string& where, const char* expected) {
  if (!v.IsScalar()) Fail(where + "expected " + expected);
}
double ReadNumber(const YAML::Node& v, const std::string& where) {
  RequireScalar(v, where, "a number");
  const auto d = ParseDouble(v.Scalar());
  if (!d || !std::isfinite(*d)) Fail(where + "expected a number, got '" + v.Scalar() + "'");
  return *d;
}
int ReadInt(const YAML::Node& v, const std::string& where) {
  RequireScalar(v, where, "an integer");
  const auto i = ParseInt(v.Scalar());
  if (!i || *i < -1000000000LL || *i > 1000000000LL) Fail(where + "expected an integer, got '" + v.Scalar() + "'");
  return static_cast<int>(*i);
}
template <typename T>
T ReadValue(const YAML::Node& v, const std::string& where) {
  if constexpr (std::is_same_v<T, int>) return ReadInt(v, where);
  else return ReadNumber(v, where);
}
template <typename T>
std::string WriteValue(T v) {
  if constexpr (std::is_same_v<T, int>) return std::to_string(v);
  else return ShortestDouble(v);
}

// One sub-key of a transform section S.
template <typename S>
struct Field {
  std::string name, type, help;
  std::function<void(const YAML::Node&, S&, const std::string& where)> read;
  std::function<std::string(const S&)> write;
  std::function<std::string(const S&)> check;  // "" or what is wrong
};

template <typename S, typename T>
Field<S> Scalar(std::string name, T S::*field, std::function<std::string(T)> check, std::string help) {
  Field<S> f;
  f.name = std::move(name);
  f.type = std::is_same_v<T, int> ? "integer" : "number";
  f.help = std::move(help);
  f.read = [field](const YAML::Node& v, S& s, const std::string& where) { s.*field = ReadValue<T>(v, where); };
  f.write = [field](const S& s) { return WriteValue(s.*field); };
  f.check = [field, check](const S& s) { return check(s.*field); };
  return f;
}

// A [min, max] range; `check` applies to each end, and min <= max.
template <typename S, typename T>
Field<S> Range(std::string name, std::array<T, 2> S::*field, std::function<std::string(T)> check, std::string help) {
  Field<S> f;
  f.name = std::move(name);
  f.type = std::is_same_v<T, int> ? "[integer, integer]" : "[number, number]";
  f.help = std::move(help);
  f.read = [field](const YAML::Node& v, S& s, const std::string& where) {
    if (!v.IsSequence() || v.size() != 2) Fail(where + "expected [min, max]");
    const std::string stem = where.substr(0, where.size() - 2);
    for (size_t i = 0; i < 2; ++i) (s.*field)[i] = ReadValue<T>(v[i], stem + "[" + std::to_string(i) + "]: ");
  };
  f.write = [field](const S& s) { return "[" + WriteValue((s.*field)[0]) + ", " + WriteValue((s.*field)[1]) + "]"; };
  f.check = [field, check](const S& s) {
    for (T v : s.*field)
      if (std::string e = check(v); !e.empty()) return e;
    return (s.*field)[0] <= (s.*field)[1] ? std::string() : std::string("min must not exceed max");
  };
  return f;
}

// A non-empty list of names from `allowed`, without repeats.
template <typename S>
Field<S> Names(std::string name, std::vector<std::string> S::*field, const std::vector<std::string>& allowed,
               std::string help) {
  Field<S> f;
  f.name = std::move(name);
  f.type = "list of " + Join(allowed, "|");
  f.help = std::move(help);
  f.read = [field](const YAML::Node& v, S& s, const std::string& where) {
    if (!v.IsSequence()) Fail(where + "expected a list of names");
    std::vector<std::string> names;
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string w = where.substr(0, where.size() - 2) + "[" + std::to_string(i) + "]: ";
      RequireScalar(v[i], w, "a name");
      names.push_back(v[i].Scalar());
    }
    s.*field = names;
  };
  f.write = [field](const S& s) { return "[" + Join(s.*field, ", ") + "]"; };
  f.check = [field, allowed](const S& s) {
    if ((s.*field).empty()) return std::string("must name at least one");
    std::set<std::string> seen;
    for (const std::string& n : s.*field) {
      if (std::find(allowed.begin(), allowed.end(), n) == allowed.end())
        return "unknown name '" + n + "' (known: " + Join(allowed, ", ") + ")";
      if (!seen.insert(n).second) return "'" + n + "' is listed twice";
    }
    return std::string();
  };
  return f;
}

std::string Probability(double p) { return p >= 0 && p <= 1 ? "" : "must be in [0, 1]"; }
template <typename T>
std::function<std::string(T)> AtLeast(T min) {
  return [min](T v) { return v >= min ? std::string() : "must be at least " + WriteValue(min); };
}
template <typename T>
std::function<std::string(T)> Between(T lo, T hi) {
  return [lo, hi](T v) {
    return v >= lo && v <= hi ? std::string() : "must be in [" + WriteValue(lo) + ", " + WriteValue(hi) + "]";
  };
}
std::string AnyNumber(double) { return ""; }

// ---- the sections ----

template <typename S>
struct Section {
  std::string name, help;
  S AugmentConfig::*member;
  std::vector<Field<S>> fields;
};

template <typename S>
Field<S> ProbabilityField() {
  return Scalar<S, double>("p", &S::p, Probability, "Probability of applying it to an utterance");
}

// RawBoost's parameters live in RawBoostConfig::params; the fields reach them through a wrapper.
Section<RawBoostConfig> RawBoostSection() {
  using P = RawBoostParams;
  std::vector<Field<P>> inner = {
      Scalar<P, int>("algo", &P::algo, Between(1, 8),
                     "1 LnL, 2 ISD, 3 SSI, 4 series 1+2+3, 5 series 1+2, 6 series 1+3, 7 series 2+3, 8 parallel 1,2"),
      Scalar<P, int>("n_bands", &P::n_bands, Between(1, 20), "Notch filters per filter bank (nBands)"),
      Range<P, double>("centre_hz", &P::centre_hz, AtLeast(0.0), "Notch centre frequency range in Hz (minF, maxF)"),
      Range<P, double>("width_hz", &P::width_hz, AtLeast(1.0), "Notch width range in Hz (minBW, maxBW)"),
      Range<P, int>("taps", &P::taps, Between(1, 2000), "FIR length range of each notch (minCoeff, maxCoeff)"),
      Range<P, double>("gain_db", &P::gain_db, std::function<std::string(double)>(AnyNumber),
                       "Linear component's gain range in dB (minG, maxG)"),
      Range<P, double>("nonlinear_bias_db", &P::nonlinear_bias_db, AtLeast(0.0),
                       "Gain lowered by this for the non-linear terms, dB (minBiasLinNonLin, maxBiasLinNonLin)"),
      Scalar<P, int>("n_f", &P::n_f, Between(1, 10), "Order of the non-linearity; 1 = linear only (N_f)"),
      Scalar<P, double>("isd_percent", &P::isd_percent, Between(0.0, 100.0),
                        "ISD: at most this percentage of samples get an impulse (P)"),
      Scalar<P, double>("isd_gain", &P::isd_gain, AtLeast(0.0), "ISD: impulse gain (g_sd)"),
      Range<P, double>("ssi_snr_db", &P::ssi_snr_db, std::function<std::string(double)>(AnyNumber),
                       "SSI: SNR range of the coloured noise in dB (SNRmin, SNRmax)"),
  };
  Section<RawBoostConfig> s{"rawboost", "RawBoost (Tak et al. 2022) with the published defaults",
                            &AugmentConfig::rawboost, {ProbabilityField<RawBoostConfig>()}};
  for (Field<P>& f : inner) {
    Field<RawBoostConfig> g;
    g.name = f.name;
    g.type = f.type;
    g.help = f.help;
    g.read = [r = f.read](const YAML::Node& v, RawBoostConfig& c, const std::string& w) { r(v, c.params, w); };
    g.write = [w = f.write](const RawBoostConfig& c) { return w(c.params); };
    g.check = [k = f.check](const RawBoostConfig& c) { return k(c.params); };
    s.fields.push_back(std::move(g));
  }
  return s;
}

Section<CodecConfig> CodecSection() {
  return {"codec", "Codec round trip (libavcodec), delay-compensated, one codec drawn per utterance",
          &AugmentConfig::codec,
          {ProbabilityField<CodecConfig>(),
           Names<CodecConfig>("codecs", &CodecConfig::codecs, CodecNames(), "The codecs to draw from")}};
}
Section<GainConfig> GainSection() {
  return {"gain", "Gain drawn uniformly in dB", &AugmentConfig::gain,
          {ProbabilityField<GainConfig>(),
           Range<GainConfig, double>("db", &GainConfig::db, Between(-60.0, 60.0), "Gain range in dB")}};
}
Section<SpeedConfig> SpeedSection() {
  return {"speed", "Speed change by resampling (duration / factor, pitch x factor)", &AugmentConfig::speed,
          {ProbabilityField<SpeedConfig>(),
           Range<SpeedConfig, double>("factor", &SpeedConfig::factor, Between(0.5, 2.0),
                                      "Speed factor range (> 1 faster)")}};
}
Section<NoiseConfig> NoiseSection() {
  return {"noise", "Generated additive noise at an SNR drawn uniformly in dB", &AugmentConfig::noise,
          {ProbabilityField<NoiseConfig>(),
           Range<NoiseConfig, double>("snr_db", &NoiseConfig::snr_db, Between(-20.0, 100.0), "SNR range in dB"),
           Names<NoiseConfig>("colours", &NoiseConfig::colours, NoiseColours(), "Noise colours to draw from")}};
}

// Calls fn(section) for each section, in the order they are written.
template <typename Fn>
void ForEachSection(Fn&& fn) {
  fn(RawBoostSection());
  fn(CodecSection());
  fn(GainSection());
  fn(SpeedSection());
  fn(NoiseSection());
}

template <typename S>
bool& EnabledOf(S& s) {
  return s.enabled;
}

}  // namespace

bool AugmentConfig::Enabled() const {
  return rawboost.enabled || codec.enabled || gain.enabled || speed.enabled || noise.enabled;
}

const std::vector<std::string>& CodecNames() {
  static const std::vector<std::string> names = {"g711u",   "g711a",    "g722",    "gsm",     "opus_8k",
                                                 "opus_16k", "opus_32k", "mp3_16k", "mp3_32k", "mp3_64k"};
  return names;
}

const std::vector<std::string>& NoiseColours() {
  static const std::vector<std::string> names = {"white", "pink", "brown"};
  return names;
}

AugmentConfig ReadAugmentConfig(const YAML::Node& node, const std::string& where) {
  // "<source>: augment: " -> "<source>: augment"
  const std::string stem = where.size() >= 2 ? where.substr(0, where.size() - 2) : where;
  AugmentConfig c;
  if (node.IsScalar() && (node.Scalar() == "none" || node.Scalar() == "None" || node.Scalar() == "null")) return c;
  if (node.IsNull()) return c;
  if (!node.IsMap()) Fail(where + "expected none or a mapping of transforms (rawboost, codec, gain, speed, noise)");
  std::set<std::string> known;
  ForEachSection([&](const auto& section) {
    known.insert(section.name);
    const YAML::Node v = node[section.name];
    if (!v) return;
    const std::string sw = stem + "." + section.name;
    auto& target = c.*(section.member);
    EnabledOf(target) = true;
    if (v.IsNull()) return;
    if (!v.IsMap()) Fail(sw + ": expected a mapping of its parameters ({} for the defaults)");
    std::set<std::string> names;
    for (const auto& f : section.fields) names.insert(f.name);
    for (const auto& kv : v) {
      if (!kv.first.IsScalar() || !names.count(kv.first.Scalar()))
        Fail(sw + "." + (kv.first.IsScalar() ? kv.first.Scalar() : std::string("?")) +
             ": unknown key (known: " + Join(std::vector<std::string>(names.begin(), names.end()), ", ") + ")");
    }
    for (const auto& f : section.fields) {
      if (!v[f.name]) continue;
      const std::string fw = sw + "." + f.name + ": ";
      f.read(v[f.name], target, fw);
    }
  });
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!known.count(key))
      Fail(stem + "." + key + ": unknown transform (known: rawboost, codec, gain, speed, noise)");
  }
  if (const std::string e = CheckAugmentConfig(c); !e.empty()) {
    const size_t colon = e.find(": ");
    Fail(stem + "." + e.substr(0, colon) + ": " + e.substr(colon + 2));
  }
  return c;
}

std::string WriteAugmentConfig(const AugmentConfig& config) {
  const AugmentConfig& c = config;
  std::string out;
  ForEachSection([&](const auto& section) {
    const auto& s = c.*(section.member);
    if (!s.enabled) return;
    std::string body;
    for (const auto& f : section.fields) body += (body.empty() ? "" : ", ") + f.name + ": " + f.write(s);
    out += (out.empty() ? "" : ", ") + section.name + ": {" + body + "}";
  });
  return out.empty() ? "none" : "{" + out + "}";
}

std::string CheckAugmentConfig(const AugmentConfig& config) {
  const AugmentConfig& c = config;
  std::string error;
  ForEachSection([&](const auto& section) {
    const auto& s = c.*(section.member);
    if (!error.empty() || !s.enabled) return;
    for (const auto& f : section.fields)
      if (std::string e = f.check(s); !e.empty()) {
        error = section.name + "." + f.name + ": " + e;
        return;
      }
  });
  if (!error.empty()) return error;
  const RawBoostParams& r = c.rawboost.params;
  if (c.rawboost.enabled && r.centre_hz[0] <= 0 && r.centre_hz[1] <= 0)
    return "rawboost.centre_hz: must reach above 0 Hz";
  return "";
}

std::vector<AugmentKeyHelp> DescribeAugmentKeys() {
  const AugmentConfig defaults;
  std::vector<AugmentKeyHelp> out;
  ForEachSection([&](const auto& section) {
    out.push_back({"augment." + section.name, "mapping", "(off)", section.help});
    const auto& s = defaults.*(section.member);
    for (const auto& f : section.fields)
      out.push_back({"augment." + section.name + "." + f.name, f.type, f.write(s), f.help});
  });
  return out;
}

}  // namespace antispoof::augment
