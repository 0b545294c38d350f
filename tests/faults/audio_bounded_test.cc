// Fault catalogue, unbounded audio inputs: what is not a regular file (a symlink to /dev/zero, a FIFO)
// is refused by name before it is opened; a sparse multi-GB file and a FLAC "decompression bomb"
// (half an hour of silence in 90 KB) cost no more memory than a short file in the default mode, which
// decodes only each file's first nb_samp samples; windows read a file whole only up to
// --max-audio-seconds. Every run is under `timeout -s KILL`, so a regression fails instead of hanging.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

// Memory a run may take beyond that of scoring a 1 s file: far below what holding any of these inputs
// whole takes (115 MB for the half hour of silence as floats, 4 GB for the sparse WAV).
constexpr long kSlackMb = 48;

class BoundedAudio : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    run_ = SharedTinyRun();
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    Spit(path, bytes);
    return path;
  }
  Measured ScoreMeasured(const std::string& path, const std::string& flags = "", int seconds = 120) {
    return RunMeasured("--quiet score --config " + Quote(run_.config) + " --checkpoint " + Quote(run_.checkpoint) +
                           " --threads 1 " + flags + " " + Quote(path),
                       dir_, seconds);
  }
  // Peak memory of scoring a 1 s file: the baseline the other runs are held to.
  long BaselineMb() {
    Measured m = ScoreMeasured(Write("short.wav", Wav(Noise(16000, 5))));
    EXPECT_EQ(m.exit_code, 0) << m.err;
    EXPECT_GT(m.max_rss_mb, 40) << "the measurement must see the binary (LibTorch), not only `timeout`";
    std::printf("baseline: scoring a 1 s file peaks at %ld MB\n", m.max_rss_mb);
    return m.max_rss_mb;
  }
  void ExpectRefused(const Measured& m, const std::string& path, const std::string& what) {
    EXPECT_EQ(m.exit_code, 1) << "exit " << m.exit_code << " after " << m.seconds << " s: " << m.err;
    EXPECT_TRUE(Contains(m.err, path)) << m.err;
    EXPECT_TRUE(Contains(m.err, what)) << m.err;
    EXPECT_EQ(m.out, "");
  }
  std::string dir_;
  TinyRun run_;
};

TEST_F(BoundedAudio, SymlinkToDevZeroIsRefusedBeforeAnyRead) {
  const std::string link = dir_ + "/zero.wav";
  fs::create_symlink("/dev/zero", link);
  const long baseline = BaselineMb();
  Measured m = ScoreMeasured(link, "", 60);
  ExpectRefused(m, link, "is a character device, not a regular file");
  EXPECT_LT(m.max_rss_mb, baseline + kSlackMb);
  ExpectRefused(ScoreMeasured(link, "--window 0.5", 60), link, "character device");
}

TEST_F(BoundedAudio, FifoIsRefusedWithoutBlocking) {
  const std::string fifo = dir_ + "/pipe.wav";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  Measured m = ScoreMeasured(fifo, "", 60);  // opening a FIFO without a writer would block forever
  ExpectRefused(m, fifo, "is a FIFO (named pipe), not a regular file");
  EXPECT_LT(m.seconds, 50);
}

TEST_F(BoundedAudio, SparseMultiGigabyteFilesCostWhatAShortFileDoes) {
  const long baseline = BaselineMb();
  // 8 GiB of zeros (sparse: no disk used): not audio, found out from its first bytes.
  const std::string zeros = dir_ + "/zeros.wav";
  ASSERT_EQ(RunShell("truncate -s 8G " + Quote(zeros)).exit_code, 0);
  Measured z = ScoreMeasured(zeros);
  ExpectRefused(z, zeros, "cannot decode audio");
  EXPECT_LT(z.max_rss_mb, baseline + kSlackMb) << "baseline " << baseline << " MB";
  // A 4 GiB WAV whose header declares all of it (2^31 - 8 samples of silence, 37 hours): the default mode
  // scores its first nb_samp samples, in the memory of a short file.
  const uint32_t data_bytes = 0xFFFFFFF0u;
  const std::string big = Write("big.wav", "RIFF" + Le(36 + uint64_t{data_bytes}, 4) + "WAVEfmt " + Le(16, 4) +
                                               Le(1, 2) + Le(1, 2) + Le(16000, 4) + Le(32000, 4) + Le(2, 2) +
                                               Le(16, 2) + "data" + Le(data_bytes, 4));
  ASSERT_EQ(RunShell("truncate -s " + std::to_string(44 + uint64_t{data_bytes}) + " " + Quote(big)).exit_code, 0);
  Measured b = ScoreMeasured(big);
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(Contains(b.out, "big ")) << b.out;
  EXPECT_LT(b.max_rss_mb, baseline + kSlackMb) << "baseline " << baseline << " MB";
  std::printf("8 GiB of zeros: %ld MB; a 4 GiB WAV: %ld MB\n", z.max_rss_mb, b.max_rss_mb);
  // Windows hold a file whole: its header's length is refused before anything is decoded.
  Measured w = ScoreMeasured(big, "--window 0.5");
  ExpectRefused(w, big, "134217.7275 s of audio is longer than the 14400 s antispoof reads of one file whole");
  EXPECT_TRUE(Contains(w.err, "--max-audio-seconds")) << w.err;
  EXPECT_LT(w.max_rss_mb, baseline + kSlackMb);
  std::error_code ec;
  fs::remove(zeros, ec);
  fs::remove(big, ec);
}

TEST_F(BoundedAudio, FlacBombIsDecodedOnlyAsFarAsTheDefaultModeUses) {
  if (!HasTool("sox")) GTEST_SKIP() << "sox is absent (scripts/setup.sh installs it)";
  // Half an hour of digital silence: 28.8 million samples (115 MB as floats) in about 90 KB.
  const std::string bomb = dir_ + "/bomb.flac";
  ASSERT_EQ(RunShell("sox -D -n -r 16000 -b 16 " + Quote(bomb) + " trim 0 1800").exit_code, 0);
  ASSERT_LT(fs::file_size(bomb), 1u << 20);
  const long baseline = BaselineMb();
  Measured m = ScoreMeasured(bomb);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_LT(m.max_rss_mb, baseline + kSlackMb) << "baseline " << baseline << " MB";
  std::printf("half an hour of silence in %ju bytes of FLAC: %ld MB, %.1f s\n",
              static_cast<uintmax_t>(fs::file_size(bomb)), m.max_rss_mb, m.seconds);
  EXPECT_LT(m.seconds, 60);
  // Its score is that of its first nb_samp samples: silence.
  Measured silence = ScoreMeasured(Write("bomb.wav", Wav(std::vector<float>(kNbSamp, 0.0f))));
  ASSERT_EQ(silence.exit_code, 0) << silence.err;
  EXPECT_EQ(m.out.substr(m.out.find(' ')), silence.out.substr(silence.out.find(' ')));
}

TEST_F(BoundedAudio, WindowsReadAFileWholeOnlyUpToMaxAudioSeconds) {
  const std::string two = Write("two.wav", Wav(Noise(32000, 9)));
  Measured over = ScoreMeasured(two, "--window 0.5 --max-audio-seconds 1.5");
  ExpectRefused(over, two, "2 s of audio is longer than the 1.5 s antispoof reads of one file whole");
  Measured within = ScoreMeasured(two, "--window 0.5 --max-audio-seconds 2");
  EXPECT_EQ(within.exit_code, 0) << within.err;
  // The limit is for windows: the default mode reads the first nb_samp samples of any file.
  EXPECT_EQ(ScoreMeasured(two, "--max-audio-seconds 1").exit_code, 0);
  for (const char* bad : {"0", "-1", "nan", "inf"}) {
    Measured m = ScoreMeasured(two, std::string("--window 0.5 --max-audio-seconds ") + bad);
    EXPECT_EQ(m.exit_code, 1) << bad;
    EXPECT_TRUE(Contains(m.err, "--max-audio-seconds")) << m.err;
  }
}

TEST_F(BoundedAudio, AllocationFailureNamesTheFileAndTheBytesAskedFor) {
  if (BuiltWithAddressSanitizer()) GTEST_SKIP() << "ASan's shadow memory does not fit under ulimit -v";
  // The 4 GiB WAV read whole (windows, limit raised) in a process allowed 3 GiB of address space.
  const uint32_t data_bytes = 0xFFFFFFF0u;
  const std::string big = Write("huge.wav", "RIFF" + Le(36 + uint64_t{data_bytes}, 4) + "WAVEfmt " + Le(16, 4) +
                                                Le(1, 2) + Le(1, 2) + Le(16000, 4) + Le(32000, 4) + Le(2, 2) +
                                                Le(16, 2) + "data" + Le(data_bytes, 4));
  ASSERT_EQ(RunShell("truncate -s " + std::to_string(44 + uint64_t{data_bytes}) + " " + Quote(big)).exit_code, 0);
  const std::string score = "--quiet score --config " + Quote(run_.config) + " --checkpoint " +
                            Quote(run_.checkpoint) + " --threads 1 --window 0.5 --max-audio-seconds 1e9 " + Quote(big);
  CommandResult r = RunShell("ulimit -v 3145728 && timeout -s KILL 120 " + Quote(testing::BinaryPath()) + " " + score);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, big + ": out of memory holding its decoded audio (asked for ")) << r.err;
  EXPECT_EQ(r.out, "");
  std::error_code ec;
  fs::remove(big, ec);
}

TEST_F(BoundedAudio, AnAllocationFailureElsewhereNamesTheCommandLine) {
  if (BuiltWithAddressSanitizer()) GTEST_SKIP() << "ASan's shadow memory does not fit under ulimit -v";
  // 200,000 windows of 8000 samples per batch (6.4 GB) in a process allowed 3 GiB: the allocation fails
  // where no reader knows the input; the message repeats the command line, which names it.
  const std::string a = Write("a.wav", Wav(Noise(12000, 3)));
  const std::string score = "--quiet score --config " + Quote(run_.config) + " --checkpoint " +
                            Quote(run_.checkpoint) + " --threads 1 --window 0.5 --batch-size 200000 " + Quote(a);
  CommandResult r = RunShell("ulimit -v 3145728 && timeout -s KILL 120 " + Quote(testing::BinaryPath()) + " " + score);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "antispoof: error: out of memory: an allocation was refused while running: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--batch-size 200000 " + a)) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace antispoof::faults
