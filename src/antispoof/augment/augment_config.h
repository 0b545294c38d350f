// The `augment` config key: which on-the-fly augmentations the training loader applies, each with
// its probability and parameters. `augment: none` (the default) applies nothing: the reference
// recipe, byte for byte. Torch-free and libav-free (the config module links it).
//
//   augment:
//     rawboost: {p: 1, algo: 5}                  # RawBoost (Tak et al., ICASSP 2022), published defaults
//     codec: {p: 0.3, codecs: [g711u, g711a, g722, gsm, opus_16k, mp3_32k]}
//     gain: {p: 0.5, db: [-6, 6]}
//     speed: {p: 0.3, factor: [0.9, 1.1]}
//     noise: {p: 0.3, snr_db: [10, 40], colours: [white, pink, brown]}
//
// A transform that is not listed is off; a listed one without `p` is applied to every utterance.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace antispoof::augment {

// Every codec name `codecs` accepts, in the order of the default list.
const std::vector<std::string>& CodecNames();
// Every noise colour `colours` accepts.
const std::vector<std::string>& NoiseColours();

// RawBoost's parameters; the defaults are the published ones (SSL_Anti-spoofing, main_SSL_LA.py).
struct RawBoostParams {
  // 1: LnL convolutive noise, 2: ISD impulsive noise, 3: SSI coloured additive noise,
  // 4: series 1+2+3, 5: series 1+2, 6: series 1+3, 7: series 2+3, 8: parallel 1,2.
  int algo = 5;
  int n_bands = 5;                                     // notch filters per filter bank (nBands)
  std::array<double, 2> centre_hz = {20, 8000};        // notch centre frequency range (minF, maxF)
  std::array<double, 2> width_hz = {100, 1000};        // notch width range (minBW, maxBW)
  std::array<int, 2> taps = {10, 100};                 // FIR length range per notch (minCoeff, maxCoeff)
  std::array<double, 2> gain_db = {0, 0};              // linear component's gain range (minG, maxG)
  std::array<double, 2> nonlinear_bias_db = {5, 20};   // gain lowered for the non-linear terms (min/maxBiasLinNonLin)
  int n_f = 5;                                         // order of the non-linearity; 1 = linear only (N_f)
  double isd_percent = 10;                             // ISD: at most this % of samples (P)
  double isd_gain = 2;                                 // ISD: impulse gain (g_sd)
  std::array<double, 2> ssi_snr_db = {10, 40};         // SSI: SNR range (SNRmin, SNRmax)
};

struct RawBoostConfig {
  bool enabled = false;
  double p = 1;
  RawBoostParams params;
};

// Codec round trips; names as CodecNames() lists them (codec.h checks the library has each).
struct CodecConfig {
  bool enabled = false;
  double p = 1;
  std::vector<std::string> codecs = CodecNames();  // one drawn uniformly per utterance
};

struct GainConfig {
  bool enabled = false;
  double p = 1;
  std::array<double, 2> db = {-6, 6};  // uniform in dB
};

struct SpeedConfig {
  bool enabled = false;
  double p = 1;
  std::array<double, 2> factor = {0.9, 1.1};  // uniform; > 1 is faster (shorter, higher pitch)
};

struct NoiseConfig {
  bool enabled = false;
  double p = 1;
  std::array<double, 2> snr_db = {10, 40};  // uniform SNR of the added noise
  std::vector<std::string> colours = NoiseColours();  // white|pink|brown, one drawn per utterance
};

struct AugmentConfig {
  RawBoostConfig rawboost;
  CodecConfig codec;
  GainConfig gain;
  SpeedConfig speed;
  NoiseConfig noise;
  // Any transform listed (false for `augment: none`).
  bool Enabled() const;
};

// Reads `augment: none` or the mapping above. `where` is the "<source>: augment: " prefix; errors
// name the sub-key: "<source>: augment.rawboost.p: must be in [0, 1]". Unknown sub-keys are errors.
AugmentConfig ReadAugmentConfig(const YAML::Node& node, const std::string& where);
// "none", or a YAML flow mapping with every parameter of each transform that is on (ReadAugmentConfig
// reads it back to the same config).
std::string WriteAugmentConfig(const AugmentConfig& config);
// "" when every value is allowed, else "rawboost.p: must be in [0, 1]" (for configs built in code).
std::string CheckAugmentConfig(const AugmentConfig& config);

// The sub-keys for the help text: {"augment.rawboost.p", type, default, meaning}.
struct AugmentKeyHelp {
  std::string key, type, default_value, help;
};
std::vector<AugmentKeyHelp> DescribeAugmentKeys();

}  // namespace antispoof::augment
