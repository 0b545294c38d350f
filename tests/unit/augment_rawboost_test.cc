// RawBoost's three families and combinations against their definitions (augment/rawboost.h).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "antispoof/augment/rawboost.h"

namespace antispoof::augment {
namespace {

constexpr double kFs = 16000;

// A speech-like test signal: two partials under a slow envelope, peak `amplitude`.
std::vector<float> Voice(int n, double amplitude = 0.5) {
  std::vector<float> x(n);
  for (int t = 0; t < n; ++t) {
    const double env = 0.5 + 0.5 * std::sin(2 * M_PI * 2.0 * t / kFs);
    x[t] = static_cast<float>(amplitude * env *
                              (0.7 * std::sin(2 * M_PI * 180 * t / kFs) + 0.3 * std::sin(2 * M_PI * 1130 * t / kFs)));
  }
  return x;
}

double Energy(const std::vector<float>& x) {
  double e = 0;
  for (float v : x) e += static_cast<double>(v) * v;
  return e;
}

double Peak(const std::vector<float>& x) {
  double p = 0;
  for (float v : x) p = std::max(p, static_cast<double>(std::abs(v)));
  return p;
}

TEST(RawBoostNotchBank, OneLongNotchStopsItsBandAndPassesDc) {
  RawBoostParams p;
  p.n_bands = 1;
  p.centre_hz = {3000, 3000};
  p.width_hz = {800, 800};
  p.taps = {301, 301};
  Rng rng(7);
  const NotchBank bank = DesignNotchBank(p, -3, -3, kFs, rng);
  ASSERT_EQ(bank.bands.size(), 1u);
  EXPECT_EQ(bank.bands[0].taps, 301);
  EXPECT_EQ(bank.b.size(), 301u);
  EXPECT_DOUBLE_EQ(bank.gain_db, -3);
  const double g = std::pow(10.0, -3.0 / 20);
  double peak = 0;
  for (int k = 0; k < 512; ++k) peak = std::max(peak, FirMagnitude(bank.b, kFs / 2 * k / 512.0, kFs));
  EXPECT_NEAR(peak, g, 1e-9);                                 // scaled to 10^(G/20) on freqz's grid
  EXPECT_NEAR(FirMagnitude(bank.b, 0, kFs), g, 0.01 * g);     // unit DC gain before the scaling
  EXPECT_LT(FirMagnitude(bank.b, 3000, kFs), 0.01 * g);       // the stop band's centre
  EXPECT_NEAR(FirMagnitude(bank.b, 6000, kFs), g, 0.02 * g);  // far above it: passed
}

TEST(RawBoostNotchBank, EvenTapDrawsGetOneMoreTapAndCascadeLengthsAdd) {
  RawBoostParams p;
  p.n_bands = 5;
  p.taps = {20, 20};  // floor(U(20, 20)) = 20, even -> 21
  Rng rng(3);
  const NotchBank bank = DesignNotchBank(p, 0, 0, kFs, rng);
  ASSERT_EQ(bank.bands.size(), 5u);
  for (const NotchBand& b : bank.bands) EXPECT_EQ(b.taps, 21);
  EXPECT_EQ(bank.b.size(), 5u * 21 - 4);
}

TEST(RawBoostFilter, OutputIsAlignedWithTheInput) {
  std::vector<double> x(100, 0.0);
  x[40] = 1;
  const std::vector<double> b = {0.1, 0.2, 0.4, 0.2, 0.1};  // symmetric: group delay 2
  const std::vector<double> y = FilterAligned(x, b);
  ASSERT_EQ(y.size(), x.size());
  EXPECT_DOUBLE_EQ(y[40], 0.4);  // the centre tap lands on the impulse
  EXPECT_DOUBLE_EQ(y[39], 0.2);
  EXPECT_DOUBLE_EQ(y[41], 0.2);
  EXPECT_DOUBLE_EQ(y[38], 0.1);
  EXPECT_DOUBLE_EQ(y[42], 0.1);
  EXPECT_DOUBLE_EQ(std::accumulate(y.begin(), y.end(), 0.0), 1.0);
}

TEST(RawBoostLnl, ChangesTheSignalStaysFiniteAndWithinPeakOne) {
  const std::vector<float> x = Voice(16000);
  RawBoostParams p;  // published defaults: 5 bands, N_f = 5
  for (uint64_t seed : {1, 2, 3}) {
    Rng rng(seed);
    const std::vector<float> y = LnlConvolutiveNoise(x, p, kFs, rng);
    ASSERT_EQ(y.size(), x.size());
    double diff = 0, mean = 0;
    for (size_t t = 0; t < y.size(); ++t) {
      ASSERT_TRUE(std::isfinite(y[t]));
      diff += std::abs(y[t] - x[t]);
      mean += y[t];
    }
    EXPECT_GT(diff / y.size(), 1e-3);
    EXPECT_LE(Peak(y), 1.0 + 1e-6);
    EXPECT_NEAR(mean / y.size(), 0.0, 1e-6);  // the mean is removed
  }
}

TEST(RawBoostLnl, LinearOnlyAtZeroDbDoesNotAmplify) {
  const std::vector<float> x = Voice(16000);
  RawBoostParams p;
  p.n_f = 1;  // one notch bank on x itself, peak gain 1
  // Notches well above 0 Hz: a short notch near 0 Hz tilts the whole response (its gain is set at
  // 0 Hz, as in the reference), which would make the lower bound below meaningless.
  p.centre_hz = {3000, 7000};
  Rng rng(11);
  const std::vector<float> y = LnlConvolutiveNoise(x, p, kFs, rng);
  EXPECT_LE(Energy(y), 1.02 * Energy(x));
  EXPECT_GT(Energy(y), 0.01 * Energy(x));
}

TEST(RawBoostIsd, TouchesAtMostPPercentOfSamplesAndHalfOfPOnAverage) {
  const std::vector<float> x = Voice(20000, 0.1);  // |y| <= 3 |x| < 1: no rescaling
  RawBoostParams p;                                // P = 10 %, g_sd = 2
  double fraction_sum = 0;
  const int runs = 60;
  for (int s = 0; s < runs; ++s) {
    Rng rng(100 + s);
    const std::vector<float> y = IsdAdditiveNoise(x, p, rng);
    int changed = 0;
    for (size_t t = 0; t < x.size(); ++t) {
      if (y[t] == x[t]) continue;
      ++changed;
      EXPECT_LE(std::abs(y[t] - x[t]), p.isd_gain * std::abs(x[t]) * (1 + 1e-5) + 1e-9);
    }
    const double fraction = 100.0 * changed / x.size();
    EXPECT_LE(fraction, p.isd_percent);
    fraction_sum += fraction;
  }
  EXPECT_NEAR(fraction_sum / runs, p.isd_percent / 2, 1.0);  // beta ~ U(0, P)
}

TEST(RawBoostSsi, SnrOfTheAddedNoiseLiesInItsRange) {
  const std::vector<float> x = Voice(16000);
  RawBoostParams p;  // SNR in [10, 40] dB
  double lo = 1e9, hi = -1e9;
  for (int s = 0; s < 30; ++s) {
    Rng rng(500 + s);
    const std::vector<float> y = SsiAdditiveNoise(x, p, kFs, rng);
    double noise = 0;
    for (size_t t = 0; t < x.size(); ++t) noise += (double(y[t]) - x[t]) * (double(y[t]) - x[t]);
    const double snr = 10 * std::log10(Energy(x) / noise);
    EXPECT_GE(snr, 10 - 0.01);
    EXPECT_LE(snr, 40 + 0.01);
    lo = std::min(lo, snr);
    hi = std::max(hi, snr);
  }
  EXPECT_LT(lo, 20);  // drawn over the range, not fixed
  EXPECT_GT(hi, 30);
}

// Each published combination is its families in series (or, for 8, in parallel) on one stream.
TEST(RawBoostCombinations, ApplyTheRightFamiliesInOrder) {
  const std::vector<float> x = Voice(8000);
  RawBoostParams p;
  auto run = [&](int algo) {
    RawBoostParams q = p;
    q.algo = algo;
    Rng rng(42);
    return ApplyRawBoost(x, q, kFs, rng);
  };
  auto manual = [&](int algo) {
    Rng rng(42);
    switch (algo) {
      case 1: return LnlConvolutiveNoise(x, p, kFs, rng);
      case 2: return IsdAdditiveNoise(x, p, rng);
      case 3: return SsiAdditiveNoise(x, p, kFs, rng);
      case 4: {
        auto a = LnlConvolutiveNoise(x, p, kFs, rng);
        auto b = IsdAdditiveNoise(a, p, rng);
        return SsiAdditiveNoise(b, p, kFs, rng);
      }
      case 5: {
        auto a = LnlConvolutiveNoise(x, p, kFs, rng);
        return IsdAdditiveNoise(a, p, rng);
      }
      case 6: {
        auto a = LnlConvolutiveNoise(x, p, kFs, rng);
        return SsiAdditiveNoise(a, p, kFs, rng);
      }
      case 7: {
        auto a = IsdAdditiveNoise(x, p, rng);
        return SsiAdditiveNoise(a, p, kFs, rng);
      }
      default: {
        auto a = LnlConvolutiveNoise(x, p, kFs, rng);
        auto b = IsdAdditiveNoise(x, p, rng);
        std::vector<float> sum(x.size());
        double peak = 0;
        for (size_t t = 0; t < x.size(); ++t) peak = std::max(peak, std::abs(double(a[t]) + b[t]));
        for (size_t t = 0; t < x.size(); ++t)
          sum[t] = static_cast<float>((double(a[t]) + b[t]) / (peak > 1 ? peak : 1));
        return sum;
      }
    }
  };
  for (int algo = 1; algo <= 8; ++algo) EXPECT_EQ(run(algo), manual(algo)) << "algo " << algo;
  EXPECT_NE(run(5), run(6));
  EXPECT_NE(run(5), run(1));
}

TEST(RawBoost, SameSeedSameOutputOtherSeedOther) {
  const std::vector<float> x = Voice(8000);
  RawBoostParams p;
  p.algo = 4;
  Rng a(9), b(9), c(10);
  const auto ya = ApplyRawBoost(x, p, kFs, a);
  EXPECT_EQ(ya, ApplyRawBoost(x, p, kFs, b));
  EXPECT_NE(ya, ApplyRawBoost(x, p, kFs, c));
}

TEST(RawBoost, UnknownAlgorithmIsAnError) {
  RawBoostParams p;
  p.algo = 9;
  Rng rng(1);
  EXPECT_THROW(ApplyRawBoost(Voice(100), p, kFs, rng), std::exception);
}

}  // namespace
}  // namespace antispoof::augment
