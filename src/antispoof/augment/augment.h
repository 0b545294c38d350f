// The training loader's augmentation pipeline: each transform the config lists is applied with its
// probability, in the fixed order speed -> rawboost -> noise -> codec -> gain, every draw from a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "antispoof/augment/augment_config.h"

namespace antispoof::augment {

// What one utterance gets: the transforms applied and their drawn parameters, in order
// ("speed 1.043", "rawboost 5", "noise pink 23.1 dB", "codec gsm", "gain -2.5 dB").
using Plan = std::vector<std::string>;

class Augmenter {
 public:
  // Validates the config (CheckAugmentConfig) and that this libavcodec has every listed codec;
  // Error "augment.<key>: ..." otherwise. sample_rate: the samples' rate in Hz.
  Augmenter(AugmentConfig config, int sample_rate);

  // Augments x in place; x keeps its length (a speed change is fitted back by the reference rule:
  // cut, or tiled). A pure function of (x, seed): every transform draws from its own stream of the
  // seed, so turning one on or off does not change the others' draws. Thread-safe (const).
  // Returns what was applied.
  Plan Apply(std::vector<float>& x, uint64_t seed) const;

  const AugmentConfig& config() const { return config_; }

 private:
  AugmentConfig config_;
  int sample_rate_;
};

// The seed of an item's augmentation: the loader's per-position seed mixed with the utterance name
// (so ranks that share positions draw differently).
uint64_t ItemSeed(uint64_t position_seed, const std::string& utt);

}  // namespace antispoof::augment
