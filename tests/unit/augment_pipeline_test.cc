// The pipeline (augment/augment.h): probabilities, independence of the transforms' draws, and
// determinism in the seed.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "antispoof/augment/augment.h"

namespace antispoof::augment {
namespace {

std::vector<float> Voice(int n) {
  std::vector<float> x(n);
  for (int t = 0; t < n; ++t)
    x[t] = static_cast<float>(0.3 * std::sin(2 * M_PI * 150 * t / 16000.0) + 0.1 * std::sin(2 * M_PI * 900 * t / 16000.0));
  return x;
}

AugmentConfig Everything() {
  AugmentConfig c;
  c.rawboost.enabled = true;
  c.codec.enabled = true;
  c.codec.codecs = {"g711u", "gsm"};
  c.gain.enabled = true;
  c.speed.enabled = true;
  c.noise.enabled = true;
  return c;
}

TEST(Augmenter, SameSeedSameResultOtherSeedOther) {
  const Augmenter aug(Everything(), 16000);
  std::vector<float> a = Voice(8000), b = Voice(8000), c = Voice(8000);
  const Plan pa = aug.Apply(a, 123), pb = aug.Apply(b, 123), pc = aug.Apply(c, 124);
  EXPECT_EQ(a, b);
  EXPECT_EQ(pa, pb);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 8000u);
  EXPECT_EQ(c.size(), 8000u);
  ASSERT_EQ(pa.size(), 5u);  // p = 1: every transform, in the documented order
  EXPECT_EQ(pa[0].rfind("speed", 0), 0u);
  EXPECT_EQ(pa[1], "rawboost 5");
  EXPECT_EQ(pa[2].rfind("noise", 0), 0u);
  EXPECT_EQ(pa[3].rfind("codec", 0), 0u);
  EXPECT_EQ(pa[4].rfind("gain", 0), 0u);
}

TEST(Augmenter, ProbabilityZeroLeavesTheSamplesBitIdentical) {
  AugmentConfig c = Everything();
  c.rawboost.p = c.codec.p = c.gain.p = c.speed.p = c.noise.p = 0;
  const Augmenter aug(c, 16000);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> x = Voice(4000);
    EXPECT_TRUE(aug.Apply(x, seed).empty());
    EXPECT_EQ(x, Voice(4000));
  }
}

TEST(Augmenter, ProbabilityIsTheShareOfUtterancesTransformed) {
  AugmentConfig c;
  c.gain.enabled = true;
  c.gain.p = 0.3;
  const Augmenter aug(c, 16000);
  int applied = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    std::vector<float> x = Voice(16);
    applied += aug.Apply(x, seed).size();
  }
  EXPECT_NEAR(applied / 2000.0, 0.3, 0.04);
}

TEST(Augmenter, OneTransformDoesNotChangeAnotherOnesDraws) {
  AugmentConfig only_rawboost;
  only_rawboost.rawboost.enabled = true;
  AugmentConfig with_gain = only_rawboost;
  with_gain.gain.enabled = true;
  with_gain.gain.db = {6, 6};
  std::vector<float> a = Voice(8000), b = Voice(8000);
  Augmenter(only_rawboost, 16000).Apply(a, 77);
  Augmenter(with_gain, 16000).Apply(b, 77);
  const float g = static_cast<float>(std::pow(10.0, 6.0 / 20));
  for (size_t t = 0; t < a.size(); ++t) ASSERT_NEAR(b[t], a[t] * g, 1e-5f) << t;
}

TEST(Augmenter, SpeedKeepsTheLength) {
  AugmentConfig c;
  c.speed.enabled = true;
  c.speed.factor = {0.6, 1.6};
  const Augmenter aug(c, 16000);
  for (uint64_t seed = 0; seed < 10; ++seed) {
    std::vector<float> x = Voice(5000);
    aug.Apply(x, seed);
    EXPECT_EQ(x.size(), 5000u);
  }
}

TEST(Augmenter, BadConfigIsAnErrorNamingTheKey) {
  AugmentConfig c;
  c.codec.enabled = true;
  c.codec.codecs = {"g729"};
  try {
    Augmenter(c, 16000);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()).rfind("augment.codec.codecs: unknown name 'g729'", 0), 0u) << e.what();
  }
}

TEST(Augmenter, ItemSeedMixesTheUtterance) {
  EXPECT_EQ(ItemSeed(5, "LA_T_1"), ItemSeed(5, "LA_T_1"));
  EXPECT_NE(ItemSeed(5, "LA_T_1"), ItemSeed(5, "LA_T_2"));
  EXPECT_NE(ItemSeed(5, "LA_T_1"), ItemSeed(6, "LA_T_1"));
}

}  // namespace
}  // namespace antispoof::augment
