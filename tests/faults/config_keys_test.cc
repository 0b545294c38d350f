// Fault catalogue, configs: every wrong key or value is an error naming the file and the key
// path and saying what is wrong; nothing is silently ignored or truncated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class ConfigFaults : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  // `antispoof info` on the tiny config with `top` and `model` lines added.
  CommandResult Info(const std::string& top, const std::string& model = "",
                     const std::string& flags = "") {
    path_ = WriteTinyConfig(dir_, top, model);
    return RunAntispoof("info --config " + Quote(path_) + " " + flags);
  }
  // `antispoof info` on a config file `name` holding exactly `text`.
  CommandResult InfoOnText(const std::string& name, const std::string& text) {
    path_ = dir_ + "/" + name;
    Spit(path_, text);
    return RunAntispoof("info --config " + Quote(path_));
  }
  void ExpectError(const CommandResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(Contains(r.err, path_)) << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
    EXPECT_EQ(r.out, "");
  }
  std::string dir_, path_;
};

TEST_F(ConfigFaults, CleanConfigIsAccepted) {
  CommandResult r = Info("");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ConfigFaults, UnknownKeysAreNamedWithTheirPath) {
  ExpectError(Info("learning_rate: 0.1\n"), "unknown config key 'learning_rate'");
  ExpectError(Info("", "  nb_samps: 100\n"), "unknown config key 'model.nb_samps'");
}

TEST_F(ConfigFaults, MistypedValuesNameTheKeyAndTheValue) {
  ExpectError(Info("seed: twelve\n"), "seed: expected an integer, got 'twelve'");
  ExpectError(Info("weight_decay: 1e-3x\n"), "weight_decay: expected a number, got '1e-3x'");
  ExpectError(Info("cache_front_end: maybe\n"),
              "cache_front_end: expected true or false, got 'maybe'");
  ExpectError(Info("", "  attention: squeeze\n"),
              "model.attention: unknown value 'squeeze' (expected none|se)");
  ExpectError(Info("betas: 0.9\n"), "betas: expected a list of 2 values");
  ExpectError(Info("weight_decay: -1\n"), "weight_decay: must not be negative");
}

TEST_F(ConfigFaults, IntegerOutOfRangeIsAnErrorNotATruncation) {
  // 2^32 + 8000 used to be cast to int and read as nb_samp 8000.
  ExpectError(Info("", "  gru_node: 4294967312\n"),
              "model.gru_node: integer 4294967312 is out of range");
}

TEST_F(ConfigFaults, DuplicateKeyIsAnError) {
  // YAML parsers keep one of the two silently; which one is a guess the user should not have to
  // make.
  ExpectError(Info("lr: 0.1\n"), "duplicate config key 'lr'");
}

TEST_F(ConfigFaults, SyntaxErrorNamesTheLine) {
  CommandResult r = InfoOnText("broken.yaml", "batch_size: 4\nmodel:\n  nb_samp: [8000\n");
  ExpectError(r, path_ + ":");
  EXPECT_TRUE(Contains(r.err, "not valid YAML")) << r.err;
}

TEST_F(ConfigFaults, NonScalarKeyIsAnError) {
  CommandResult r = InfoOnText("complex.yaml", "? [a, b]\n: 1\n");
  ExpectError(r, path_ + ": top level: a key is a list");
}

TEST_F(ConfigFaults, OverridesAreCheckedLikeTheFile) {
  const std::string la = WriteCorpus(dir_, 4, 3);
  CommandResult r =
      RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, dir_ + "/run", "--set model.nb_sampl=9"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "unknown config key 'model.nb_sampl'")) << r.err;
  r = RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, dir_ + "/run", "--set 'lr=[1, 2'"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "override 'lr=[1, 2'")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/run/last.pth"));
}

// int8 is a valid precision for scoring; training refuses it before the run folder exists.
TEST_F(ConfigFaults, TrainRefusesInt8BeforeCreatingTheRun) {
  const std::string la = WriteCorpus(dir_, 4, 3);
  CommandResult r = RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, dir_ + "/run", "--precision int8"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "precision: int8 quantizes a trained model for scoring")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/run"));
}

TEST_F(ConfigFaults, FlagsAreCheckedLikeTheKeyTheySet) {
  // --epochs 0 used to be ignored silently (the config's num_epochs trained instead).
  const std::string la = WriteCorpus(dir_, 4, 3);
  for (const auto& [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--epochs 0", "--epochs: num_epochs: must be positive"},
           {"--batch-size -4", "--batch-size: batch_size: must be positive"},
           {"--threads -1", "--threads: threads: must not be negative"},
           {"--device tpu", "--device: device: expected cpu or cuda[:N]"},
           {"--precision fp16", "--precision: precision: unknown value 'fp16' (expected fp32|bf16|int8)"},
           {"--lr 0", "--lr: lr: must be positive"},
           // Negative values and words reach the key's own rules too (not the parser's, not "use the config's").
           {"--epochs -1", "--epochs: num_epochs: must be positive"},
           {"--batch-size 0", "--batch-size: batch_size: must be positive"},
           {"--seed -1", "--seed: seed: must not be negative"},
           {"--epochs two", "--epochs: num_epochs: expected an integer, got 'two'"},
           {"--lr 1e-3x", "--lr: lr: expected a number, got '1e-3x'"}}) {
    CommandResult r = RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, dir_ + "/run", flag));
    EXPECT_EQ(r.exit_code, 1) << flag;
    EXPECT_TRUE(Contains(r.err, message)) << flag << ": " << r.err;
    EXPECT_FALSE(fs::exists(dir_ + "/run/last.pth")) << flag;
  }
}

TEST_F(ConfigFaults, EvalFlagsAreCheckedLikeTheKeyTheySet) {
  // eval's --batch-size 0 and --threads -1 used to fall back to the run's values.
  const TinyRun run = SharedTinyRun();
  for (const auto& [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--batch-size 0", "--batch-size: batch_size: must be positive"},
           {"--batch-size -5", "--batch-size: batch_size: must be positive"},
           {"--threads -1", "--threads: threads: must not be negative"},
           {"--device tpu", "--device: device: expected cpu or cuda[:N]"},
           {"--precision fp64", "--precision: precision: unknown value 'fp64' (expected fp32|bf16|int8)"}}) {
    CommandResult r = RunAntispoof("eval --run " + Quote(run.run) + " --split dev " + flag);
    EXPECT_EQ(r.exit_code, 1) << flag;
    EXPECT_TRUE(Contains(r.err, message)) << flag << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(run.run + "/scores_dev.txt"));
}

TEST_F(ConfigFaults, BenchFlagsAreRefusedNotClamped) {
  // bench --batch -5 reported batch-1 timings under the batch-32 keys.
  const std::string config = WriteTinyConfig(dir_);
  for (const auto& [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--batch -5", "--batch: Value -5 not in range"},
           {"--batch 0", "--batch: Value 0 not in range"},
           {"--repeats 0", "--repeats: Value 0 not in range"},
           {"--warmup -1", "--warmup: Value -1 not in range"},
           {"--threads -1", "--threads: threads: must not be negative"},
           {"--precision half", "--precision: precision: unknown value 'half' (expected fp32|bf16|int8)"},
           {"--profile 0", "--profile: Value 0 not in range"}}) {
    CommandResult r = RunAntispoof("bench --config " + Quote(config) + " --quick " + flag);
    EXPECT_NE(r.exit_code, 0) << flag;
    EXPECT_TRUE(Contains(r.err, message)) << flag << ": " << r.err;
    EXPECT_EQ(r.out, "") << flag;
  }
}

TEST_F(ConfigFaults, ScoreAndServePrecisionFlagsAreCheckedBeforeTheModelLoads) {
  const TinyRun run = SharedTinyRun();
  const std::string model = " --config " + Quote(run.config) + " --checkpoint " + Quote(run.checkpoint);
  for (const std::string command : {"score" + model + " --precision fp16 " + Quote(run.la),
                                    "serve" + model + " --port 0 --precision fp16"}) {
    CommandResult r = RunAntispoof(command);
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_TRUE(Contains(r.err, "--precision: precision: unknown value 'fp16' (expected fp32|bf16|int8)")) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// A reduced precision scores the same files as fp32, each score close to its fp32 value but not all
// equal to it (the flag reached the model). "" when it ran; else the error (a CPU without it).
std::string ExpectScoresCloseToFp32(const TinyRun& run, const std::string& precision) {
  const std::string score = "score --config " + Quote(run.config) + " --checkpoint " + Quote(run.checkpoint) + " " +
                            Quote(run.la + "/ASVspoof2019_LA_dev/flac");
  CommandResult fp32 = RunAntispoof(score), low = RunAntispoof(score + " --precision " + precision);
  EXPECT_EQ(fp32.exit_code, 0) << fp32.err;
  if (low.exit_code != 0) return low.err;
  auto scores = [](const std::string& out) {
    std::map<std::string, double> m;
    std::istringstream in(out);
    std::string utt;
    double v;
    while (in >> utt >> v) m[utt] = v;
    return m;
  };
  const auto a = scores(fp32.out), b = scores(low.out);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a.size(), b.size());
  double largest = 0;
  for (const auto& [utt, v] : a) {
    EXPECT_TRUE(b.count(utt)) << utt;
    if (b.count(utt)) largest = std::max(largest, std::abs(b.at(utt) - v));
  }
  EXPECT_GT(largest, 0.0) << precision << " changed no score";
  EXPECT_LT(largest, 0.25) << precision;
  return "";
}

// On a CPU without bfloat16 arithmetic bf16 is refused naming the key.
TEST_F(ConfigFaults, ScorePrecisionBf16ScoresCloseToFp32) {
  const std::string err = ExpectScoresCloseToFp32(SharedTinyRun(), "bf16");
  if (Contains(err, "precision: bf16 needs a CPU with AVX512-BF16")) GTEST_SKIP() << "this CPU has no bfloat16 arithmetic";
  EXPECT_EQ(err, "");
}

TEST_F(ConfigFaults, ScorePrecisionInt8ScoresCloseToFp32) {
  EXPECT_EQ(ExpectScoresCloseToFp32(SharedTinyRun(), "int8"), "");
}

TEST_F(ConfigFaults, ThreadCountsAreBoundedByTheMachinesCores) {
  // --threads 100000 used to start that many threads, stalling the machine.
  const std::string la = WriteCorpus(dir_, 4, 3);
  const std::string out = dir_ + "/run";
  CommandResult r =
      RunAntispoof(TrainArgs(WriteTinyConfig(dir_), la, out, "--threads 100000 --set num_workers=100000"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_TRUE(Contains(r.err, "antispoof: 100000 intra-op threads requested; this machine has " +
                                  std::to_string(cores) + " cores: using " + std::to_string(cores)))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "100000 audio loader workers (num_workers) requested")) << r.err;
  EXPECT_TRUE(Contains(Slurp(out + "/run.json"), "\"threads\": " + std::to_string(cores) + ","))
      << Slurp(out + "/run.json");
}

TEST_F(ConfigFaults, ConfigCommandPrintsTheResolvedConfigOrNamesTheBadKey) {
  CommandResult r = RunAntispoof("config -c " + Quote(WriteTinyConfig(dir_)) + " --set lr=0.5");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "\nlr: 0.5\n")) << r.out;
  r = RunAntispoof("config -c " + Quote(WriteTinyConfig(dir_)) + " --set model.gat_dims=[8,8]");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "unknown config key 'model.gat_dims' for architecture RawNet2 (a key of AASIST)")) << r.err;
  r = RunAntispoof("config");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "model.gat_dims (AASIST)")) << r.out;
}

}  // namespace
}  // namespace antispoof::faults
