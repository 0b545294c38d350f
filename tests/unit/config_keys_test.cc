// The config keys' single declaration drives reading, writing, overrides, typed flags, equality,
// diffs and the help text; these tests hold each of them to it.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/config/config.h"
#include "antispoof/config/key_flags.h"
#include "support/test_support.h"

namespace antispoof {
namespace {

Config Defaults(const std::string& architecture) {
  return ParseConfig("model:\n  architecture: " + architecture + "\n", architecture + ".yaml");
}

TEST(ConfigKeys, DocsListEveryKeyAsDeclared) {
  const std::string doc = ReadFile(testing::SourceDir() + "/docs/config.md");
  EXPECT_NE(doc.find(FormatKeyTable(true)), std::string::npos)
      << "docs/config.md is out of date: paste `antispoof config --markdown` into it";
}

TEST(ConfigKeys, EveryKeyIsWrittenAndOverridableWithItsOwnValue) {
  size_t seen = 0;
  for (const KeyDescription& k : DescribeKeys()) {
    Config c = Defaults(k.architecture.empty() ? "RawNet2" : k.architecture);
    const std::string yaml = ToYaml(c);
    const std::string name = k.key.substr(k.key.rfind('.') + 1);
    EXPECT_NE(yaml.find(name + ": "), std::string::npos) << k.key << " is not written";
    // The help's default is the value written, and setting it again changes nothing.
    const Config before = c;
    const std::string value = k.default_value.substr(0, k.default_value.find(" ("));
    EXPECT_NO_THROW(ApplyOverride(c, k.key + "=" + value)) << k.key;
    EXPECT_TRUE(DiffConfigs(before, c).empty()) << k.key;
    EXPECT_FALSE(k.help.empty()) << k.key;
    EXPECT_FALSE(k.type.empty()) << k.key;
    ++seen;
  }
  EXPECT_GE(seen, 40u);
}

TEST(ConfigKeys, AnOverrideChangesOnlyItsKey) {
  const Config file = Defaults("RawNet2");
  Config c = file;
  ApplyOverride(c, "lr=0.001");
  const std::vector<KeyChange> changes = DiffConfigs(file, c);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "lr");
  EXPECT_EQ(changes[0].before, "1e-04");
  EXPECT_EQ(changes[0].after, "0.001");
  EXPECT_NE(c, file);
  ApplyOverride(c, "lr=1e-4");
  EXPECT_EQ(c, file);
}

TEST(ConfigKeys, OverridingTheArchitectureTakesItsDefaults) {
  Config c = Defaults("RawNet2");
  ApplyOverride(c, "model.architecture=AASIST");
  EXPECT_EQ(c.model.architecture, Architecture::kAasist);
  EXPECT_EQ(c.model.first_conv, 128);
  EXPECT_EQ(c, Defaults("AASIST"));
  bool saw_gat_dims = false, saw_gru = false;
  for (const KeyChange& k : DiffConfigs(Defaults("RawNet2"), c)) {
    if (k.key == "model.gat_dims") saw_gat_dims = k.before == "(absent)" && k.after == "[64, 32]";
    if (k.key == "model.gru_node") saw_gru = k.before == "1024" && k.after == "(absent)";
  }
  EXPECT_TRUE(saw_gat_dims);
  EXPECT_TRUE(saw_gru);
  const std::string e = testing::ErrorMessageOf([&] { ApplyOverride(c, "model.gru_node=8"); });
  EXPECT_NE(e.find("'model.gru_node' for architecture AASIST (a key of RawNet2)"), std::string::npos) << e;
}

TEST(ConfigKeys, TypedFlagsAreValidatedLikeTheKeyAndNameTheFlag) {
  Config c = Defaults("RawNet2");
  SetKey(c, "num_epochs", 3L, "--epochs");
  SetKey(c, "lr", 0.5, "--lr");
  SetKey(c, "device", std::string("cuda:1"), "--device");
  EXPECT_EQ(c.train.num_epochs, 3);
  EXPECT_DOUBLE_EQ(c.train.lr, 0.5);
  EXPECT_EQ(c.train.device, "cuda:1");
  std::string e = testing::ErrorMessageOf([&] { SetKey(c, "num_epochs", 0L, "--epochs"); });
  EXPECT_NE(e.find("--epochs: num_epochs: must be positive"), std::string::npos) << e;
  EXPECT_EQ(c.train.num_epochs, 3);  // unchanged by a refused value
  e = testing::ErrorMessageOf([&] { SetKey(c, "batch_size", 1L << 40, "--batch-size"); });
  EXPECT_NE(e.find("--batch-size: batch_size: integer 1099511627776 is out of range"), std::string::npos) << e;
  e = testing::ErrorMessageOf([&] { SetKey(c, "device", std::string("tpu"), "--device"); });
  EXPECT_NE(e.find("--device: device: expected cpu or cuda[:N]"), std::string::npos) << e;
  e = testing::ErrorMessageOf([&] { SetKey(c, "lr_schedule", std::string("step"), "--schedule"); });
  EXPECT_NE(e.find("--schedule: lr_schedule: unknown value 'step'"), std::string::npos) << e;
  SetKey(c, "lr_schedule", std::string("cosine"), "--schedule");
  EXPECT_EQ(c.train.lr_schedule, LrSchedule::kCosine);
  EXPECT_THROW(SetKey(c, "lr", 1.0 / 0.0, "--lr"), Error);
  EXPECT_THROW(SetKey(c, "learning_rate", 0.1, "--lr"), Error);
}

TEST(ConfigKeys, KeyFlagsReadTheirTextLikeTheFileAndNameTheFlag) {
  Config c = ParseConfig("model:\n  architecture: RawNet2\n", "x.yaml");
  ApplyKeyFlags(c, {{"--epochs", "num_epochs", "3"}, {"--lr", "lr", "2e-4"}, {"--device", "device", "cuda:1"},
                    {"--seed", "seed", "0"}});
  EXPECT_EQ(c.train.num_epochs, 3);
  EXPECT_DOUBLE_EQ(c.train.lr, 2e-4);
  EXPECT_EQ(c.train.device, "cuda:1");
  EXPECT_EQ(c.train.seed, 0);
  const Config before = c;
  using Case = std::tuple<std::string, std::string, std::string, std::string>;  // flag, key, value, message
  for (const Case& test : std::vector<Case>{
           {"--epochs", "num_epochs", "-1", "--epochs: num_epochs: must be positive"},
           {"--epochs", "num_epochs", "two", "--epochs: num_epochs: expected an integer, got 'two'"},
           {"--batch-size", "batch_size", "0", "--batch-size: batch_size: must be positive"},
           {"--seed", "seed", "-1", "--seed: seed: must not be negative"},
           {"--threads", "threads", "[1, 2]", "--threads: threads: expected one value"},
           {"--threads", "threads", "", "--threads: threads: expected one value"},
           {"--x", "no_such_key", "1", "--x: unknown config key 'no_such_key'"}}) {
    // Named copies: a lambda may not capture structured bindings before C++20 (clang rejects it).
    const auto& [flag, key, value, message] = test;
    const KeyFlag bad{flag, key, value};
    const std::string e = testing::ErrorMessageOf([&] { ApplyKeyFlags(c, {bad}); });
    EXPECT_NE(e.find(message), std::string::npos) << flag << " " << value << ": " << e;
  }
  EXPECT_EQ(c, before);  // a refused flag changes nothing
}

TEST(ConfigKeys, HelpGivesEachArchitecturesDefault) {
  bool first_conv = false, aasist_filts = false, rawnet2_filts = false;
  for (const KeyDescription& k : DescribeKeys()) {
    if (k.key == "model.first_conv") first_conv = k.default_value == "1024 (AASIST: 128)" && k.architecture.empty();
    if (k.key == "model.filts" && k.architecture == "AASIST")
      aasist_filts = k.default_value == "[70, [1, 32], [32, 32], [32, 64], [64, 64]]";
    if (k.key == "model.filts" && k.architecture == "RawNet2")
      rawnet2_filts = k.default_value == "[20, [20, 20], [20, 128], [128, 128]]";
    if (k.key == "model.nb_samp") {
      EXPECT_NE(k.range.find(">= the sinc length"), std::string::npos) << k.range;
    }
  }
  EXPECT_TRUE(first_conv);
  EXPECT_TRUE(aasist_filts);
  EXPECT_TRUE(rawnet2_filts);
}

}  // namespace
}  // namespace antispoof
