// Codec round trips through libavcodec, in-process: the waveform is resampled (libsoxr) to the
// codec's rate, encoded, decoded, resampled back, and advanced by the round trip's delay so that
// output sample t is input sample t after the codec (same length; samples the codec has not
// delivered at the end are zeros). Codecs (augment_config.h CodecNames()):
//   g711u, g711a  G.711 mu-law / A-law at 8 kHz (pcm_mulaw, pcm_alaw), 64 kbit/s
//   g722          G.722 sub-band ADPCM at 16 kHz, 64 kbit/s
//   gsm           GSM 06.10 full rate at 8 kHz (libgsm), 13 kbit/s
//   opus_8k/16k/32k  Opus (libopus) at 16 kHz, 8/16/32 kbit/s (decoded at 48 kHz)
//   mp3_16k/32k/64k  MP3 (libmp3lame, MPEG-2 layer III) at 16 kHz, 16/32/64 kbit/s
// Input is float in [-1, 1] (codecs taking integers get it clipped). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace antispoof::augment {

// Whether this libavcodec has both the encoder and the decoder of codec `name`; when not, `why`
// (if given) says what is missing. Error for a name CodecNames() does not list.
bool CodecAvailable(const std::string& name, std::string* why = nullptr);

// The codec round trip of x (at fs Hz) without any delay compensation: the decoded samples at fs,
// including the codec's delay and its padding at the end.
std::vector<float> CodecRoundTripRaw(const std::vector<float>& x, const std::string& name, double fs);

// The round trip's delay in samples at fs: the lag of the cross-correlation peak between a
// synthetic voiced signal and its raw round trip, measured once per (codec, fs) and cached.
int64_t CodecDelay(const std::string& name, double fs);

// The aligned round trip: x.size() samples, output[t] = raw[t + CodecDelay(name, fs)].
std::vector<float> CodecRoundTrip(const std::vector<float>& x, const std::string& name, double fs);

// G.711 companding by its definition (ITU-T G.711 tables' closed forms), for tests: a sample in
// [-1, 1] quantised to 8 bits and expanded back.
float MuLawRoundTrip(float x);
float ALawRoundTrip(float x);

}  // namespace antispoof::augment
