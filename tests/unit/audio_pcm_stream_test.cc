// PcmStreamReader: raw and WAV PCM streams, read in bounded pieces, with the same samples as
// LoadAudio, and clear errors for an odd byte, a truncated data chunk and a WAV of another format.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/audio/pcm_stream.h"
#include "support/test_support.h"

namespace antispoof::audio {
namespace {

using ::testing::HasSubstr;

// A ByteSource over `bytes` that hands out at most `piece` bytes per call (a slow pipe still
// fills each request: the reader must loop on its own only through the source).
struct StringSource {
  std::string bytes;
  size_t pos = 0;
  size_t largest_request = 0;
  size_t operator()(char* buffer, size_t size) {
    largest_request = std::max(largest_request, size);
    const size_t n = std::min(size, bytes.size() - pos);
    std::memcpy(buffer, bytes.data() + pos, n);
    pos += n;
    return n;
  }
};

std::string Le(uint32_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

std::string Pcm(const std::vector<int16_t>& samples) {
  std::string s;
  for (int16_t v : samples) s += Le(static_cast<uint16_t>(v), 2);
  return s;
}

// A WAV header with a fmt chunk (format, channels, rate, bits), an optional LIST chunk, and a data
// chunk declaring `data_size` bytes.
std::string WavHeader(uint32_t data_size, uint32_t rate = 16000, uint16_t channels = 1, uint16_t bits = 16,
                      uint16_t format = 1, bool list_chunk = false) {
  std::string fmt = Le(format, 2) + Le(channels, 2) + Le(rate, 4) + Le(rate * channels * bits / 8, 4) +
                    Le(channels * bits / 8, 2) + Le(bits, 2);
  std::string body = "WAVEfmt " + Le(16, 4) + fmt;
  if (list_chunk) body += "LIST" + Le(3, 4) + "abc" + std::string(1, '\0');  // odd size: one pad byte
  body += "data" + Le(data_size, 4);
  return "RIFF" + Le(static_cast<uint32_t>(body.size() + data_size), 4) + body;
}

std::vector<float> ReadAll(PcmStreamReader& reader, int64_t piece) {
  std::vector<float> out, buffer(piece);
  while (int64_t n = reader.Read(buffer.data(), piece)) out.insert(out.end(), buffer.begin(), buffer.begin() + n);
  return out;
}

const std::vector<int16_t> kSamples = {0, 1, -1, 32767, -32768, 1234, -4321, 7};

std::vector<float> Expected() {
  std::vector<float> x;
  for (int16_t v : kSamples) x.push_back(static_cast<float>(v) / 32768.0f);
  return x;
}

TEST(PcmStream, RawPcmComesOutAsInt16Over32768InBoundedReads) {
  for (int64_t piece : {1, 3, 8, 100}) {
    auto source = std::make_shared<StringSource>(StringSource{Pcm(kSamples)});
    PcmStreamReader reader([source](char* b, size_t n) { return (*source)(b, n); }, "stdin");
    EXPECT_FALSE(reader.is_wav());
    EXPECT_EQ(ReadAll(reader, piece), Expected()) << piece;
    EXPECT_LE(source->largest_request, static_cast<size_t>(std::max<int64_t>(4, 2 * piece))) << piece;
  }
}

TEST(PcmStream, WavStreamsWithSizedAndUnsizedDataChunks) {
  const std::string data = Pcm(kSamples);
  for (uint32_t declared : {static_cast<uint32_t>(data.size()), 0u, 0xFFFFFFFFu}) {
    for (bool list_chunk : {false, true}) {
      auto source = std::make_shared<StringSource>(StringSource{WavHeader(declared, 16000, 1, 16, 1, list_chunk) + data});
      PcmStreamReader reader([source](char* b, size_t n) { return (*source)(b, n); }, "stdin");
      EXPECT_TRUE(reader.is_wav());
      EXPECT_EQ(ReadAll(reader, 3), Expected()) << declared;
    }
  }
  // A sized data chunk ends the audio: a chunk after it is not read as samples.
  auto source = std::make_shared<StringSource>(StringSource{WavHeader(4) + data});
  PcmStreamReader reader([source](char* b, size_t n) { return (*source)(b, n); }, "stdin");
  EXPECT_EQ(ReadAll(reader, 8).size(), 2u);
}

TEST(PcmStream, AWavFileWrittenToDiskStreamsToLoadAudiosSamples) {
  const std::string path = testing::TempDir() + "/x.wav";
  std::vector<float> x(3001);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i * 37 % 2001) - 1000) / 32768.0f;
  WriteAudio(path, x, 16000);
  auto source = std::make_shared<StringSource>(StringSource{testing::Slurp(path)});
  PcmStreamReader reader([source](char* b, size_t n) { return (*source)(b, n); }, "stdin");
  EXPECT_TRUE(reader.is_wav());
  EXPECT_EQ(ReadAll(reader, 500), LoadAudio(path));
}

std::string ErrorOf(const std::string& bytes, int64_t piece = 4) {
  return testing::ErrorMessageOf([&] {
    auto source = std::make_shared<StringSource>(StringSource{bytes});
    PcmStreamReader reader([source](char* b, size_t n) { return (*source)(b, n); }, "stdin");
    ReadAll(reader, piece);
  });
}

TEST(PcmStream, BadStreamsAreClearErrors) {
  const std::string data = Pcm(kSamples);
  EXPECT_THAT(ErrorOf(data + "x"), HasSubstr("stdin: the stream ends inside a 16-bit sample (17 bytes"));
  EXPECT_THAT(ErrorOf(WavHeader(100) + data), HasSubstr("stdin: truncated WAV stream"));
  EXPECT_THAT(ErrorOf(WavHeader(0) + data + "x"), HasSubstr("ends inside a 16-bit sample"));
  EXPECT_THAT(ErrorOf(WavHeader(3) + data), HasSubstr("declares 3 bytes, not a whole number"));
  EXPECT_THAT(ErrorOf(WavHeader(0, 8000) + data), HasSubstr("the WAV header says 8000 Hz, 1 channel(s), 16-bit, PCM"));
  EXPECT_THAT(ErrorOf(WavHeader(0, 16000, 2) + data), HasSubstr("2 channel(s)"));
  EXPECT_THAT(ErrorOf(WavHeader(0, 16000, 1, 24) + data), HasSubstr("24-bit"));
  EXPECT_THAT(ErrorOf(WavHeader(0, 16000, 1, 32, 3) + data), HasSubstr("format 3"));
  EXPECT_THAT(ErrorOf(WavHeader(0).substr(0, 20)), HasSubstr("stdin: the WAV header ends early"));
  EXPECT_THAT(ErrorOf("RIFX" + data), HasSubstr("not supported"));
  EXPECT_THAT(ErrorOf("RIFF" + Le(4, 4) + "AVI "), HasSubstr("not WAVE"));
  // Raw streams shorter than the 4 detection bytes are samples too.
  EXPECT_EQ(ErrorOf(Pcm({5})), "");
}

}  // namespace
}  // namespace antispoof::audio
