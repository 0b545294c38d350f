// Fault catalogue, audio: what a user's own files can be (corrupt, truncated, empty, missing,
// stereo, other rates, non-finite samples, 0 and 1 samples, exactly nb_samp and nb_samp + 1) and
// what antispoof must do with each (a clear error naming the file, or a defined result).
#include <gtest/gtest.h>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class AudioFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    run_ = SharedTinyRun();
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    Spit(path, bytes);
    return path;
  }
  // Scoring `path` fails with exit 1 and a message that names it and says `what`.
  void ExpectRejected(const std::string& path, const std::string& what,
                      const std::string& flags = "") {
    const std::string before = Slurp(path);
    CommandResult r = Score(run_, Quote(path), "", flags);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, path)) << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(Slurp(path) == before) << "the input changed";
  }
  // The score `antispoof score` prints for one file ("UTT SCORE").
  std::string ScoreOf(const std::string& path, const std::string& flags = "") {
    CommandResult r = Score(run_, Quote(path), "", flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream line(r.out);
    std::string utt, score;
    line >> utt >> score;
    return score;
  }
  std::string dir_;
  TinyRun run_;
};

TEST_F(AudioFaults, CorruptFileIsRejectedByName) {
  std::string bytes = Wav(Tone(4000));
  for (size_t i = 8; i < 40; ++i) bytes[i] = static_cast<char>(0xA5 ^ i);  // header garbled
  ExpectRejected(Write("corrupt.wav", bytes), "cannot decode audio");
  ExpectRejected(Write("text.flac", "this is not audio\n"), "cannot decode audio");
}

TEST_F(AudioFaults, TruncatedWavIsRejectedNotShortened) {
  std::string full = Wav(Tone(9000));
  ExpectRejected(Write("half.wav", full.substr(0, full.size() / 2)), "truncated");
}

TEST_F(AudioFaults, TruncatedFlacIsRejected) {
  if (RunShell("command -v sox").exit_code != 0)
    GTEST_SKIP() << "sox is absent (scripts/setup.sh installs it)";
  const std::string wav = Write("long.wav", Wav(Noise(32000, 7)));
  const std::string flac = dir_ + "/long.flac";
  ASSERT_EQ(RunShell("sox " + Quote(wav) + " " + Quote(flac)).exit_code, 0);
  std::string bytes = Slurp(flac);
  // Cut inside the first nb_samp (8000) samples the default mode reads: an error.
  ExpectRejected(Write("cut.flac", bytes.substr(0, bytes.size() / 6)), "truncated");
  // Cut after them (2/3 of 32000 samples): the default mode reads only the first nb_samp samples,
  // which are whole, so it scores as the whole file does; windows read it whole and refuse it.
  const std::string late = Write("late.flac", bytes.substr(0, bytes.size() * 2 / 3));
  EXPECT_EQ(ScoreOf(late), ScoreOf(flac));
  ExpectRejected(late, "truncated", "--window 0.5");
}

TEST_F(AudioFaults, EmptyAndMissingFilesAreRejectedByName) {
  ExpectRejected(Write("empty.wav", ""), "empty file");
  CommandResult r = Score(run_, Quote(dir_ + "/absent.wav"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, dir_ + "/absent.wav")) << r.err;
}

TEST_F(AudioFaults, ZeroSampleFileIsRejected) {
  ExpectRejected(Write("zero.wav", Wav({})), "no samples");
}

TEST_F(AudioFaults, StereoNeedsMixdownAndMixesExactly) {
  std::vector<float> mono = Tone(6000, 300), stereo;
  for (float x : mono) stereo.insert(stereo.end(), {x, x});
  const std::string path = Write("stereo.wav", Wav(stereo, 16000, 2));
  ExpectRejected(path, "stereo (2 channels)");
  CommandResult r = Score(run_, Quote(path));
  EXPECT_TRUE(Contains(r.err, "--mixdown")) << r.err;
  // Identical channels average to the mono signal exactly.
  EXPECT_EQ(ScoreOf(path, "--mixdown"), ScoreOf(Write("mono.wav", Wav(mono))));
}

TEST_F(AudioFaults, OtherSampleRatesNeedResample) {
  for (int rate : {8000, 44100}) {
    SCOPED_TRACE(rate);
    const std::string path =
        Write("rate" + std::to_string(rate) + ".wav", Wav(Tone(rate / 2, 300, rate), rate));
    ExpectRejected(path, "sample rate " + std::to_string(rate) + " Hz, expected 16000 Hz");
    CommandResult r = Score(run_, Quote(path));
    EXPECT_TRUE(Contains(r.err, "--resample")) << r.err;
    EXPECT_FALSE(ScoreOf(path, "--resample").empty());
  }
  // A header declaring an absurd rate is refused even with --resample (it would ask the
  // resampler for an unbounded output).
  ExpectRejected(Write("rate1.wav", Wav(Tone(100), 1)), "outside the 1000-768000 Hz", "--resample");
}

TEST_F(AudioFaults, NonFiniteSamplesAreRejectedWithTheirPosition) {
  std::vector<float> x = Tone(5000);
  x[1234] = std::nanf("");
  ExpectRejected(Write("nan.wav", Wav(x, 16000, 1, true)), "sample 1234 is NaN");
  x[1234] = 0;
  x[77] = -INFINITY;
  ExpectRejected(Write("inf.wav", Wav(x, 16000, 1, true)), "sample 77 is infinite");
}

TEST_F(AudioFaults, OneSampleFileIsTiledLikeAnyShortClip) {
  // Reference behaviour: a short clip is repeated whole to nb_samp, so one sample becomes a
  // constant clip, identical to a file of nb_samp copies of it.
  const float v = 1000.0f / 32768.0f;
  EXPECT_EQ(ScoreOf(Write("one.wav", Wav({v}))),
            ScoreOf(Write("const.wav", Wav(std::vector<float>(kNbSamp, v)))));
}

TEST_F(AudioFaults, ClipOfNbSampAndOneMoreScoreTheSame) {
  // The first nb_samp samples are used: one extra sample changes nothing, one fewer tiles.
  std::vector<float> x = Noise(kNbSamp + 1, 3);
  const std::string exact =
      ScoreOf(Write("exact.wav", Wav(std::vector<float>(x.begin(), x.end() - 1))));
  EXPECT_EQ(ScoreOf(Write("plus1.wav", Wav(x))), exact);
  EXPECT_NE(ScoreOf(Write("minus1.wav", Wav(std::vector<float>(x.begin(), x.end() - 2)))), "");
}

TEST_F(AudioFaults, BadFileInATrainingCorpusStopsBeforeAnyStepNamingIt) {
  const std::string la = WriteCorpus(dir_ + "/bad", 4, 3);
  const std::string victim = la + "/ASVspoof2019_LA_train/flac/LA_T_1000002.wav";
  Spit(victim, Wav({}));
  const std::string out = dir_ + "/bad_run";
  CommandResult r = RunAntispoof(TrainArgs(WriteTinyConfig(dir_, "", "", "b"), la, out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, victim)) << r.err;
  EXPECT_TRUE(Contains(r.err, "no samples")) << r.err;
  EXPECT_FALSE(fs::exists(out + "/last.pth"));
  EXPECT_FALSE(fs::exists(out + "/train_log.csv"));
}

}  // namespace
}  // namespace antispoof::faults
