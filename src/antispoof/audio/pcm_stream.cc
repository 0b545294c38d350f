#include "antispoof/audio/pcm_stream.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::audio {
namespace {

uint32_t Le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint16_t Le16(const char* p) {
  return static_cast<uint16_t>(static_cast<unsigned char>(p[0]) | (static_cast<unsigned char>(p[1]) << 8));
}

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatExtensible = 0xFFFE;
constexpr uint32_t kMaxFmtChunk = 4096;       // a real fmt chunk has 16-40 bytes
constexpr uint32_t kMaxSkippedChunk = 1 << 20;  // LIST/fact/... before the data: read and dropped

}  // namespace

PcmStreamReader::PcmStreamReader(ByteSource source, std::string name, int sample_rate)
    : source_(std::move(source)), name_(std::move(name)), sample_rate_(sample_rate) {
  char magic[4];
  const size_t got = source_(magic, 4);
  if (got == 4 && std::memcmp(magic, "RIFF", 4) == 0) {
    is_wav_ = true;
    ReadWavHeader();
    return;
  }
  if (got == 4 && (std::memcmp(magic, "RIFX", 4) == 0 || std::memcmp(magic, "RF64", 4) == 0))
    Fail(name_ + ": a " + std::string(magic, 4) + " (big-endian or 64-bit) WAV stream is not supported: "
         "send 16-bit little-endian PCM, raw or in a plain RIFF WAV");
  pending_.assign(magic, got);  // raw PCM: these bytes are the first samples
}

void PcmStreamReader::ReadWavHeader() {
  auto read_exact = [&](char* buffer, size_t size, const char* what) {
    if (source_(buffer, size) != size) Fail(name_ + ": the WAV header ends early (in its " + std::string(what) + ")");
  };
  char riff[8];
  read_exact(riff, 8, "RIFF header");
  if (std::memcmp(riff + 4, "WAVE", 4) != 0) Fail(name_ + ": a RIFF stream that is not WAVE");
  bool have_fmt = false;
  for (;;) {
    char chunk[8];
    read_exact(chunk, 8, "chunk list; no data chunk");
    const std::string id(chunk, 4);
    const uint32_t size = Le32(chunk + 4);
    if (id == "data") {
      if (!have_fmt) Fail(name_ + ": the WAV data chunk comes before any fmt chunk");
      // 0 and 0xFFFFFFFF: the size of a stream whose writer did not know its length.
      data_left_ = (size == 0 || size == 0xFFFFFFFFu) ? -1 : static_cast<int64_t>(size);
      if (data_left_ > 0 && data_left_ % 2 != 0) Fail(name_ + Format(": the WAV data chunk declares %u bytes, not a whole number of 16-bit samples", size));
      return;
    }
    const uint32_t padded = size + (size & 1);
    if (id == "fmt ") {
      if (size < 16 || size > kMaxFmtChunk) Fail(name_ + Format(": the WAV fmt chunk has %u bytes (expected 16-40)", size));
      std::vector<char> fmt(padded);
      read_exact(fmt.data(), padded, "fmt chunk");
      uint16_t format = Le16(&fmt[0]);
      const uint16_t channels = Le16(&fmt[2]), bits = Le16(&fmt[14]);
      const uint32_t rate = Le32(&fmt[4]);
      if (format == kFormatExtensible && size >= 26) format = Le16(&fmt[24]);  // the subformat GUID's first 2 bytes
      if (format != kFormatPcm || channels != 1 || bits != 16 || static_cast<int>(rate) != sample_rate_)
        Fail(name_ + Format(": the WAV header says %u Hz, %u channel(s), %u-bit, %s; the stream must be %d Hz "
                            "mono 16-bit PCM (e.g. ffmpeg -i IN -ar %d -ac 1 -f s16le -)",
                            rate, channels, bits, format == kFormatPcm ? "PCM" : Format("format %u", format).c_str(),
                            sample_rate_, sample_rate_));
      have_fmt = true;
      continue;
    }
    if (padded > kMaxSkippedChunk) Fail(name_ + Format(": WAV chunk '%s' before the data is too large (%u bytes)", id.c_str(), size));
    std::vector<char> skipped(padded);
    read_exact(skipped.data(), padded, ("'" + id + "' chunk").c_str());
  }
}

size_t PcmStreamReader::ReadBytes(char* buffer, size_t size) {
  const size_t from_pending = std::min(size, pending_.size());
  std::memcpy(buffer, pending_.data(), from_pending);
  pending_.erase(0, from_pending);
  if (from_pending == size) return size;
  return from_pending + source_(buffer + from_pending, size - from_pending);
}

int64_t PcmStreamReader::Read(float* out, int64_t max_samples) {
  if (ended_ || max_samples <= 0) return 0;
  int64_t want_bytes = 2 * max_samples;
  if (data_left_ >= 0) want_bytes = std::min(want_bytes, data_left_);
  std::vector<char> bytes(static_cast<size_t>(want_bytes));
  const size_t got = ReadBytes(bytes.data(), bytes.size());
  if (data_left_ >= 0) data_left_ -= static_cast<int64_t>(got);
  if (got < bytes.size() || data_left_ == 0) ended_ = true;
  if (got < bytes.size() && data_left_ > 0)
    Fail(name_ + Format(": truncated WAV stream: its data chunk declares %lld more bytes than the stream holds "
                        "(it ended after %lld bytes of audio)",
                        static_cast<long long>(data_left_), static_cast<long long>(bytes_read_ + got)));
  if (got % 2 != 0)
    Fail(name_ + Format(": the stream ends inside a 16-bit sample (%lld bytes of audio, an odd number): truncated?",
                        static_cast<long long>(bytes_read_ + got)));
  bytes_read_ += static_cast<int64_t>(got);
  const int64_t samples = static_cast<int64_t>(got / 2);
  for (int64_t i = 0; i < samples; ++i)
    out[i] = static_cast<float>(static_cast<int16_t>(Le16(&bytes[2 * i]))) / 32768.0f;
  return samples;
}

}  // namespace antispoof::audio
