// Audio decoding (libsndfile), writing, resampling (libsoxr) and the reference length rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "antispoof/common/error.h"

namespace antispoof::audio {

// The Error for a recording longer than DecodeOptions::max_seconds (a service answers it with 413).
class AudioTooLong : public Error {
 public:
  using Error::Error;
};

struct DecodeOptions {
  bool mixdown = false;     // average all channels instead of rejecting multi-channel files
  bool resample = false;    // convert other sample rates to `sample_rate` instead of rejecting them
  int sample_rate = 16000;  // Hz, the rate every file must have (or is resampled to)
  // The longest recording LoadAudio/DecodeAudio read whole, in seconds (0: no limit). A longer one is
  // an Error naming the file and the limit (score's --max-audio-seconds), from its header before
  // anything is decoded, or for a header without a length as soon as decoding passes the limit.
  // LoadAudioHead reads a bounded prefix and ignores it.
  double max_seconds = 0;
};

struct AudioInfo {
  int64_t frames = 0;  // samples per channel, as the header states
  int sample_rate = 0;
  int channels = 0;
  std::string format;  // e.g. "FLAC 16-bit"
};

// Header information only (no decoding); Error naming the file when it cannot be opened.
AudioInfo ProbeAudio(const std::string& path);
// The header of a file held in memory (`path` names it in messages): the same errors as DecodeAudio
// for bytes that are empty, not audio or a truncated WAV. frames is 0 when the header does not state it.
AudioInfo ProbeAudio(std::string_view bytes, const std::string& path);

// Mono float samples at options.sample_rate. 16-bit PCM is returned as int16/32768 exactly
// (bit-exact with the reference's soundfile reading); other integer widths are scaled by
// 1/2^(bits-1); float files are returned unscaled.
// Error ("PATH: reason") for: a missing file, a folder, a file libsndfile cannot parse (text,
// corrupt), zero samples, a truncated file (fewer samples than the header states), a NaN or
// infinite sample, more than one channel unless mixdown, another sample rate unless resample.
// A file's sample rate must also lie in [kMinSampleRate, kMaxSampleRate] (a corrupt header
// could otherwise ask the resampler for an unbounded output). Only a regular file is opened (a FIFO,
// /dev/zero or a socket is an Error, refused before opening); the file is decoded in place, never
// held whole; memory that cannot be had is an Error naming the file and the bytes asked for.
std::vector<float> LoadAudio(const std::string& path, const DecodeOptions& options = {});

// The first `samples` samples of the file at options.sample_rate (fewer when it is shorter), decoding
// no more of it than they need: memory and time do not depend on the file's length (a FLAC of hours
// of silence costs what a short one does). Without resampling they equal the first `samples` of
// LoadAudio's exactly; with it, the file is decoded one second beyond what the ratio needs so that
// the resampler's end does not reach the samples kept. The checks (truncation, finite samples) hold
// for what is read: a file cut or holding a NaN after what is read is not an error. Error when
// samples <= 0.
std::vector<float> LoadAudioHead(const std::string& path, int64_t samples, const DecodeOptions& options = {});

// LoadAudio's and LoadAudioHead's decoder on the bytes of a file held in memory; `path` names it in
// messages.
std::vector<float> DecodeAudio(std::string_view bytes, const std::string& path,
                               const DecodeOptions& options = {});
std::vector<float> DecodeAudioHead(std::string_view bytes, const std::string& path, int64_t samples,
                                   const DecodeOptions& options = {});

inline constexpr int kMinSampleRate = 1000;
inline constexpr int kMaxSampleRate = 768000;

// Reference length rule (parity with the RawNet2 baseline's pad()): the first nb_samp samples;
// a shorter clip is tiled (repeated whole) and cut to nb_samp. `out` holds nb_samp floats.
// Error when n <= 0 or nb_samp <= 0.
void FitLength(const float* samples, int64_t n, int64_t nb_samp, float* out);
std::vector<float> FitLength(const std::vector<float>& samples, int64_t nb_samp);

// High-quality (SOXR_HQ) resampling; the output has round(n * to_rate / from_rate) samples.
std::vector<float> Resample(const std::vector<float>& samples, double from_rate, double to_rate);

// Mono file whose format follows the extension: .flac and .wav as 16-bit PCM (x -> round(x *
// 32768) clamped to [-32768, 32767], so k/32768 reads back exactly), .ogg as Vorbis. Written
// atomically. Error if a sample is outside [-1, 1] (or not finite) unless clip=true, which clamps
// finite samples; NaN is always an error.
void WriteAudio(const std::string& path, const std::vector<float>& samples, int sample_rate,
                bool clip = false);

}  // namespace antispoof::audio
