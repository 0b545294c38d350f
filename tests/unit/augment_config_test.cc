// The augment key's reader, writer and checks (augment/augment_config.h): every bad value names its
// sub-key.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "antispoof/augment/augment_config.h"

namespace antispoof::augment {
namespace {

AugmentConfig Read(const std::string& yaml) { return ReadAugmentConfig(YAML::Load(yaml), "conf.yaml: augment: "); }

std::string ErrorOf(const std::string& yaml) {
  try {
    Read(yaml);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(AugmentConfig, NoneIsTheDefaultAndWritesAsNone) {
  EXPECT_FALSE(AugmentConfig().Enabled());
  EXPECT_FALSE(Read("none").Enabled());
  EXPECT_EQ(WriteAugmentConfig(AugmentConfig()), "none");
  EXPECT_EQ(WriteAugmentConfig(Read("none")), "none");
}

TEST(AugmentConfig, ReadsEachTransformWithDefaultsForWhatIsLeftOut) {
  const AugmentConfig c = Read(
      "{rawboost: {algo: 4, p: 0.5}, codec: {p: 0.3, codecs: [g711u, gsm]}, gain: {db: [-3, 3]}, "
      "speed: {}, noise: {snr_db: [5, 15], colours: [pink]}}");
  EXPECT_TRUE(c.Enabled());
  EXPECT_TRUE(c.rawboost.enabled);
  EXPECT_EQ(c.rawboost.params.algo, 4);
  EXPECT_DOUBLE_EQ(c.rawboost.p, 0.5);
  EXPECT_EQ(c.rawboost.params.n_bands, 5);  // published defaults
  EXPECT_EQ(c.rawboost.params.n_f, 5);
  EXPECT_DOUBLE_EQ(c.rawboost.params.isd_percent, 10);
  EXPECT_EQ(c.codec.codecs, (std::vector<std::string>{"g711u", "gsm"}));
  EXPECT_DOUBLE_EQ(c.gain.p, 1);
  EXPECT_DOUBLE_EQ(c.gain.db[0], -3);
  EXPECT_TRUE(c.speed.enabled);
  EXPECT_DOUBLE_EQ(c.speed.factor[0], 0.9);
  EXPECT_EQ(c.noise.colours, (std::vector<std::string>{"pink"}));
  EXPECT_DOUBLE_EQ(c.noise.snr_db[1], 15);
}

TEST(AugmentConfig, WrittenFormReadsBackToTheSameConfig) {
  const AugmentConfig c = Read("{rawboost: {algo: 6}, codec: {p: 0.25}, noise: {p: 0.1}}");
  const std::string written = WriteAugmentConfig(c);
  EXPECT_NE(written.find("rawboost: {p: 1, algo: 6, n_bands: 5"), std::string::npos) << written;
  EXPECT_NE(written.find("codecs: [g711u, g711a, g722, gsm, opus_8k"), std::string::npos) << written;
  EXPECT_EQ(written.find(", gain: {"), std::string::npos) << written;
  EXPECT_EQ(WriteAugmentConfig(Read(written)), written);
}

TEST(AugmentConfig, ErrorsNameTheSubKey) {
  EXPECT_EQ(ErrorOf("{rawboost: {p: 1.5}}"), "conf.yaml: augment.rawboost.p: must be in [0, 1]");
  EXPECT_EQ(ErrorOf("{rawboost: {algo: 9}}"), "conf.yaml: augment.rawboost.algo: must be in [1, 8]");
  EXPECT_EQ(ErrorOf("{rawboost: {q: 1}}").rfind("conf.yaml: augment.rawboost.q: unknown key", 0), 0u)
      << ErrorOf("{rawboost: {q: 1}}");
  EXPECT_EQ(ErrorOf("{reverb: {p: 1}}").rfind("conf.yaml: augment.reverb: unknown transform", 0), 0u);
  EXPECT_EQ(ErrorOf("{codec: {codecs: [g729]}}").rfind("conf.yaml: augment.codec.codecs: unknown name 'g729'", 0), 0u)
      << ErrorOf("{codec: {codecs: [g729]}}");
  EXPECT_EQ(ErrorOf("{codec: {codecs: [gsm, gsm]}}"), "conf.yaml: augment.codec.codecs: 'gsm' is listed twice");
  EXPECT_EQ(ErrorOf("{gain: {db: [6, -6]}}"), "conf.yaml: augment.gain.db: min must not exceed max");
  EXPECT_EQ(ErrorOf("{gain: {db: [1, x]}}"), "conf.yaml: augment.gain.db[1]: expected a number, got 'x'");
  EXPECT_EQ(ErrorOf("{speed: {factor: 1.1}}"), "conf.yaml: augment.speed.factor: expected [min, max]");
  EXPECT_EQ(ErrorOf("{speed: {factor: [0.1, 1]}}"), "conf.yaml: augment.speed.factor: must be in [0.5, 2]");
  EXPECT_EQ(ErrorOf("{noise: {colours: []}}"), "conf.yaml: augment.noise.colours: must name at least one");
  EXPECT_EQ(ErrorOf("{noise: 3}").rfind("conf.yaml: augment.noise: expected a mapping", 0), 0u);
  EXPECT_EQ(ErrorOf("rawboost").rfind("conf.yaml: augment: expected none or a mapping", 0), 0u);
}

TEST(AugmentConfig, CheckNamesTheKeyOfAConfigBuiltInCode) {
  AugmentConfig c;
  EXPECT_EQ(CheckAugmentConfig(c), "");
  c.noise.enabled = true;
  c.noise.p = -0.1;
  EXPECT_EQ(CheckAugmentConfig(c), "noise.p: must be in [0, 1]");
}

TEST(AugmentConfig, HelpListsEverySubKey) {
  const auto keys = DescribeAugmentKeys();
  auto has = [&](const std::string& k) {
    for (const auto& h : keys)
      if (h.key == k) return true;
    return false;
  };
  for (const char* k : {"augment.rawboost", "augment.rawboost.p", "augment.rawboost.algo", "augment.rawboost.n_f",
                        "augment.codec.codecs", "augment.gain.db", "augment.speed.factor", "augment.noise.snr_db",
                        "augment.noise.colours"})
    EXPECT_TRUE(has(k)) << k;
}

}  // namespace
}  // namespace antispoof::augment
