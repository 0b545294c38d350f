// Reading 16-bit little-endian mono PCM from a stream (stdin), raw or in a WAV (RIFF) container, in
// bounded pieces: nothing is buffered beyond what the caller asks for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace antispoof::audio {

// Reads up to `size` bytes into `buffer`; returns how many, fewer than `size` only at the end of the
// stream (e.g. fread on stdin, which waits for a pipe's writer). Errors are the source's to throw.
using ByteSource = std::function<size_t(char* buffer, size_t size)>;

// The stream's first bytes decide its form: "RIFF" starts a WAV header, anything else is raw PCM
// (16-bit signed little-endian, mono, at the expected rate) whose first bytes are audio.
// A WAV must be PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM subformat), 16-bit, mono,
// at the expected rate; chunks before "data" are skipped. A data chunk size of 0 or 0xFFFFFFFF
// (what streaming writers put there) means "until the end of the stream"; any other size is read
// and the stream ends there. Samples come out as int16/32768 (as audio::LoadAudio returns them).
class PcmStreamReader {
 public:
  // Reads and checks the header (if any). `name` names the stream in errors, e.g. "stdin".
  // Error for a WAV of another rate, channel count, bit depth or encoding, RIFX/RF64, or a header
  // cut short.
  PcmStreamReader(ByteSource source, std::string name, int sample_rate = 16000);
  // Reads up to `max_samples` samples into `out` (waiting for them), returning how many; fewer only at
  // the end of the stream, 0 after it. Error when the stream ends inside a sample (an odd number
  // of bytes) or before the size a WAV data chunk declares.
  int64_t Read(float* out, int64_t max_samples);
  bool is_wav() const { return is_wav_; }
  const std::string& name() const { return name_; }

 private:
  size_t ReadBytes(char* buffer, size_t size);  // pending header bytes first, then the source
  void ReadWavHeader();

  ByteSource source_;
  std::string name_;
  int sample_rate_;
  bool is_wav_ = false;
  std::string pending_;            // bytes read while detecting the header that are audio
  int64_t data_left_ = -1;         // bytes of a sized WAV data chunk still to read; -1: to the end
  int64_t bytes_read_ = 0;         // audio bytes returned so far
  bool ended_ = false;
};

}  // namespace antispoof::audio
