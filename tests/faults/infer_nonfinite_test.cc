// Fault catalogue, non-finite results: a score that is NaN or infinite is an error naming the file
// (or the window of a stream) before anything is printed, never a "nan" line, a JSON null or a
// "spoof" decision; a checkpoint holding a NaN or an infinity is refused at load naming the tensor;
// a NaN or infinite --threshold is refused.
#include <gtest/gtest.h>

#include <cstring>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

// The checkpoint with `value` written over the first `count` floats (every float when count < 0) of
// its largest storage record of the lowest number (a convolution's weights: the state_dict's storages
// come before the optimizer's), re-zipped with fresh CRCs.
std::string TamperedCheckpoint(const std::string& checkpoint, float value, int64_t count) {
  std::map<std::string, std::string> records = ZipRecords(Slurp(checkpoint));
  std::string largest;
  long largest_number = -1;
  for (const auto& [name, data] : records) {
    const size_t at = name.find("/data/");
    if (at == std::string::npos) continue;
    const long number = std::stol(name.substr(at + 6));
    const size_t best = largest.empty() ? 0 : records[largest].size();
    if (data.size() > best || (data.size() == best && number < largest_number)) {
      largest = name;
      largest_number = number;
    }
  }
  EXPECT_FALSE(largest.empty()) << checkpoint;
  std::string& data = records[largest];
  const size_t n = count < 0 ? data.size() / 4 : static_cast<size_t>(count);
  for (size_t i = 0; i < n && 4 * i + 4 <= data.size(); ++i) std::memcpy(&data[4 * i], &value, 4);
  return StoredZip(std::vector<std::pair<std::string, std::string>>(records.begin(), records.end()));
}

class NonFinite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    run_ = SharedTinyRun();
    audio_ = Write("a.wav", Wav(Noise(12000, 4)));
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    Spit(path, bytes);
    return path;
  }
  // Scoring fails with exit 1 naming `what`, and prints no result.
  void ExpectNoResult(const CommandResult& r, const std::string& named, const std::string& what) {
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, named)) << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
    EXPECT_EQ(r.out, "");
  }
  std::string dir_, audio_;
  TinyRun run_;
};

TEST_F(NonFinite, NanOrInfiniteWeightsAreRefusedAtLoadNamingTheTensor) {
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    SCOPED_TRACE(bad);
    const std::string ckpt = Write("bad.pth", TamperedCheckpoint(run_.checkpoint, bad, 3));
    CommandResult r = Score(run_, Quote(audio_), ckpt, "--threshold 0");
    ExpectNoResult(r, ckpt + ": tensor '", "holds 3 non-finite values (element 0 is");
    EXPECT_TRUE(Contains(r.err, std::isnan(bad) ? "is NaN" : bad > 0 ? "is +infinity" : "is -infinity")) << r.err;
  }
  // The same weights with finite values load and score.
  const std::string fine = Write("fine.pth", TamperedCheckpoint(run_.checkpoint, 0.01f, 3));
  EXPECT_EQ(Score(run_, Quote(audio_), fine).exit_code, 0);
}

TEST_F(NonFinite, WeightsThatOverflowGiveAnErrorNamingTheFileInEveryMode) {
  // Finite weights of 3e38 pass the load check; the model's outputs overflow to NaN.
  const std::string ckpt = Write("huge.pth", TamperedCheckpoint(run_.checkpoint, 3e38f, -1));
  const std::string second = Write("b.wav", Wav(Noise(9000, 8)));
  ExpectNoResult(Score(run_, Quote(audio_) + " " + Quote(second), ckpt), audio_, "the model's ");
  CommandResult r = Score(run_, Quote(audio_), ckpt, "--json --threshold 0");
  ExpectNoResult(r, audio_, "not a score; nothing is written for it");
  EXPECT_FALSE(Contains(r.out, "null"));
  ExpectNoResult(Score(run_, Quote(audio_), ckpt, "--window 0.5"), audio_, "for the window 0-0.5 s is");
  // A stream: the error names the window; no line is printed for it.
  const std::string stream = Write("s.wav", Wav(Noise(12000, 6)));
  CommandResult s = RunShell(Quote(testing::BinaryPath()) + " score --config " + Quote(run_.config) +
                             " --checkpoint " + Quote(ckpt) + " --threads 1 --stream < " + Quote(stream));
  EXPECT_EQ(s.exit_code, 1) << s.err;
  EXPECT_TRUE(Contains(s.err, "stdin: the model's bona fide output for the window 0-0.5 s is")) << s.err;
  EXPECT_EQ(s.out, "");
}

TEST_F(NonFinite, HugeFiniteAudioIsAnErrorNotANanScore) {
  // Samples of 3e38 are finite floats (a float WAV may exceed [-1, 1]); the model's output is not.
  std::vector<float> x = Tone(9000);
  for (float& v : x) v *= 1e38f;
  const std::string loud = Write("loud.wav", Wav(x, 16000, 1, true));
  ExpectNoResult(Score(run_, Quote(loud), "", "--threshold 0"), loud, "not a score");
  CommandResult j = Score(run_, Quote(loud), "", "--json");
  ExpectNoResult(j, loud, "not a score");
  EXPECT_FALSE(Contains(j.out, "null"));
}

TEST_F(NonFinite, NonFiniteThresholdsAreRefused) {
  for (const char* bad : {"nan", "inf", "-inf", "NaN"}) {
    SCOPED_TRACE(bad);
    CommandResult r = Score(run_, Quote(audio_), "", std::string("--threshold ") + bad);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(Contains(r.err, "--threshold: ")) << r.err;
    EXPECT_TRUE(Contains(r.err, " is not a finite number")) << r.err;
    EXPECT_EQ(r.out, "");
  }
  const std::string scores = Write("s.txt", "u1 - bonafide 2.5\nu2 A01 spoof -1.5\n");
  CommandResult m = RunAntispoof("metrics --scores " + Quote(scores) + " --threshold nan");
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_TRUE(Contains(m.err, "--threshold: nan is not a finite number")) << m.err;
  EXPECT_EQ(RunAntispoof("metrics --scores " + Quote(scores) + " --threshold 0").exit_code, 0);
}

}  // namespace
}  // namespace antispoof::faults
