// The `augment` key in a config: read, written, overridden, refused with cache_front_end, and
// errors naming the file and the sub-key.
#include <gtest/gtest.h>

#include <string>

#include "antispoof/config/config.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

TEST(ConfigAugment, NoneByDefaultAndWrittenAsNone) {
  const Config c = ParseConfig("lr: 0.001\n", "a.yaml");
  EXPECT_FALSE(c.train.augment.Enabled());
  EXPECT_NE(ToYaml(c).find("\naugment: none\n"), std::string::npos) << ToYaml(c);
  // A config written before the key existed reads the same as one that says none.
  EXPECT_EQ(c, ParseConfig("lr: 0.001\naugment: none\n", "b.yaml"));
}

TEST(ConfigAugment, MappingIsReadAndTheResolvedConfigReadsBack) {
  const Config c = ParseConfig(
      "augment:\n  rawboost: {algo: 5, p: 0.5}\n  codec: {p: 0.3, codecs: [g711u, g722, mp3_32k]}\n"
      "  gain: {db: [-6, 6]}\n",
      "a.yaml");
  EXPECT_TRUE(c.train.augment.rawboost.enabled);
  EXPECT_DOUBLE_EQ(c.train.augment.rawboost.p, 0.5);
  EXPECT_EQ(c.train.augment.codec.codecs.size(), 3u);
  EXPECT_FALSE(c.train.augment.speed.enabled);
  const std::string yaml = ToYaml(c);
  const Config again = ParseConfig(yaml, "resolved");
  EXPECT_EQ(ToYaml(again), yaml);
  EXPECT_EQ(again, c);
  EXPECT_NE(c, ParseConfig("lr: 1e-4\n", "none.yaml"));
}

TEST(ConfigAugment, ErrorsNameTheFileAndTheSubKey) {
  std::string e = testing::ErrorMessageOf([] { ParseConfig("augment: {rawboost: {p: 2}}\n", "bad.yaml"); });
  EXPECT_EQ(e, "bad.yaml: augment.rawboost.p: must be in [0, 1]");
  e = testing::ErrorMessageOf([] { ParseConfig("augment: {noise: {snr: [1, 2]}}\n", "bad.yaml"); });
  EXPECT_EQ(e.rfind("bad.yaml: augment.noise.snr: unknown key (known: ", 0), 0u) << e;
  e = testing::ErrorMessageOf([] { ParseConfig("augment: rawboost\n", "bad.yaml"); });
  EXPECT_EQ(e.rfind("bad.yaml: augment: expected none or a mapping", 0), 0u) << e;
}

TEST(ConfigAugment, RefusedWithTheCachedFrontEndNamingBothKeys) {
  const std::string e = testing::ErrorMessageOf(
      [] { ParseConfig("cache_front_end: true\naugment: {gain: {}}\n", "both.yaml"); });
  EXPECT_EQ(e.rfind("both.yaml: augment: cannot be combined with cache_front_end: true", 0), 0u) << e;
  EXPECT_NO_THROW(ParseConfig("cache_front_end: true\naugment: none\n", "ok.yaml"));
}

TEST(ConfigAugment, OverridesSetTheWholeKey) {
  Config c = ParseConfig("lr: 0.001\n", "a.yaml");
  ApplyOverride(c, "augment={speed: {factor: [0.95, 1.05]}}");
  EXPECT_TRUE(c.train.augment.speed.enabled);
  EXPECT_DOUBLE_EQ(c.train.augment.speed.factor[1], 1.05);
  const std::vector<KeyChange> changes = DiffConfigs(ParseConfig("lr: 0.001\n", "a.yaml"), c);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "augment");
  EXPECT_EQ(changes[0].before, "none");
  const std::string e = testing::ErrorMessageOf([&] { ApplyOverride(c, "augment={speed: {p: -1}}"); });
  EXPECT_NE(e.find("augment.speed.p: must be in [0, 1]"), std::string::npos) << e;
  ApplyOverride(c, "augment=none");
  EXPECT_FALSE(c.train.augment.Enabled());
}

TEST(ConfigAugment, KeyTableListsTheTransformsAndTheirParameters) {
  const std::string text = FormatKeyTable(false);
  for (const char* k : {"augment ", "augment.rawboost.algo", "augment.codec.codecs", "augment.noise.snr_db"})
    EXPECT_NE(text.find(k), std::string::npos) << k;
  EXPECT_NE(FormatKeyTable(true).find("| `augment.rawboost.n_f` | integer | `5` |"), std::string::npos);
}

}  // namespace
}  // namespace antispoof
