// Codec round trips (augment/codec.h): G.711 against its companding definition, every codec's
// output as long as its input and aligned with it.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "antispoof/augment/augment_config.h"
#include "antispoof/augment/codec.h"

namespace antispoof::augment {
namespace {

// A vowel-like test signal unlike the delay probe: noise-free harmonics of a 110-160 Hz glide with
// a 2 Hz envelope, peak ~0.4.
std::vector<float> Vowel(int n, double fs) {
  std::vector<float> x(n);
  double phase = 0;
  for (int t = 0; t < n; ++t) {
    phase += (135 + 25 * std::sin(2 * M_PI * 0.9 * t / fs)) / fs;
    double v = 0;
    for (int h = 1; h <= 12; ++h) v += std::sin(2 * M_PI * h * phase) / h;
    x[t] = static_cast<float>(0.25 * (0.6 + 0.4 * std::sin(2 * M_PI * 2.0 * t / fs)) * v);
  }
  return x;
}

// The lag in [-max_lag, max_lag] where sum x[t] y[t + lag] peaks.
int PeakLag(const std::vector<float>& x, const std::vector<float>& y, int max_lag) {
  double best = -1e300;
  int best_lag = 0;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    double s = 0;
    for (int t = std::max(0, -lag); t < static_cast<int>(x.size()) && t + lag < static_cast<int>(y.size()); ++t)
      s += double(x[t]) * y[t + lag];
    if (s > best) {
      best = s;
      best_lag = lag;
    }
  }
  return best_lag;
}

double Correlation(const std::vector<float>& x, const std::vector<float>& y) {
  double xy = 0, xx = 0, yy = 0;
  for (size_t t = 0; t < x.size(); ++t) {
    xy += double(x[t]) * y[t];
    xx += double(x[t]) * x[t];
    yy += double(y[t]) * y[t];
  }
  return xy / std::sqrt(xx * yy);
}

TEST(G711Definition, MuLawErrorIsWithinHalfAStep) {
  EXPECT_EQ(MuLawRoundTrip(0.0f), 0.0f);
  for (int i = -32768; i < 32768; i += 7) {
    const float x = i / 32768.0f;
    const float y = MuLawRoundTrip(x);
    EXPECT_EQ(MuLawRoundTrip(y), y) << i;  // a decoded value is a reconstruction level
    if (std::abs(i) > 32124) {               // beyond the largest level: overload
      EXPECT_EQ(std::abs(y) * 32768, 32124) << i;
      continue;
    }
    const int segment = std::min(7, static_cast<int>(std::floor(std::log2((std::abs(i) + 132) / 128.0))));
    EXPECT_LE(std::abs(y - x) * 32768, (8 << segment) / 2.0 + 1) << i;
  }
}

TEST(G711Definition, ALawErrorIsWithinHalfAStep) {
  EXPECT_EQ(ALawRoundTrip(0.0f), 8 / 32768.0f);
  for (int i = -32768; i < 32768; i += 7) {
    const float x = i / 32768.0f;
    const float y = ALawRoundTrip(x);
    const int m = std::abs(i);
    const int step = m < 256 ? 16 : 16 << std::min(6, static_cast<int>(std::floor(std::log2(m / 256.0))));
    EXPECT_LE(std::abs(y - x) * 32768, step / 2.0 + 1) << i;
    EXPECT_EQ(ALawRoundTrip(y), y) << i;
  }
}

// At the codec's own rate (no resampling), libavcodec's G.711 is the definition's quantiser.
TEST(CodecRoundTrip, G711AtItsRateEqualsTheCompandingDefinition) {
  for (const char* name : {"g711u", "g711a"}) {
    std::string why;
    if (!CodecAvailable(name, &why)) GTEST_SKIP() << why;
    const std::vector<float> x = Vowel(8000, 8000);
    EXPECT_EQ(CodecDelay(name, 8000), 0) << name;
    const std::vector<float> y = CodecRoundTrip(x, name, 8000);
    ASSERT_EQ(y.size(), x.size());
    int same = 0;
    for (size_t t = 0; t < x.size(); ++t) {
      auto law = [&](float v) { return name[4] == 'u' ? MuLawRoundTrip(v) : ALawRoundTrip(v); };
      const float expected = law(x[t]);
      EXPECT_EQ(law(y[t]), y[t]) << name << " " << t << ": not one of G.711's reconstruction levels";
      if (y[t] == expected) ++same;
      // A value on a decision boundary may round to the neighbouring level.
      EXPECT_LE(std::abs(y[t] - expected) * 32768, (std::abs(x[t]) * 32768 / 16) + 16) << name << " " << t;
    }
    // libavcodec truncates to G.711's 13/14-bit input before its decision levels; values that
    // truncation moves across a decision level land on the neighbouring level.
    EXPECT_GE(same, 0.95 * x.size()) << name;
  }
}

TEST(CodecRoundTrip, EveryCodecKeepsTheLengthAndTheAlignment) {
  const double fs = 16000;
  const std::vector<float> x = Vowel(16000, fs);
  std::string missing;  // Debian 12's ffmpeg has every codec; another build may lack an encoder
  for (const std::string& name : CodecNames()) {
    std::string why;
    if (!CodecAvailable(name, &why)) {
      missing += (missing.empty() ? "" : "; ") + name + ": " + why;
      continue;
    }
    const std::vector<float> y = CodecRoundTrip(x, name, fs);
    ASSERT_EQ(y.size(), x.size()) << name;
    for (float v : y) ASSERT_TRUE(std::isfinite(v)) << name;
    EXPECT_EQ(PeakLag(x, y, 160), 0) << name << " (delay " << CodecDelay(name, fs) << ")";
    EXPECT_GT(Correlation(x, y), 0.5) << name;
    EXPECT_NE(y, x) << name;  // it did go through a lossy codec
    std::fprintf(stderr, "%-9s delay %5lld samples, correlation %.3f\n", name.c_str(),
                 static_cast<long long>(CodecDelay(name, fs)), Correlation(x, y));
  }
  if (!missing.empty()) GTEST_SKIP() << "the codecs present pass; missing: " << missing;
}

TEST(CodecRoundTrip, UnknownCodecIsAnError) {
  EXPECT_THROW(CodecAvailable("g729"), std::exception);
  EXPECT_THROW(CodecRoundTrip(std::vector<float>(100), "amr", 16000), std::exception);
}

TEST(CodecRoundTrip, ShortAndEmptyInputs) {
  for (const std::string& name : {std::string("gsm"), std::string("opus_16k"), std::string("mp3_32k")}) {
    if (!CodecAvailable(name)) continue;
    EXPECT_EQ(CodecRoundTrip({}, name, 16000).size(), 0u) << name;
    EXPECT_EQ(CodecRoundTrip(std::vector<float>(37, 0.1f), name, 16000).size(), 37u) << name;
  }
}

}  // namespace
}  // namespace antispoof::augment
