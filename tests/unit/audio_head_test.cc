// LoadAudioHead: the first N samples of a file, decoding no more than they need, equal to the first N
// of LoadAudio's; the checks hold for what is read; LoadAudio's max_seconds refuses long files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "support/test_support.h"

namespace antispoof::audio {
namespace {

using ::testing::HasSubstr;
using testing::ErrorMessageOf;

std::vector<float> Noise(int n, unsigned seed) {
  std::vector<float> x(n);
  uint32_t s = seed;
  for (auto& v : x) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(static_cast<int>(s >> 16) % 20001 - 10000) / 32768.0f;
  }
  return x;
}

TEST(AudioHead, IsThePrefixOfTheWholeDecodeForEveryFormatAndLength) {
  const std::string dir = testing::TempDir();
  const std::vector<float> x = Noise(70000, 3);
  for (const char* ext : {".flac", ".wav"}) {
    const std::string path = dir + "/a" + ext;
    WriteAudio(path, x, 16000);
    const std::vector<float> whole = LoadAudio(path);
    for (int64_t n : {1, 7999, 8000, 64600, 70000, 100000}) {
      SCOPED_TRACE(std::string(ext) + " " + std::to_string(n));
      const std::vector<float> head = LoadAudioHead(path, n);
      ASSERT_EQ(static_cast<int64_t>(head.size()), std::min<int64_t>(n, 70000));
      EXPECT_TRUE(std::equal(head.begin(), head.end(), whole.begin()));
      EXPECT_EQ(DecodeAudioHead(ReadFile(path, kCheckpointLimit), path, n), head);
    }
    EXPECT_EQ(ProbeAudio(ReadFile(path, kCheckpointLimit), path).frames, 70000);
    EXPECT_EQ(ProbeAudio(path).frames, 70000);
  }
  EXPECT_THAT(ErrorMessageOf([&] { LoadAudioHead(dir + "/a.wav", 0); }), HasSubstr("must be positive"));
}

TEST(AudioHead, ResampledHeadMatchesTheWholeResampledDecode) {
  const std::string dir = testing::TempDir();
  const std::string path = dir + "/r.wav";
  WriteAudio(path, Noise(44100 * 3, 5), 44100);
  DecodeOptions o;
  o.resample = true;
  const std::vector<float> whole = LoadAudio(path, o);
  const std::vector<float> head = LoadAudioHead(path, 16000, o);
  ASSERT_EQ(head.size(), 16000u);
  double worst = 0;
  for (size_t i = 0; i < head.size(); ++i) worst = std::max(worst, std::fabs(double{head[i]} - whole[i]));
  EXPECT_LE(worst, 1e-6);
}

TEST(AudioHead, ChecksHoldForWhatIsRead) {
  const std::string dir = testing::TempDir();
  std::vector<float> x = Noise(20000, 7);
  const std::string path = dir + "/t.flac";
  WriteAudio(path, x, 16000);
  const std::string bytes = ReadFile(path);
  // Cut in the first 8000 samples: truncated; cut after them: the head is whole.
  std::string early = bytes.substr(0, bytes.size() / 8), late = bytes.substr(0, bytes.size() * 3 / 4);
  EXPECT_THAT(ErrorMessageOf([&] { DecodeAudioHead(early, "early.flac", 8000); }), HasSubstr("truncated"));
  EXPECT_EQ(DecodeAudioHead(late, "late.flac", 8000), LoadAudioHead(path, 8000));
  EXPECT_THAT(ErrorMessageOf([&] { DecodeAudio(late, "late.flac"); }), HasSubstr("truncated"));
}

TEST(AudioHead, MaxSecondsRefusesALongerFileByName) {
  const std::string dir = testing::TempDir();
  const std::string path = dir + "/two.flac";
  WriteAudio(path, Noise(32000, 9), 16000);
  DecodeOptions o;
  o.max_seconds = 1.5;
  EXPECT_THAT(ErrorMessageOf([&] { LoadAudio(path, o); }),
              HasSubstr(path + ": 2 s of audio is longer than the 1.5 s antispoof reads of one file whole"));
  EXPECT_EQ(LoadAudioHead(path, 8000, o).size(), 8000u);  // a head is bounded anyway
  o.max_seconds = 2;
  EXPECT_EQ(LoadAudio(path, o).size(), 32000u);
}

TEST(AudioHead, NonRegularFilesAreRefusedBeforeOpening) {
  const std::string dir = testing::TempDir();
  const std::string fifo = dir + "/p.wav";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_THAT(ErrorMessageOf([&] { LoadAudio(fifo); }), HasSubstr(fifo + ": is a FIFO (named pipe)"));
  EXPECT_THAT(ErrorMessageOf([&] { LoadAudioHead(fifo, 10); }), HasSubstr("FIFO"));
  EXPECT_THAT(ErrorMessageOf([&] { ProbeAudio(fifo); }), HasSubstr("FIFO"));
  EXPECT_THAT(ErrorMessageOf([&] { LoadAudio("/dev/zero"); }), HasSubstr("/dev/zero: is a character device"));
  EXPECT_THAT(ErrorMessageOf([&] { LoadAudio(dir); }), HasSubstr("is a folder, not an audio file"));
}

}  // namespace
}  // namespace antispoof::audio
