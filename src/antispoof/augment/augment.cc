#include "antispoof/augment/augment.h"

#include "antispoof/audio/audio.h"
#include "antispoof/augment/codec.h"
#include "antispoof/augment/random.h"
#include "antispoof/augment/rawboost.h"
#include "antispoof/augment/simple.h"
#include "antispoof/common/error.h"
#include "antispoof/common/hash.h"
#include "antispoof/common/strings.h"

namespace antispoof::augment {
namespace {

// One stream per transform: which one is a fixed salt, so the streams are independent.
enum Stream : uint64_t { kSpeed = 1, kRawBoost, kNoise, kCodec, kGain };

Rng StreamOf(uint64_t seed, Stream s) { return Rng(SplitMix64(seed) ^ SplitMix64(s * 0x9E3779B97F4A7C15ULL)); }

template <typename T>
const T& Pick(const std::vector<T>& items, Rng& rng) {
  return items[rng.Below(items.size())];
}

}  // namespace

Augmenter::Augmenter(AugmentConfig config, int sample_rate) : config_(std::move(config)), sample_rate_(sample_rate) {
  if (sample_rate_ <= 0) Fail(Format("augment: the sample rate must be positive, got %d", sample_rate_));
  if (const std::string e = CheckAugmentConfig(config_); !e.empty()) Fail("augment." + e);
  if (config_.codec.enabled)
    for (const std::string& name : config_.codec.codecs) {
      std::string why;
      if (!CodecAvailable(name, &why))
        Fail("augment.codec.codecs: " + name + ": " + why + " (install Debian's ffmpeg libraries, or drop it)");
      CodecDelay(name, sample_rate_);  // measured once here, not on a loader thread mid-epoch
    }
}

Plan Augmenter::Apply(std::vector<float>& x, uint64_t seed) const {
  Plan plan;
  const double fs = sample_rate_;
  const size_t n = x.size();
  if (config_.speed.enabled) {
    Rng rng = StreamOf(seed, kSpeed);
    if (rng.Chance(config_.speed.p)) {
      const double factor = rng.Uniform(config_.speed.factor[0], config_.speed.factor[1]);
      x = audio::FitLength(ChangeSpeed(x, factor, fs), static_cast<int64_t>(n));
      plan.push_back(Format("speed %.4f", factor));
    }
  }
  if (config_.rawboost.enabled) {
    Rng rng = StreamOf(seed, kRawBoost);
    if (rng.Chance(config_.rawboost.p)) {
      x = ApplyRawBoost(x, config_.rawboost.params, fs, rng);
      plan.push_back(Format("rawboost %d", config_.rawboost.params.algo));
    }
  }
  if (config_.noise.enabled) {
    Rng rng = StreamOf(seed, kNoise);
    if (rng.Chance(config_.noise.p)) {
      const std::string& colour = Pick(config_.noise.colours, rng);
      const double snr = rng.Uniform(config_.noise.snr_db[0], config_.noise.snr_db[1]);
      AddNoiseAtSnr(x, MakeNoise(static_cast<int64_t>(n), colour, rng), snr);
      plan.push_back(Format("noise %s %.2f dB", colour.c_str(), snr));
    }
  }
  if (config_.codec.enabled) {
    Rng rng = StreamOf(seed, kCodec);
    if (rng.Chance(config_.codec.p)) {
      const std::string& codec = Pick(config_.codec.codecs, rng);
      x = CodecRoundTrip(x, codec, fs);
      plan.push_back("codec " + codec);
    }
  }
  if (config_.gain.enabled) {
    Rng rng = StreamOf(seed, kGain);
    if (rng.Chance(config_.gain.p)) {
      const double db = rng.Uniform(config_.gain.db[0], config_.gain.db[1]);
      ApplyGain(x, db);
      plan.push_back(Format("gain %.2f dB", db));
    }
  }
  return plan;
}

uint64_t ItemSeed(uint64_t position_seed, const std::string& utt) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : utt) h = (h ^ c) * 1099511628211ULL;
  return SplitMix64(position_seed ^ SplitMix64(h));
}

}  // namespace antispoof::augment
