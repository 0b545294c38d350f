#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "support/test_support.h"

namespace antispoof::audio {
namespace {

using ::testing::HasSubstr;

// Any libsndfile format, with interleaved float frames (used for formats WriteAudio does not write).
void WriteRaw(const std::string& path, int format, int channels, int rate,
              const std::vector<float>& interleaved) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_FALSE);
  sf_writef_float(f, interleaved.data(), interleaved.size() / channels);
  sf_close(f);
}

std::vector<float> Ramp(int n) {
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>((i * 37) % 2001 - 1000) / 32768.0f;
  return x;
}

std::string ErrorOf(const std::string& path, const DecodeOptions& options = {}) {
  try {
    LoadAudio(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

struct RealFile {
  const char* path;
  int64_t samples;
  int first[5];
  double sum_abs;
};

TEST(AudioReal, SharedFlacFilesDecodeBitExactAndTileLikeTheReference) {
  ANTISPOOF_REQUIRE_SHARED();
  const std::string la = antispoof::testing::SharedDir() + "/asvspoof2019/LA/";
  const RealFile files[] = {
      {"ASVspoof2019_LA_train/flac/LA_T_1272637.flac", 46392, {16, 12, 13, 12, 9}, 1384.271851},
      {"ASVspoof2019_LA_dev/flac/LA_D_1003356.flac", 37445, {8, 15, 16, 12, 16}, 4493.134003},
      {"ASVspoof2019_LA_eval/flac/LA_E_6163791.flac", 30389, {-14, -10, -13, -17, -13},
       4279.971802},
  };
  for (const auto& f : files) {
    SCOPED_TRACE(f.path);
    std::vector<float> x = LoadAudio(la + f.path);
    ASSERT_EQ(static_cast<int64_t>(x.size()), f.samples);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(x[i], static_cast<float>(f.first[i]) / 32768.0f);
    for (float v : x) {
      float k = v * 32768.0f;
      ASSERT_EQ(k, std::round(k));
    }
    std::vector<float> fitted = FitLength(x, 64600);
    double sum = 0;
    for (float v : fitted) sum += std::abs(static_cast<double>(v));
    EXPECT_NEAR(sum, f.sum_abs, 1e-3);
    AudioInfo info = ProbeAudio(la + f.path);
    EXPECT_EQ(info.frames, f.samples);
    EXPECT_EQ(info.sample_rate, 16000);
    EXPECT_EQ(info.channels, 1);
    EXPECT_EQ(info.format, "FLAC 16-bit");
  }
}

TEST(AudioWrite, FlacAndWavRoundTripInt16Exactly) {
  std::string dir = antispoof::testing::TempDir();
  std::vector<float> x = Ramp(5000);
  x.push_back(-1.0f);
  x.push_back(32767.0f / 32768.0f);
  for (const char* name : {"a.flac", "a.wav"}) {
    WriteAudio(dir + "/" + name, x, 16000);
    EXPECT_EQ(LoadAudio(dir + "/" + name), x) << name;
  }
}

TEST(AudioWrite, OggRoundTripsApproximately) {
  std::string dir = antispoof::testing::TempDir();
  std::vector<float> x(16000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * std::sin(2 * M_PI * 440 * i / 16000.0);
  WriteAudio(dir + "/a.ogg", x, 16000);
  std::vector<float> y = LoadAudio(dir + "/a.ogg");
  ASSERT_EQ(y.size(), x.size());
  double err = 0;
  for (size_t i = 1000; i < 15000; ++i) err = std::max(err, std::abs(double(x[i]) - y[i]));
  EXPECT_LT(err, 0.05);
}

TEST(AudioWrite, OutOfRangeIsAnErrorUnlessClipped) {
  std::string dir = antispoof::testing::TempDir();
  try {
    WriteAudio(dir + "/a.flac", {0.0f, 1.5f}, 16000);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("sample 1"));
    EXPECT_THAT(e.what(), HasSubstr("outside [-1, 1]"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/a.flac"));
  WriteAudio(dir + "/a.flac", {0.0f, 1.5f, -2.0f}, 16000, /*clip=*/true);
  EXPECT_EQ(LoadAudio(dir + "/a.flac"), (std::vector<float>{0.0f, 32767 / 32768.0f, -1.0f}));
  EXPECT_THROW(WriteAudio(dir + "/a.flac", {NAN}, 16000, true), Error);
  EXPECT_THROW(WriteAudio(dir + "/a.mp3", {0.0f}, 16000), Error);
  EXPECT_THROW(WriteAudio(dir + "/a.wav", {0.0f}, 0), Error);
  EXPECT_THROW(WriteAudio(dir + "/no/such/folder/a.wav", {0.0f}, 16000), Error);
}

TEST(AudioDecode, StereoIsAnErrorByDefaultAndAveragedWithMixdown) {
  std::string path = antispoof::testing::TempDir() + "/stereo.wav";
  WriteRaw(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 16000, {0.5f, 0.25f, -0.5f, 0.0f, 0.0f, 1.0f / 32768});
  std::string err = ErrorOf(path);
  EXPECT_THAT(err, HasSubstr(path));
  EXPECT_THAT(err, HasSubstr("stereo (2 channels)"));
  EXPECT_THAT(err, HasSubstr("--mixdown"));
  DecodeOptions options;
  options.mixdown = true;
  EXPECT_EQ(LoadAudio(path, options), (std::vector<float>{0.375f, -0.25f, 0.5f / 32768}));
}

TEST(AudioDecode, OtherSampleRateIsAnErrorUnlessResampled) {
  std::string path = antispoof::testing::TempDir() + "/8k.flac";
  std::vector<float> x(8000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * std::sin(2 * M_PI * 300 * i / 8000.0);
  WriteAudio(path, x, 8000);
  std::string err = ErrorOf(path);
  EXPECT_THAT(err, HasSubstr(path));
  EXPECT_THAT(err, HasSubstr("8000 Hz"));
  EXPECT_THAT(err, HasSubstr("16000 Hz"));
  DecodeOptions options;
  options.resample = true;
  std::vector<float> y = LoadAudio(path, options);
  ASSERT_EQ(y.size(), 16000u);
  // A 300 Hz tone stays a 300 Hz tone: compare with the ideal at the new rate away from the edges.
  double err_max = 0;
  for (size_t i = 2000; i < 14000; ++i) {
    double ideal = 0.5 * std::sin(2 * M_PI * 300 * i / 16000.0);
    err_max = std::max(err_max, std::abs(ideal - y[i]));
  }
  EXPECT_LT(err_max, 2e-3);
}

TEST(AudioDecode, ResampleLengths) {
  EXPECT_EQ(Resample(std::vector<float>(44100, 0.1f), 44100, 16000).size(), 16000u);
  EXPECT_EQ(Resample(std::vector<float>(1001, 0.1f), 8000, 16000).size(), 2002u);
  EXPECT_EQ(Resample(std::vector<float>(3, 0.1f), 16000, 16000).size(), 3u);
  EXPECT_TRUE(Resample({}, 8000, 16000).empty());
  EXPECT_THROW(Resample({0.1f}, 0, 16000), Error);
}

TEST(AudioDecode, EmptyAudioIsAnError) {
  std::string dir = antispoof::testing::TempDir();
  WriteAudio(dir + "/empty.flac", {}, 16000);
  EXPECT_THAT(ErrorOf(dir + "/empty.flac"), HasSubstr("empty"));
  WriteAudio(dir + "/empty.wav", {}, 16000);
  EXPECT_THAT(ErrorOf(dir + "/empty.wav"), HasSubstr("no samples"));
  std::ofstream(dir + "/zero.flac").close();
  EXPECT_THAT(ErrorOf(dir + "/zero.flac"), HasSubstr("empty file"));
  EXPECT_THAT(ErrorOf(dir + "/zero.flac"), HasSubstr(dir + "/zero.flac"));
}

TEST(AudioDecode, TruncatedFlacIsAnError) {
  std::string dir = antispoof::testing::TempDir();
  std::vector<float> x = Ramp(40000);
  WriteAudio(dir + "/full.flac", x, 16000);
  auto size = std::filesystem::file_size(dir + "/full.flac");
  std::filesystem::copy_file(dir + "/full.flac", dir + "/cut.flac");
  std::filesystem::resize_file(dir + "/cut.flac", size / 2);
  std::string err = ErrorOf(dir + "/cut.flac");
  EXPECT_THAT(err, HasSubstr(dir + "/cut.flac"));
  EXPECT_THAT(err, HasSubstr("truncated"));
  // Cut inside the header: not decodable at all.
  std::filesystem::copy_file(dir + "/full.flac", dir + "/head.flac");
  std::filesystem::resize_file(dir + "/head.flac", 20);
  EXPECT_THAT(ErrorOf(dir + "/head.flac"), HasSubstr(dir + "/head.flac"));
}

TEST(AudioDecode, CorruptFlacDoesNotCrash) {
  std::string dir = antispoof::testing::TempDir();
  WriteAudio(dir + "/a.flac", Ramp(40000), 16000);
  std::string bytes;
  {
    std::ifstream in(dir + "/a.flac", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 2000 && i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(bytes[i] * 31 + 7);
  }
  std::ofstream(dir + "/bad.flac", std::ios::binary) << bytes;
  try {
    std::vector<float> y = LoadAudio(dir + "/bad.flac");
    EXPECT_LE(y.size(), 40000u);  // libFLAC may resynchronise; it must not crash
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir + "/bad.flac"));
  }
}

TEST(AudioDecode, TextFileNamedFlacIsAnError) {
  std::string path = antispoof::testing::TempDir() + "/notes.flac";
  std::ofstream(path) << "LA_0079 LA_T_1138215 - - bonafide\n";
  std::string err = ErrorOf(path);
  EXPECT_THAT(err, HasSubstr(path));
  EXPECT_THAT(err, HasSubstr("cannot decode audio"));
}

TEST(AudioDecode, MissingFileAndFolderAreErrors) {
  std::string dir = antispoof::testing::TempDir();
  EXPECT_THAT(ErrorOf(dir + "/nope.flac"), HasSubstr("no such audio file"));
  EXPECT_THAT(ErrorOf(dir), HasSubstr("is a folder"));
  EXPECT_THROW(ProbeAudio(dir + "/nope.flac"), Error);
}

TEST(AudioDecode, NanAndInfSamplesAreErrorsNamingTheFile) {
  std::string dir = antispoof::testing::TempDir();
  WriteRaw(dir + "/nan.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 16000, {0.1f, NAN, 0.2f});
  std::string err = ErrorOf(dir + "/nan.wav");
  EXPECT_THAT(err, HasSubstr(dir + "/nan.wav"));
  EXPECT_THAT(err, HasSubstr("sample 1 is NaN"));
  WriteRaw(dir + "/inf.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 16000,
           {0.1f, 0.2f, std::numeric_limits<float>::infinity()});
  EXPECT_THAT(ErrorOf(dir + "/inf.wav"), HasSubstr("sample 2 is infinite"));
}

TEST(AudioDecode, Wav24BitAnd32BitAndFloatDecode) {
  std::string dir = antispoof::testing::TempDir();
  const std::vector<int> k24 = {0, 4194304, -2097152, 1, -8388608, 8388607};
  std::vector<float> x;
  for (int k : k24) x.push_back(static_cast<float>(k) / 8388608.0f);
  for (const char* name : {"a24.wav", "a32.wav", "a24.flac"}) {
    std::string path = dir + "/" + name;
    SF_INFO info{};
    info.samplerate = 16000;
    info.channels = 1;
    info.format = std::string(name) == "a24.wav"    ? SF_FORMAT_WAV | SF_FORMAT_PCM_24
                  : std::string(name) == "a32.wav"  ? SF_FORMAT_WAV | SF_FORMAT_PCM_32
                                                    : SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    ASSERT_NE(f, nullptr);
    std::vector<int> left_aligned;
    for (int k : k24) left_aligned.push_back(k * 256);
    sf_writef_int(f, left_aligned.data(), left_aligned.size());
    sf_close(f);
    EXPECT_EQ(LoadAudio(path), x) << name;
  }
  WriteRaw(dir + "/af.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 16000, x);
  EXPECT_EQ(LoadAudio(dir + "/af.wav"), x);
  // Float files are not clipped or scaled.
  WriteRaw(dir + "/loud.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 16000, {1.5f, -2.0f});
  EXPECT_EQ(LoadAudio(dir + "/loud.wav"), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(ProbeAudio(dir + "/a24.wav").format, "WAV 24-bit");
}

TEST(AudioFitLength, TilesShortClipsWholeAndCuts) {
  std::vector<float> x = {1, 2, 3};
  EXPECT_EQ(FitLength(x, 7), (std::vector<float>{1, 2, 3, 1, 2, 3, 1}));
  EXPECT_EQ(FitLength(x, 3), x);
  EXPECT_EQ(FitLength(x, 2), (std::vector<float>{1, 2}));
  EXPECT_EQ(FitLength(x, 4), (std::vector<float>{1, 2, 3, 1}));
  EXPECT_EQ(FitLength({5}, 4), (std::vector<float>{5, 5, 5, 5}));
  std::vector<float> long_clip(64601);
  for (size_t i = 0; i < long_clip.size(); ++i) long_clip[i] = static_cast<float>(i);
  std::vector<float> cut = FitLength(long_clip, 64600);
  ASSERT_EQ(cut.size(), 64600u);
  EXPECT_EQ(cut.back(), 64599.0f);
  std::vector<float> exact(long_clip.begin(), long_clip.end() - 1);
  EXPECT_EQ(FitLength(exact, 64600), exact);
  EXPECT_THROW(FitLength(std::vector<float>{}, 4), Error);
  EXPECT_THROW(FitLength(x, 0), Error);
}

}  // namespace
}  // namespace antispoof::audio
