// Fault catalogue, checkpoints: a .pth from anywhere (truncated, corrupt, another architecture,
// a tampered pickle) is refused with a message naming the file, never executes anything, never
// reads outside the file, and leaves the file as it was.
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {
using namespace std::string_literals;

// Pickle opcodes, protocol 2.
std::string Str(const std::string& s) { return "X" + Le(s.size(), 4) + s; }
std::string Int(int64_t v) { return "\x8a\x08" + Le(static_cast<uint64_t>(v), 8); }
const std::string kOrderedDict = "ccollections\nOrderedDict\n)R";

// A state_dict pickle of one float tensor `w` of `size` (1-D, stride 1) at `offset` in storage
// "0" whose persistent id declares `numel` elements.
std::string TensorPickle(int64_t numel, int64_t offset, int64_t size) {
  return "\x80\x02" + kOrderedDict + Str("w") + "ctorch._utils\n_rebuild_tensor_v2\n((" +
         Str("storage") + "ctorch\nFloatStorage\n" + Str("0") + Str("cpu") + Int(numel) + "tQ" +
         Int(offset) + "(" + Int(size) + "t(" + Int(1) + "t\x89" + kOrderedDict + "tRs.";
}

std::string Checkpoint(const std::string& pickle,
                       const std::string& storage = std::string(8, '\0')) {
  return StoredZip(
      {{"archive/data.pkl", pickle}, {"archive/byteorder", "little"}, {"archive/data/0", storage}});
}

class CheckpointFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    run_ = SharedTinyRun();
    audio_ = dir_ + "/clip.wav";
    Spit(audio_, Wav(Tone(kNbSamp)));
  }
  // Scoring with checkpoint bytes `bytes` fails naming the file and saying `what`; the file is
  // unchanged.
  void ExpectRefused(const std::string& bytes, const std::string& what,
                     const std::string& config = "") {
    const std::string path = dir_ + "/bad" + std::to_string(counter_++) + ".pth";
    Spit(path, bytes);
    CommandResult r = config.empty()
                          ? Score(run_, Quote(audio_), path)
                          : RunAntispoof("score --config " + Quote(config) + " --checkpoint " +
                                         Quote(path) + " " + Quote(audio_));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, path + ": ")) << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(Slurp(path) == bytes);
  }
  std::string dir_, audio_;
  TinyRun run_;
  int counter_ = 0;
};

TEST_F(CheckpointFaults, TheUntamperedCheckpointScores) {
  CommandResult r = Score(run_, Quote(audio_));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "clip ")) << r.out;
}

TEST_F(CheckpointFaults, TruncatedAtEveryOffsetIsAnError) {
  const std::string good = Slurp(run_.checkpoint);
  ASSERT_GT(good.size(), 1000u);
  const size_t n = good.size();
  for (size_t cut : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{30}, size_t{64},
                     size_t{200}, n / 3, n / 2, n - 4096, n - 100, n - 23, n - 22, n - 1}) {
    SCOPED_TRACE(cut);
    ExpectRefused(good.substr(0, cut), cut == 0 ? "empty file" : "");
  }
  EXPECT_TRUE(Slurp(run_.checkpoint) == good);
}

TEST_F(CheckpointFaults, FlippedByteFailsTheChecksum) {
  std::string bytes = Slurp(run_.checkpoint);
  auto records = ZipRecords(bytes);
  const std::string& weights = records.at("archive/data/0");
  size_t at = bytes.find(weights);
  ASSERT_NE(at, std::string::npos);
  bytes[at + weights.size() / 2] ^= 0x10;
  ExpectRefused(bytes, "CRC-32 mismatch");
}

TEST_F(CheckpointFaults, AnotherArchitectureNamesTheKeys) {
  ExpectRefused(Slurp(run_.checkpoint),
                "wrong shape: fc1_gru.weight (checkpoint [16,16], model [32,16])",
                WriteTinyConfig(dir_, "", "  nb_fc_node: 32\n", "wide"));
  ExpectRefused(Slurp(run_.checkpoint), "missing keys: block0.0.channel_attention",
                WriteTinyConfig(dir_, "", "  attention: se\n", "se"));
}

TEST_F(CheckpointFaults, UnknownGlobalIsRefusedAndNothingRuns) {
  const std::string marker = dir_ + "/executed";
  ExpectRefused(Checkpoint("\x80\x02"
                           "cos\nsystem\n" +
                           Str("touch " + marker) + "\x85R."),
                "global 'os.system' is not allowed");
  ExpectRefused(Checkpoint("\x80\x02"
                           "cbuiltins\neval\n" +
                           Str("1") + "\x85R."),
                "global 'builtins.eval'");
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(CheckpointFaults, RecursiveAndDeepStructuresAreRefused) {
  ExpectRefused(Checkpoint("\x80\x02]q\x00h\x00"s + "a."), "recursive structure");
  ExpectRefused(Checkpoint("\x80\x02}q\x00"s + Str("k") + "h\x00s."s), "recursive structure");
  ExpectRefused(Checkpoint("\x80\x02" + std::string(150, ']') + std::string(149, 'a') + "."),
                "nested deeper than 100");
}

TEST_F(CheckpointFaults, HugeDeclaredSizesAreRefusedWithoutAllocating) {
  ExpectRefused(Checkpoint(TensorPickle(int64_t{1} << 61, 0, 2)),
                "declares an invalid element count");
  ExpectRefused(Checkpoint(TensorPickle(int64_t{1} << 40, 0, 2)),
                "its tensors declare 4398046511104");
  ExpectRefused(Checkpoint(TensorPickle(2, 0, int64_t{1} << 50)), "too many elements");
}

TEST_F(CheckpointFaults, OffsetsBeyondTheStorageAreRefused) {
  ExpectRefused(Checkpoint(TensorPickle(2, 5, 2)), "reaches past its storage of 2 elements");
  ExpectRefused(Checkpoint(TensorPickle(2, 1, 2)), "reaches past its storage of 2 elements");
  ExpectRefused(Checkpoint(TensorPickle(2, -1, 1)), "negative tensor storage offset");
}

// The official 2021 RawNet2 checkpoints are in PyTorch's legacy (pre-1.6, not zip) format. The
// reference-made legacy file of ../shared/parity scores under its config; cut anywhere it is refused.
TEST_F(CheckpointFaults, LegacyFormatScoresAndTruncatedIsAnError) {
  ANTISPOOF_REQUIRE_SHARED();
  const std::string config = testing::SharedDir() + "/parity/rawnet2_tiny.yaml";
  const std::string legacy = testing::SharedDir() + "/parity/rawnet2_tiny_legacy.pth";
  CommandResult ok = RunAntispoof("score --config " + Quote(config) + " --checkpoint " + Quote(legacy) + " " +
                                  Quote(audio_));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(Contains(ok.out, "clip ")) << ok.out;
  const std::string good = Slurp(legacy);
  const size_t n = good.size();
  for (size_t cut : {size_t{1}, size_t{2}, size_t{11}, size_t{100}, size_t{1000}, n / 2, n - 100, n - 8, n - 1}) {
    SCOPED_TRACE(cut);
    ExpectRefused(good.substr(0, cut), "", config);
  }
}

}  // namespace
}  // namespace antispoof::faults
