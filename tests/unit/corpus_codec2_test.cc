// LPCNet and Codec 2 copy-synthesis (libcodec2 in process): determinism under concurrency, the
// seed's effect, alignment with the input, and the folded high band.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <thread>

#include "antispoof/common/error.h"
#include "antispoof/corpus/codec2_vocoders.h"
#include "antispoof/corpus/dsp.h"
#include "support/test_support.h"

namespace antispoof::corpus {
namespace {

constexpr int kRate = 16000;

// 0.5 s of silence, 0.6 s of a vowel-like sound (pulse train at f0 through three formant
// resonators, peak 0.3), 0.5 s of silence. Speech starts at sample 8000 and ends at 17600.
Signal Vowel(double f0) {
  Signal x(static_cast<size_t>(1.6 * kRate), 0.0f);
  const size_t n0 = 8000, n1 = 17600;
  std::vector<double> y(n1 - n0, 0.0);
  for (size_t i = 0; i < y.size(); i += static_cast<size_t>(kRate / f0)) y[i] = 1.0;
  for (auto [fc, bw] : {std::pair{700.0, 100.0}, {1200.0, 120.0}, {2500.0, 200.0}}) {
    double r = std::exp(-kPi * bw / kRate), a1 = -2 * r * std::cos(2 * kPi * fc / kRate), a2 = r * r;
    double z1 = 0, z2 = 0;
    for (auto& v : y) {
      double z = v - a1 * z1 - a2 * z2;
      z2 = z1, z1 = z, v = z;
    }
  }
  double peak = 0;
  for (double v : y) peak = std::max(peak, std::fabs(v));
  for (size_t i = 0; i < y.size(); ++i) x[n0 + i] = static_cast<float>(0.3 * y[i] / peak);
  return x;
}

// Mean of the first and last sample whose 10 ms RMS exceeds a tenth of the loudest frame's.
double Centre(const Signal& x) {
  std::vector<double> rms;
  for (size_t i = 0; i + 160 <= x.size(); i += 160) {
    double s = 0;
    for (size_t j = i; j < i + 160; ++j) s += double(x[j]) * x[j];
    rms.push_back(std::sqrt(s / 160));
  }
  double top = *std::max_element(rms.begin(), rms.end());
  size_t first = rms.size(), last = 0;
  for (size_t k = 0; k < rms.size(); ++k)
    if (rms[k] > 0.1 * top) first = std::min(first, k), last = k;
  return (first + last + 1) * 160 / 2.0;
}

double BandEnergy(const Signal& x, double lo, double hi) {
  Stft s = Analyse(x, 512, 128);
  double e = 0;
  for (const auto& f : s.frames)
    for (size_t b = 0; b < f.size(); ++b) {
      double hz = b * double(kRate) / 512;
      if (hz >= lo && hz < hi) e += std::norm(f[b]);
    }
  return e;
}

TEST(CorpusCodec2, LpcnetIsAFunctionOfInputAndSeedEvenUnderConcurrency) {
  const Signal x = Vowel(140);
  const Signal a = LpcnetCopySynthesis(x, 0, 42);
  ASSERT_EQ(a.size(), x.size());
  for (float v : a) ASSERT_TRUE(std::isfinite(v));
  // Other threads drawing from rand() and running the vocoders with other seeds change nothing.
  Signal b, c;
  std::thread noise([] {
    for (int i = 0; i < 200000; ++i) (void)std::rand();
  });
  std::thread other([&] { c = LpcnetCopySynthesis(x, 0, 7); });
  b = LpcnetCopySynthesis(x, 0, 42);
  noise.join();
  other.join();
  EXPECT_EQ(a, b);
  // LPCNet samples its excitation: another seed gives another waveform.
  EXPECT_NE(a, c);
}

TEST(CorpusCodec2, LpcnetOutputIsAlignedWithItsInput) {
  // Within 20 ms (the codec's own delay is 50 ms).
  for (auto [f0, vq] : {std::pair{120.0, 0}, {210.0, 1}}) {
    const Signal x = Vowel(f0);
    const Signal y = LpcnetCopySynthesis(x, vq, 3);
    EXPECT_NEAR(Centre(y), Centre(x), 320) << "f0 " << f0 << ", vq " << vq;
  }
}

TEST(CorpusCodec2, Codec2IsDeterministicAlignedAndFoldsTheHighBand) {
  const Signal x = Vowel(150);
  for (int mode : {3200, 2400, 1600, 1300}) {
    const Signal y = Codec2Vocoder(x, mode, 0.3, 11);
    ASSERT_EQ(y.size(), x.size());
    EXPECT_EQ(y, Codec2Vocoder(x, mode, 0.3, 11)) << mode;
    EXPECT_NEAR(Centre(y), Centre(x), 240) << mode;
  }
  // Without the fold nothing is left above 4 kHz; with it, the band carries the mirror image.
  const Signal narrow = Codec2Vocoder(x, 3200, 0.0, 11), folded = Codec2Vocoder(x, 3200, 0.3, 11);
  const double low = BandEnergy(narrow, 100, 3800);
  EXPECT_LT(BandEnergy(narrow, 4300, 7800), 1e-4 * low);
  EXPECT_GT(BandEnergy(folded, 4300, 7800), 0.01 * low);
}

TEST(CorpusCodec2, UnknownSettingsAreErrors) {
  const Signal x = Vowel(150);
  EXPECT_NE(antispoof::testing::ErrorMessageOf([&] { Codec2Vocoder(x, 999, 0.3, 1); }).find("mode 999"),
            std::string::npos);
  EXPECT_NE(antispoof::testing::ErrorMessageOf([&] { LpcnetCopySynthesis(x, 5, 1); }).find("quantiser 5"),
            std::string::npos);
}

}  // namespace
}  // namespace antispoof::corpus
