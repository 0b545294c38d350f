// Gain, speed and additive noise against their definitions (augment/simple.h).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "antispoof/augment/simple.h"

namespace antispoof::augment {
namespace {

constexpr double kFs = 16000;

std::vector<float> Sine(int n, double hz, double amplitude = 0.3) {
  std::vector<float> x(n);
  for (int t = 0; t < n; ++t) x[t] = static_cast<float>(amplitude * std::sin(2 * M_PI * hz * t / kFs));
  return x;
}

double Energy(const std::vector<float>& x) {
  double e = 0;
  for (float v : x) e += static_cast<double>(v) * v;
  return e;
}

// The frequency in [lo, hi] Hz (1 Hz steps) where x's DFT magnitude peaks.
double PeakFrequency(const std::vector<float>& x, double lo, double hi) {
  double best = 0, best_f = lo;
  for (double f = lo; f <= hi; f += 1) {
    double re = 0, im = 0;
    for (size_t t = 0; t < x.size(); ++t) {
      re += x[t] * std::cos(2 * M_PI * f * t / kFs);
      im -= x[t] * std::sin(2 * M_PI * f * t / kFs);
    }
    const double m = re * re + im * im;
    if (m > best) {
      best = m;
      best_f = f;
    }
  }
  return best_f;
}

TEST(AugmentGain, ScalesByExactlyTheDecibels) {
  for (double db : {-6.0, -0.5, 0.0, 3.0, 6.0}) {
    std::vector<float> x = Sine(4000, 300);
    const double before = Energy(x);
    ApplyGain(x, db);
    EXPECT_NEAR(10 * std::log10(Energy(x) / before), db, 1e-5) << db;
  }
}

TEST(AugmentSpeed, DividesTheDurationAndMultipliesThePitch) {
  const std::vector<float> x = Sine(16000, 500);
  for (double factor : {0.8, 1.25}) {
    const std::vector<float> y = ChangeSpeed(x, factor, kFs);
    EXPECT_EQ(static_cast<int64_t>(y.size()), std::llround(16000 / factor)) << factor;
    // Away from the ends (the resampler's edges).
    const std::vector<float> mid(y.begin() + 1000, y.end() - 1000);
    EXPECT_NEAR(PeakFrequency(mid, 300, 800), 500 * factor, 1.5) << factor;
  }
  EXPECT_EQ(ChangeSpeed(x, 1.0, kFs), x);
  EXPECT_THROW(ChangeSpeed(x, 0.0, kFs), std::exception);
}

TEST(AugmentNoise, AddedNoiseHasExactlyTheRequestedSnr) {
  const std::vector<float> clean = Sine(16000, 440);
  for (const char* colour : {"white", "pink", "brown"}) {
    for (double snr : {0.0, 10.0, 25.0, 40.0}) {
      Rng rng(5);
      std::vector<float> x = clean;
      AddNoiseAtSnr(x, MakeNoise(16000, colour, rng), snr);
      double noise = 0;
      for (size_t t = 0; t < x.size(); ++t) noise += (double(x[t]) - clean[t]) * (double(x[t]) - clean[t]);
      EXPECT_NEAR(10 * std::log10(Energy(clean) / noise), snr, 0.01) << colour << " " << snr;
    }
  }
}

TEST(AugmentNoise, ColoursHaveTheirSpectralTilt) {
  // The share of energy in the first differences falls from white (2: a flat spectrum) to pink
  // (power ~ 1/f) to brown (~ 1/f^2).
  auto diff_ratio = [](const std::vector<float>& n) {
    double d = 0;
    for (size_t t = 1; t < n.size(); ++t) d += (double(n[t]) - n[t - 1]) * (double(n[t]) - n[t - 1]);
    return d / Energy(n);
  };
  Rng a(1), b(1), c(1);
  const auto white = MakeNoise(32000, "white", a), pink = MakeNoise(32000, "pink", b), brown = MakeNoise(32000, "brown", c);
  EXPECT_NEAR(Energy(white) / 32000, 1.0, 1e-4);  // unit RMS
  EXPECT_NEAR(diff_ratio(white), 2.0, 0.05);
  EXPECT_LT(diff_ratio(pink), 1.0);
  EXPECT_GT(diff_ratio(pink), 0.05);
  EXPECT_LT(diff_ratio(brown), 0.02);
  Rng d(1);
  EXPECT_THROW(MakeNoise(10, "purple", d), std::exception);
}

TEST(AugmentNoise, SilenceStaysSilent) {
  std::vector<float> x(100, 0.0f);
  Rng rng(2);
  AddNoiseAtSnr(x, MakeNoise(100, "white", rng), 10);
  EXPECT_EQ(x, std::vector<float>(100, 0.0f));
}

}  // namespace
}  // namespace antispoof::augment
