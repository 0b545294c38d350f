// `antispoof train` with augmentation: a tiny run trains with every transform on, `augment: none`
// trains exactly as a config without the key, and bad augment keys are refused before training,
// naming the file and the key.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class TrainAugment : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    la_ = WriteCorpus(dir_, 8, 6);
  }
  CommandResult Train(const std::string& name, const std::string& top) {
    const std::string config = WriteTinyConfig(dir_, top, "", name);
    return RunAntispoof(TrainArgs(config, la_, dir_ + "/" + name));
  }
  std::string Losses(const std::string& name) { return Slurp(dir_ + "/" + name + "/train_log.csv"); }
  std::string dir_, la_;
};

TEST_F(TrainAugment, EveryTransformTrainsATinyEpoch) {
  const CommandResult r = Train(
      "augmented",
      "augment:\n  rawboost: {algo: 4}\n  codec: {p: 0.5, codecs: [g711u, g722, gsm, opus_8k, mp3_16k]}\n"
      "  gain: {db: [-3, 3]}\n  speed: {p: 0.5}\n  noise: {p: 0.5, snr_db: [15, 30]}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(Slurp(dir_ + "/augmented/config.yaml"), "augment: {rawboost: {p: 1, algo: 4,"))
      << Slurp(dir_ + "/augmented/config.yaml");
  EXPECT_TRUE(fs::exists(dir_ + "/augmented/best.pth"));
  // The same run without augmentation sees other samples, so its losses differ.
  ASSERT_EQ(Train("plain", "").exit_code, 0);
  EXPECT_NE(Losses("augmented"), Losses("plain"));
  EXPECT_FALSE(Losses("plain").empty());
}

TEST_F(TrainAugment, NoneTrainsExactlyAsWithoutTheKey) {
  ASSERT_EQ(Train("without", "").exit_code, 0);
  ASSERT_EQ(Train("none", "augment: none\n").exit_code, 0);
  EXPECT_FALSE(Losses("without").empty());
  EXPECT_EQ(Losses("without"), Losses("none"));
  EXPECT_EQ(Slurp(dir_ + "/without/config.yaml"), Slurp(dir_ + "/none/config.yaml"));
}

TEST_F(TrainAugment, BadKeysAreRefusedNamingTheFileAndTheKey) {
  struct Case {
    std::string top, message;
  };
  for (const Case& c : std::vector<Case>{
           {"augment: {rawboost: {algo: 0}}\n", "augment.rawboost.algo: must be in [1, 8]"},
           {"augment: {rawboost: {q: 1}}\n", "augment.rawboost.q: unknown key"},
           {"augment: {codec: {codecs: [amr]}}\n", "augment.codec.codecs: unknown name 'amr'"},
           {"augment: {gain: {p: 2}}\n", "augment.gain.p: must be in [0, 1]"},
           {"augment: {echo: {}}\n", "augment.echo: unknown transform"},
           {"cache_front_end: true\naugment: {gain: {}}\n", "augment: cannot be combined with cache_front_end: true"},
       }) {
    const CommandResult r = Train("bad", c.top);
    EXPECT_EQ(r.exit_code, 1) << c.top << r.err;
    EXPECT_TRUE(Contains(r.err, dir_ + "/bad.yaml: " + c.message)) << c.top << r.err;
    EXPECT_FALSE(fs::exists(dir_ + "/bad/last.pth")) << c.top;
  }
}

}  // namespace
}  // namespace antispoof::faults
