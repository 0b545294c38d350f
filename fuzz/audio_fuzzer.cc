// libFuzzer target: antispoof's audio decoding wrapper around libsndfile (audio::DecodeAudio:
// validation, non-finite check, mixdown, resampling) and the reference length rule (FitLength).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "antispoof/audio/audio.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace audio = antispoof::audio;
  if (size < 2) return 0;
  // The first byte sets the decoding flags and the length to fit to; the rest is the file.
  audio::DecodeOptions options;
  options.mixdown = data[0] & 1;
  options.resample = data[0] & 2;
  options.sample_rate = (data[0] & 4) ? 8000 : 16000;
  const int64_t nb_samp = (data[0] & 8) ? 3 : 4000;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  antispoof::fuzz::ExpectOnlyErrors([&] {
    std::vector<float> samples = audio::DecodeAudio(bytes, antispoof::fuzz::kName, options);
    if (samples.empty()) __builtin_trap();
    for (float x : samples)
      if (!std::isfinite(x)) __builtin_trap();
    std::vector<float> fitted = audio::FitLength(samples, nb_samp);
    if (static_cast<int64_t>(fitted.size()) != nb_samp) __builtin_trap();
  });
  return 0;
}
