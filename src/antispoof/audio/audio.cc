#include "antispoof/audio/audio.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <string_view>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/common/strings.h"

namespace antispoof::audio {
namespace {

namespace fs = std::filesystem;

struct SndFileCloser {
  void operator()(SNDFILE* f) const {
    if (f) sf_close(f);
  }
};
using SndFilePtr = std::unique_ptr<SNDFILE, SndFileCloser>;

std::string MajorName(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_WAV: return "WAV";
    case SF_FORMAT_WAVEX: return "WAVEX";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_AIFF: return "AIFF";
    case SF_FORMAT_AU: return "AU";
    case SF_FORMAT_RAW: return "RAW";
    case SF_FORMAT_W64: return "W64";
    case SF_FORMAT_RF64: return "RF64";
    case SF_FORMAT_CAF: return "CAF";
    default: return Format("format 0x%x", format & SF_FORMAT_TYPEMASK);
  }
}

std::string SubName(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "8-bit";
    case SF_FORMAT_PCM_U8: return "unsigned 8-bit";
    case SF_FORMAT_PCM_16: return "16-bit";
    case SF_FORMAT_PCM_24: return "24-bit";
    case SF_FORMAT_PCM_32: return "32-bit";
    case SF_FORMAT_FLOAT: return "float";
    case SF_FORMAT_DOUBLE: return "double";
    case SF_FORMAT_VORBIS: return "Vorbis";
    case SF_FORMAT_OPUS: return "Opus";
    case SF_FORMAT_ULAW: return "u-law";
    case SF_FORMAT_ALAW: return "A-law";
    default: return Format("subtype 0x%x", format & SF_FORMAT_SUBMASK);
  }
}

// All interleaved samples of an open file as float (16-bit PCM as int16/32768 exactly), or only its
// first `max_frames` frames when max_frames >= 0 (the rest is never decoded). `size_hint` (the
// encoded size in bytes) caps what a header's frame count may reserve up front. The truncation
// check holds for what is read: fewer frames than min(header's count, max_frames) is an Error.
std::vector<float> ReadInterleaved(const std::string& path, SNDFILE* file, const SF_INFO& info,
                                   size_t size_hint, int64_t max_frames = -1) {
  const int channels = info.channels;
  const bool known_length = info.frames > 0 && info.frames < (int64_t{1} << 34);
  const int64_t limit = max_frames >= 0 ? max_frames : std::numeric_limits<int64_t>::max();
  std::vector<float> data;
  // The vector's growth, as an Error naming the file and the bytes asked for.
  auto grow = [&](size_t samples, bool reserve) {
    try {
      reserve ? data.reserve(samples) : data.resize(samples);
    } catch (const std::bad_alloc&) {
      Fail(Located(path, 0, Format("out of memory holding its decoded audio (asked for %llu bytes for "
                                   "%llu samples)", static_cast<unsigned long long>(samples * sizeof(float)),
                                   static_cast<unsigned long long>(samples))));
    }
  };
  if (known_length || max_frames >= 0) {
    // A header may claim any length: reserve no more than the encoded size could plausibly hold.
    const int64_t frames = known_length ? std::min<int64_t>(info.frames, limit) : limit;
    grow(std::min(static_cast<size_t>(frames) * channels, size_hint + 4096), true);
  }
  const bool pcm16 = (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16;
  // About 64k samples per read whatever the channel count (libsndfile allows up to 1024).
  const sf_count_t chunk_frames = std::max<sf_count_t>(1, (sf_count_t{1} << 16) / channels);
  std::vector<short> shorts;
  if (pcm16) shorts.resize(static_cast<size_t>(chunk_frames) * channels);
  int64_t frames = 0;
  while (frames < limit) {
    const sf_count_t want = static_cast<sf_count_t>(std::min<int64_t>(chunk_frames, limit - frames));
    const size_t offset = data.size();
    grow(offset + static_cast<size_t>(want) * channels, false);
    sf_count_t got;
    if (pcm16) {
      got = sf_readf_short(file, shorts.data(), want);
      for (sf_count_t i = 0; i < got * channels; ++i) {
        data[offset + i] = static_cast<float>(shorts[i]) / 32768.0f;
      }
    } else {
      got = sf_readf_float(file, data.data() + offset, want);
    }
    if (got < 0) got = 0;
    data.resize(offset + static_cast<size_t>(got) * channels);
    frames += got;
    if (got < want) break;
  }
  int err = sf_error(file);
  if (err != SF_ERR_NO_ERROR) {
    Fail(Located(path, 0, Format("decoding failed after %lld samples: %s (corrupt or truncated)",
                                 static_cast<long long>(frames), sf_strerror(file))));
  }
  if (known_length && frames < std::min<int64_t>(info.frames, limit)) {
    Fail(Located(path, 0, Format("truncated: decoded %lld of the %lld samples its header states",
                                 static_cast<long long>(frames),
                                 static_cast<long long>(info.frames))));
  }
  return data;
}

// The encoded bytes libsndfile decodes through its virtual I/O: a file read in place with pread (never
// held whole) or a buffer in memory.
struct EncodedBytes {
  std::string_view memory;
  const InputFile* file = nullptr;
  sf_count_t pos = 0;

  sf_count_t size() const { return file ? static_cast<sf_count_t>(file->size()) : memory.size(); }
  // Up to n bytes at `offset`; fewer only at the end.
  size_t ReadAt(void* out, size_t n, sf_count_t offset) const {
    if (offset < 0 || offset >= size()) return 0;
    if (file) return file->ReadAt(out, n, static_cast<uint64_t>(offset));
    n = std::min<size_t>(n, memory.size() - offset);
    std::memcpy(out, memory.data() + offset, n);
    return n;
  }
  std::string Bytes(sf_count_t offset, size_t n) const {
    std::string out(n, '\0');
    out.resize(ReadAt(out.data(), n, offset));
    return out;
  }
};

sf_count_t EncodedLength(void* user) { return static_cast<EncodedBytes*>(user)->size(); }

sf_count_t EncodedSeek(sf_count_t offset, int whence, void* user) {
  auto* e = static_cast<EncodedBytes*>(user);
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? e->pos : e->size();
  sf_count_t target = base + offset;
  if (target < 0) return -1;
  e->pos = target;
  return e->pos;
}

sf_count_t EncodedRead(void* ptr, sf_count_t count, void* user) {
  auto* e = static_cast<EncodedBytes*>(user);
  if (count <= 0) return 0;
  const size_t n = e->ReadAt(ptr, static_cast<size_t>(count), e->pos);
  e->pos += static_cast<sf_count_t>(n);
  return static_cast<sf_count_t>(n);
}

sf_count_t EncodedTell(void* user) { return static_cast<EncodedBytes*>(user)->pos; }

sf_count_t NoWrite(const void*, sf_count_t, void*) { return 0; }

// A growing buffer for encoding, so that a written file can be put in place atomically.
struct MemoryFile {
  std::string bytes;
  sf_count_t pos = 0;
};

template <class Memory>
sf_count_t MemLength(void* user) {
  return static_cast<Memory*>(user)->bytes.size();
}

template <class Memory>
sf_count_t MemSeek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<Memory*>(user);
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->bytes.size();
  sf_count_t target = base + offset;
  if (target < 0) return -1;
  m->pos = target;
  return m->pos;
}

template <class Memory>
sf_count_t MemRead(void* ptr, sf_count_t count, void* user) {
  auto* m = static_cast<Memory*>(user);
  sf_count_t size = m->bytes.size();
  if (count <= 0 || m->pos >= size) return 0;
  sf_count_t n = std::min(count, size - m->pos);
  std::memcpy(ptr, m->bytes.data() + m->pos, n);
  m->pos += n;
  return n;
}

template <class Memory>
sf_count_t MemTell(void* user) {
  return static_cast<Memory*>(user)->pos;
}

sf_count_t MemWrite(const void* ptr, sf_count_t count, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  if (static_cast<size_t>(m->pos + count) > m->bytes.size()) m->bytes.resize(m->pos + count);
  std::memcpy(m->bytes.data() + m->pos, ptr, count);
  m->pos += count;
  return count;
}

template <class Memory>
SF_VIRTUAL_IO VirtualIo(sf_vio_write write) {
  return {MemLength<Memory>, MemSeek<Memory>, MemRead<Memory>, write, MemTell<Memory>};
}

// libsndfile quietly shortens a WAV whose data chunk runs past the end of the file: a half-copied
// file must not pass for a short recording. Reads only the chunk headers before "data".
void CheckWavLength(const EncodedBytes& b, const std::string& path) {
  const std::string head = b.Bytes(0, 12);
  if (head.size() < 12 || head.substr(0, 4) != "RIFF" || head.substr(8, 4) != "WAVE") return;
  auto le32 = [](const std::string& s, size_t p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[p + i]);
    return v;
  };
  const sf_count_t total = b.size();
  sf_count_t pos = 12;
  for (int chunk = 0; chunk < 4096 && pos + 8 <= total; ++chunk) {  // a bounded walk
    const std::string header = b.Bytes(pos, 8);
    if (header.size() < 8) return;
    const uint32_t size = le32(header, 4);
    if (header.substr(0, 4) == "data") {
      const sf_count_t held = total - pos - 8;
      // 0 and 0xFFFFFFFF: the size of a stream that was never finalised (unknown).
      if (size != 0 && size != 0xFFFFFFFFu && size > held) {
        Fail(Located(path, 0, Format("truncated: its WAV header declares %u bytes of audio, the file "
                                     "holds %lld", size, static_cast<long long>(held))));
      }
      return;
    }
    pos += 8 + static_cast<sf_count_t>(size) + (size & 1);
  }
}

SF_VIRTUAL_IO EncodedIo() { return {EncodedLength, EncodedSeek, EncodedRead, NoWrite, EncodedTell}; }

// Opens the encoded bytes for decoding; Error naming the file when libsndfile cannot parse them.
SndFilePtr OpenEncoded(EncodedBytes& bytes, const std::string& path, SF_INFO* info) {
  if (bytes.size() == 0) Fail(Located(path, 0, "empty file (0 bytes), not audio"));
  SF_VIRTUAL_IO vio = EncodedIo();
  std::memset(info, 0, sizeof(*info));
  SndFilePtr file(sf_open_virtual(&vio, SFM_READ, info, &bytes));
  if (!file) {
    std::string reason = sf_strerror(nullptr);
    Fail(Located(path, 0, "cannot decode audio: " + reason +
                              " (not a FLAC/WAV/OGG file, or corrupt)"));
  }
  return file;
}

// Frames of the file (at its rate) that the first `head` output samples need; all of them when head
// is 0. With resampling, one second more than the ratio asks, so that the filter's end-of-input flush
// stays beyond the samples kept.
int64_t FramesNeeded(int64_t head, int file_rate, int rate) {
  if (head <= 0) return -1;
  if (file_rate == rate) return head;
  return static_cast<int64_t>(std::ceil(static_cast<double>(head) * file_rate / rate)) + file_rate;
}

[[noreturn]] void FailTooLong(const std::string& path, const std::string& length, double max_seconds) {
  throw AudioTooLong(Located(path, 0, Format("%s of audio is longer than the %s s antispoof reads of one file "
                                             "whole (raise --max-audio-seconds to read it)", length.c_str(),
                                             ShortestDouble(max_seconds).c_str())));
}

// Decoded interleaved samples -> checked mono samples at options.sample_rate (the first `head` of
// them when head > 0).
std::vector<float> Finish(std::vector<float> data, const SF_INFO& info, const std::string& path,
                          const DecodeOptions& options, int64_t head) {
  const int channels = info.channels;
  const size_t frames = data.size() / channels;
  if (frames == 0) Fail(Located(path, 0, "no samples (empty audio)"));
  for (size_t i = 0; i < data.size(); ++i) {
    if (!std::isfinite(data[i])) {
      Fail(Located(path, 0, Format("sample %zu is %s; audio must be finite", i / channels,
                                   std::isnan(data[i]) ? "NaN" : "infinite")));
    }
  }
  if (channels > 1) {
    for (size_t f = 0; f < frames; ++f) {
      double sum = 0.0;  // a float sum of finite samples near FLT_MAX could overflow
      for (int c = 0; c < channels; ++c) sum += data[f * channels + c];
      data[f] = static_cast<float>(sum / channels);
    }
    data.resize(frames);
  }
  if (info.samplerate != options.sample_rate) {
    data = Resample(data, info.samplerate, options.sample_rate);
    if (data.empty()) Fail(Located(path, 0, "no samples left after resampling"));
    // Finite samples near FLT_MAX (a float file of junk) can overflow in the filter.
    for (size_t i = 0; i < data.size(); ++i) {
      if (!std::isfinite(data[i])) {
        Fail(Located(path, 0, Format("resampled sample %zu is not finite: the file's values are far "
                                     "outside [-1, 1] (corrupt?)", i)));
      }
    }
  }
  if (head > 0 && static_cast<int64_t>(data.size()) > head) data.resize(static_cast<size_t>(head));
  return data;
}

// The decoder behind LoadAudio, LoadAudioHead and DecodeAudio: `head` > 0 keeps (and decodes) only
// what the first `head` output samples need.
std::vector<float> Decode(EncodedBytes& bytes, const std::string& path, const DecodeOptions& options,
                          int64_t head) {
  CheckWavLength(bytes, path);
  SF_INFO info;
  SndFilePtr file = OpenEncoded(bytes, path, &info);
  if (info.channels <= 0) Fail(Located(path, 0, "no audio channels"));
  if (info.channels > 1 && !options.mixdown) {
    std::string what = info.channels == 2 ? "stereo (2 channels)"
                                          : Format("%d channels", info.channels);
    Fail(Located(path, 0, what + "; expected mono: use --mixdown to average the channels"));
  }
  if (info.samplerate != options.sample_rate && !options.resample) {
    Fail(Located(path, 0, Format("sample rate %d Hz, expected %d Hz: use --resample to convert",
                                 info.samplerate, options.sample_rate)));
  }
  if (info.samplerate < kMinSampleRate || info.samplerate > kMaxSampleRate) {
    Fail(Located(path, 0, Format("sample rate %d Hz is outside the %d-%d Hz antispoof reads "
                                 "(corrupt header?)", info.samplerate, kMinSampleRate,
                                 kMaxSampleRate)));
  }
  int64_t max_frames = FramesNeeded(head, info.samplerate, options.sample_rate);
  int64_t cap_frames = -1;  // options.max_seconds at the file's rate; checked when the whole file is read
  if (head <= 0 && options.max_seconds > 0) {
    cap_frames = static_cast<int64_t>(std::floor(options.max_seconds * info.samplerate));
    const bool known_length = info.frames > 0 && info.frames < (int64_t{1} << 34);
    if (known_length && info.frames > cap_frames) {
      FailTooLong(path, ShortestDouble(static_cast<double>(info.frames) / info.samplerate) + " s",
                  options.max_seconds);
    }
    max_frames = cap_frames + 1;  // a header without a length: stop one frame past the limit
  }
  std::vector<float> data = ReadInterleaved(path, file.get(), info, bytes.size(), max_frames);
  file.reset();
  if (cap_frames >= 0 && static_cast<int64_t>(data.size() / info.channels) > cap_frames) {
    FailTooLong(path, "more than " + ShortestDouble(options.max_seconds) + " s", options.max_seconds);
  }
  return Finish(std::move(data), info, path, options, head);
}

// The messages for what is not an audio file at all (InputFile refuses FIFOs, devices and sockets).
void CheckAudioPath(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) Fail(Located(path, 0, "no such audio file"));
  if (fs::is_directory(status)) Fail(Located(path, 0, "is a folder, not an audio file"));
}

void CheckHead(int64_t samples) {
  if (samples <= 0) Fail(Format("LoadAudioHead: the number of samples must be positive, got %lld",
                                static_cast<long long>(samples)));
}

}  // namespace

AudioInfo ProbeAudio(const std::string& path) {
  CheckAudioPath(path);
  InputFile input(path);
  EncodedBytes bytes;
  bytes.file = &input;
  SF_INFO info;
  SndFilePtr file = OpenEncoded(bytes, path, &info);
  AudioInfo out;
  out.frames = info.frames;
  out.sample_rate = info.samplerate;
  out.channels = info.channels;
  out.format = MajorName(info.format) + " " + SubName(info.format);
  return out;
}

AudioInfo ProbeAudio(std::string_view bytes, const std::string& path) {
  EncodedBytes encoded;
  encoded.memory = bytes;
  CheckWavLength(encoded, path);
  SF_INFO info;
  SndFilePtr file = OpenEncoded(encoded, path, &info);
  AudioInfo out;
  out.frames = info.frames > 0 && info.frames < (int64_t{1} << 40) ? info.frames : 0;
  out.sample_rate = info.samplerate;
  out.channels = info.channels;
  out.format = MajorName(info.format) + " " + SubName(info.format);
  return out;
}

std::vector<float> DecodeAudio(std::string_view bytes, const std::string& path,
                               const DecodeOptions& options) {
  EncodedBytes encoded;
  encoded.memory = bytes;
  return Decode(encoded, path, options, 0);
}

std::vector<float> DecodeAudioHead(std::string_view bytes, const std::string& path, int64_t samples,
                                   const DecodeOptions& options) {
  CheckHead(samples);
  EncodedBytes encoded;
  encoded.memory = bytes;
  return Decode(encoded, path, options, samples);
}

std::vector<float> LoadAudio(const std::string& path, const DecodeOptions& options) {
  CheckAudioPath(path);
  InputFile input(path);
  EncodedBytes bytes;
  bytes.file = &input;
  return Decode(bytes, path, options, 0);
}

std::vector<float> LoadAudioHead(const std::string& path, int64_t samples, const DecodeOptions& options) {
  CheckHead(samples);
  CheckAudioPath(path);
  InputFile input(path);
  EncodedBytes bytes;
  bytes.file = &input;
  return Decode(bytes, path, options, samples);
}

void FitLength(const float* samples, int64_t n, int64_t nb_samp, float* out) {
  if (nb_samp <= 0) Fail(Format("FitLength: nb_samp must be positive, got %lld",
                                static_cast<long long>(nb_samp)));
  if (n <= 0) Fail("FitLength: cannot fit an empty clip (0 samples)");
  int64_t done = 0;
  while (done < nb_samp) {
    int64_t take = std::min(n, nb_samp - done);
    std::memcpy(out + done, samples, static_cast<size_t>(take) * sizeof(float));
    done += take;
  }
}

std::vector<float> FitLength(const std::vector<float>& samples, int64_t nb_samp) {
  if (nb_samp <= 0) Fail(Format("FitLength: nb_samp must be positive, got %lld",
                                static_cast<long long>(nb_samp)));
  std::vector<float> out(static_cast<size_t>(nb_samp));
  FitLength(samples.data(), static_cast<int64_t>(samples.size()), nb_samp, out.data());
  return out;
}

std::vector<float> Resample(const std::vector<float>& samples, double from_rate, double to_rate) {
  if (!(from_rate > 0) || !(to_rate > 0)) {
    Fail(Format("Resample: rates must be positive (from %g Hz to %g Hz)", from_rate, to_rate));
  }
  if (samples.empty()) return {};
  if (from_rate == to_rate) return samples;
  const double out_len = std::round(static_cast<double>(samples.size()) * to_rate / from_rate);
  std::vector<float> out(static_cast<size_t>(out_len));
  if (out.empty()) return out;
  size_t done = 0;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, samples.data(), samples.size(), nullptr,
                                  out.data(), out.size(), &done, &io, &quality, nullptr);
  if (err) Fail(Format("resampling from %g Hz to %g Hz failed: %s", from_rate, to_rate, err));
  out.resize(done);
  return out;
}

void WriteAudio(const std::string& path, const std::vector<float>& samples, int sample_rate,
                bool clip) {
  std::string ext = ToLower(fs::path(path).extension().string());
  int format;
  if (ext == ".flac") {
    format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  } else if (ext == ".wav") {
    format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  } else if (ext == ".ogg") {
    format = SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  } else {
    Fail(Located(path, 0, "unknown audio extension '" + ext + "': use .flac, .wav or .ogg"));
  }
  if (sample_rate <= 0) Fail(Located(path, 0, Format("invalid sample rate %d Hz", sample_rate)));
  std::vector<float> values = samples;
  for (size_t i = 0; i < values.size(); ++i) {
    float x = values[i];
    if (std::isnan(x)) Fail(Located(path, 0, Format("cannot write sample %zu: NaN", i)));
    if (x < -1.0f || x > 1.0f) {
      if (!clip) {
        Fail(Located(path, 0, Format("sample %zu = %g is outside [-1, 1] (use clipping to clamp)",
                                     i, static_cast<double>(x))));
      }
      values[i] = std::clamp(x, -1.0f, 1.0f);
    }
  }
  MemoryFile memory;
  SF_VIRTUAL_IO vio = VirtualIo<MemoryFile>(MemWrite);
  SF_INFO info;
  std::memset(&info, 0, sizeof(info));
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = format;
  SndFilePtr file(sf_open_virtual(&vio, SFM_WRITE, &info, &memory));
  if (!file) Fail(Located(path, 0, std::string("cannot encode audio: ") + sf_strerror(nullptr)));
  sf_count_t written;
  if ((format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16) {
    std::vector<short> pcm(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      double v = std::nearbyint(static_cast<double>(values[i]) * 32768.0);
      pcm[i] = static_cast<short>(std::clamp(v, -32768.0, 32767.0));
    }
    written = sf_writef_short(file.get(), pcm.data(), pcm.size());
  } else {
    written = sf_writef_float(file.get(), values.data(), values.size());
  }
  if (written != static_cast<sf_count_t>(values.size())) {
    Fail(Located(path, 0, std::string("encoding failed: ") + sf_strerror(file.get())));
  }
  if (sf_close(file.release()) != 0) Fail(Located(path, 0, "encoding failed while finishing"));
  WriteFileAtomic(path, memory.bytes);
}

}  // namespace antispoof::audio
