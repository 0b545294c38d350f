// Fault catalogue, unbounded text and binary inputs: configs, protocols, score files, calibrations
// and checkpoints all go through one reader (common/files.h ReadFile), which opens only regular
// files (a symlink to /dev/zero, a FIFO are refused by name, before opening) and holds at most a
// limit that names the file, the limit and the variable that raises it. Runs are under
// `timeout -s KILL`, so a regression fails instead of hanging or filling memory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class BoundedInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    run_ = SharedTinyRun();
    audio_ = dir_ + "/a.wav";
    Spit(audio_, Wav(Noise(9000, 2)));
    scores_ = dir_ + "/scores.txt";
    Spit(scores_, "u1 - bonafide 2.5\nu2 A01 spoof -1.5\n");
  }
  // The command of each reader, with `path` in the place of the file it reads.
  std::vector<std::pair<std::string, std::string>> Readers(const std::string& path) const {
    const std::string score = "score --threads 1 --config " + Quote(run_.config) + " --checkpoint " +
                              Quote(run_.checkpoint) + " " + Quote(audio_);
    return {
        {"config", "info --config " + Quote(path)},
        {"protocol", "protocol --protocol " + Quote(path)},
        {"score file", "metrics --scores " + Quote(path)},
        {"key file", "metrics --scores " + Quote(scores_) + " --protocol " + Quote(path)},
        {"calibration", score + " --calibration " + Quote(path)},
        {"checkpoint", "score --threads 1 --config " + Quote(run_.config) + " --checkpoint " + Quote(path) + " " +
                           Quote(audio_)},
        {"experiment", "experiment --config " + Quote(path) + " --out " + Quote(dir_ + "/exp")},
    };
  }
  void ExpectEveryReaderRefuses(const std::string& path, const std::string& what, const std::string& env = "") {
    for (const auto& [reader, args] : Readers(path)) {
      SCOPED_TRACE(reader);
      Measured m = RunMeasured("--quiet " + args, dir_, 60, env);
      EXPECT_EQ(m.exit_code, 1) << "exit " << m.exit_code << " after " << m.seconds << " s: " << m.err;
      EXPECT_TRUE(Contains(m.err, path + ": ")) << m.err;
      EXPECT_TRUE(Contains(m.err, what)) << m.err;
      EXPECT_LT(m.max_rss_mb, 1024) << "it read what it should have refused";
    }
  }
  std::string dir_, audio_, scores_;
  TinyRun run_;
};

TEST_F(BoundedInputs, SymlinkToDevZeroIsRefusedByEveryReader) {
  const std::string link = dir_ + "/zero.txt";
  fs::create_symlink("/dev/zero", link);
  ExpectEveryReaderRefuses(link, "is a character device, not a regular file");
}

TEST_F(BoundedInputs, FifoIsRefusedByEveryReaderWithoutBlocking) {
  const std::string fifo = dir_ + "/pipe.txt";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  ExpectEveryReaderRefuses(fifo, "is a FIFO (named pipe), not a regular file");
}

TEST_F(BoundedInputs, SparseEightGigabyteFileIsRefusedBySizeBeforeAnyRead) {
  const std::string sparse = dir_ + "/sparse.txt";
  ASSERT_EQ(RunShell("truncate -s 8G " + Quote(sparse)).exit_code, 0);
  ExpectEveryReaderRefuses(sparse, "8589934592 bytes (8192 MiB) is more than antispoof holds of a ");
  Measured m = RunMeasured("info --config " + Quote(sparse), dir_);
  EXPECT_TRUE(Contains(m.err, "of a text file (the limit is 256 MiB; set ANTISPOOF_MAX_TEXT_MIB to a number of MiB "
                              "to raise it)")) << m.err;
  m = RunMeasured("score --config " + Quote(run_.config) + " --checkpoint " + Quote(sparse) + " " + Quote(audio_), dir_);
  EXPECT_TRUE(Contains(m.err, "of a checkpoint (the limit is 4096 MiB; set ANTISPOOF_MAX_CHECKPOINT_MIB")) << m.err;
  std::error_code ec;
  fs::remove(sparse, ec);
}

TEST_F(BoundedInputs, TheLimitsAreConfigurableAndCheckedByName) {
  // A 2 MiB score file: over a 1 MiB limit, read under the default one.
  std::string big;
  for (int i = 0; big.size() < (2u << 20); ++i)
    big += "u" + std::to_string(i) + (i % 2 ? " A01 spoof -1.5\n" : " - bonafide 2.5\n");
  const std::string path = dir_ + "/big.txt";
  Spit(path, big);
  Measured limited = RunMeasured("metrics --scores " + Quote(path), dir_, 60, "ANTISPOOF_MAX_TEXT_MIB=1");
  EXPECT_EQ(limited.exit_code, 1);
  EXPECT_TRUE(Contains(limited.err, path + ": ")) << limited.err;
  EXPECT_TRUE(Contains(limited.err, "is more than antispoof holds of a text file (the limit is 1 MiB")) << limited.err;
  EXPECT_EQ(RunMeasured("metrics --scores " + Quote(path), dir_).exit_code, 0);
  for (const char* bad : {"lots", "0", "-5", "1.5"}) {
    Measured m = RunMeasured("metrics --scores " + Quote(scores_), dir_, 60, std::string("ANTISPOOF_MAX_TEXT_MIB=") + bad);
    EXPECT_EQ(m.exit_code, 1) << bad;
    EXPECT_TRUE(Contains(m.err, "ANTISPOOF_MAX_TEXT_MIB: expected a positive whole number of MiB, got '" +
                                    std::string(bad) + "'")) << m.err;
  }
}

}  // namespace
}  // namespace antispoof::faults
