// Fault catalogue, score files: NaN scores, duplicates, keys missing on either side, mixed
// column counts, and results written to a full device are errors naming the file and line.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class ScoreFileFaults : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    Spit(path, text);
    return path;
  }
  CommandResult Metrics(const std::string& scores, const std::string& flags = "") {
    return RunAntispoof("metrics --scores " + Quote(scores) + " " + flags);
  }
  std::string dir_;
};

const char kScores[] = "u1 - bonafide 2.5\nu2 A01 spoof -1.5\nu3 A02 spoof -3\nu4 - bonafide 0.5\n";

TEST_F(ScoreFileFaults, CleanFileGivesMetrics) {
  CommandResult r = Metrics(Write("s.txt", kScores), "--json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "\"eer\"")) << r.out;
}

TEST_F(ScoreFileFaults, NanAndInfiniteScoresNameTheLine) {
  const std::string nan = Write("nan.txt", "u1 - bonafide 2.5\nu2 A01 spoof nan\n");
  CommandResult r = Metrics(nan);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, nan + ":2: score 'nan' is not finite")) << r.err;
  const std::string inf = Write("inf.txt", "u1 - bonafide -inf\nu2 A01 spoof 1\n");
  r = Metrics(inf);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, inf + ":1: score '-inf' is not finite")) << r.err;
}

TEST_F(ScoreFileFaults, DuplicateUtteranceNamesBothLines) {
  const std::string path = Write("dup.txt", std::string(kScores) + "u2 A01 spoof -1.0\n");
  CommandResult r = Metrics(path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, path + ":5: duplicate utterance 'u2' (first on line 2)")) << r.err;
}

TEST_F(ScoreFileFaults, MissingKeysAreNamed) {
  const std::string keyless = Write("two.txt", "u1 2.5\nu2 -1.5\nu3 -3\n");
  CommandResult r = Metrics(keyless);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, keyless + ": the score file has no keys")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--protocol")) << r.err;
  // The protocol lacks u3: named, with the count.
  const std::string protocol =
      Write("p.txt", "S u1 - - bonafide\nS u2 - A01 spoof\nS u4 - A01 spoof\n");
  r = Metrics(keyless, "--protocol " + Quote(protocol));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(
      r.err, "1 utterances of " + keyless + " are not in the protocol " + protocol + ": u3"))
      << r.err;
  // Every protocol trial needs a score.
  const std::string fewer = Write("fewer.txt", "u1 2.5\nu2 -1.5\n");
  const std::string full =
      Write("q.txt", "S u1 - - bonafide\nS u2 - A01 spoof\nS u3 - A01 spoof\n");
  r = Metrics(fewer, "--protocol " + Quote(full));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "have no score in " + fewer + ": u3")) << r.err;
}

TEST_F(ScoreFileFaults, MixedColumnCountsNameTheLine) {
  const std::string path = Write("mixed.txt", "u1 - bonafide 2.5\nu2 -1.5\n");
  CommandResult r = Metrics(path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, path + ":2: 2 columns, but the file's first line has 4")) << r.err;
}

TEST_F(ScoreFileFaults, ResultsToAFullDeviceAreAnError) {
  // stdout on /dev/full: printf "succeeds" into the buffer; the flush at exit must be checked.
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "/dev/full is absent";
  CommandResult r = RunShell(Quote(testing::BinaryPath()) + " metrics --scores " +
                             Quote(Write("s.txt", kScores)) + " >/dev/full");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "writing the results to stdout failed: No space left on device"))
      << r.err;
}

}  // namespace
}  // namespace antispoof::faults
