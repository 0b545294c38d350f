#include "antispoof/corpus/codec2_vocoders.h"

#include <codec2/codec2.h>
#include <codec2/lpcnet_freedv.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"

// libcodec2's random numbers, per thread (see the header). They keep their contracts: rand() in
// [0, RAND_MAX] and srand() seeds it; codec2_rand() (Codec 2's phases) and nnet_rand() (LPCNet's
// excitation sampling) in [0, 32767], as libcodec2's own linear congruential generators.
namespace {
thread_local uint64_t t_rand_state = 1;
thread_local uint64_t t_codec2_rand_state = 1;
thread_local uint64_t t_nnet_rand_state = 1;

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

extern "C" int rand() noexcept { return static_cast<int>(SplitMix(t_rand_state) % (uint64_t(RAND_MAX) + 1)); }
extern "C" void srand(unsigned seed) noexcept { t_rand_state = seed; }
extern "C" int codec2_rand() { return static_cast<int>(SplitMix(t_codec2_rand_state) % 32768); }
extern "C" unsigned short nnet_rand() { return static_cast<unsigned short>(SplitMix(t_nnet_rand_state) % 32768); }

namespace antispoof::corpus {
namespace {

constexpr int kRate = 16000;
// Measured on speech (codec2_vocoders_test): LPCNet's analysis look-ahead plus its 3-frame packing,
// and Codec 2's analysis window at 8 kHz, in 16 kHz samples.
constexpr int kLpcnetDelay = 800;
constexpr int kCodec2Delay = 320;
// The coders are fed at this peak level (LPCNet saturates on near-full-scale input); the output
// is scaled back.
constexpr double kFeedPeak = 0.1;

void SeedThread(uint64_t seed) {
  t_rand_state = seed;
  t_codec2_rand_state = seed ^ 0x2545f4914f6cdd1dULL;
  t_nnet_rand_state = seed ^ 0x6a09e667f3bcc909ULL;
}

double Peak(const Signal& x) {
  double p = 0;
  for (float v : x) p = std::max<double>(p, std::fabs(v));
  return p;
}

// x scaled by `gain`, as 16-bit PCM, with `lead` zeros before and enough zeros after for whole
// frames of `frame` samples plus `tail`.
std::vector<short> ToPcm(const Signal& x, double gain, size_t frame, size_t tail) {
  size_t n = x.size() + tail;
  n = (n + frame - 1) / frame * frame;
  std::vector<short> pcm(n, 0);
  for (size_t i = 0; i < x.size(); ++i)
    pcm[i] = static_cast<short>(std::clamp(std::lround(x[i] * gain * 32768.0), -32768L, 32767L));
  return pcm;
}

// pcm[delay, delay + n) as float, divided by gain.
Signal FromPcm(const std::vector<short>& pcm, size_t delay, size_t n, double gain) {
  Signal y(n, 0.0f);
  for (size_t i = 0; i < n && delay + i < pcm.size(); ++i)
    y[i] = static_cast<float>(pcm[delay + i] / 32768.0 / gain);
  return y;
}

}  // namespace

int LpcnetDelay() { return kLpcnetDelay; }
int Codec2Delay() { return kCodec2Delay; }

Signal LpcnetCopySynthesis(const Signal& x, int vq_type, uint64_t seed) {
  if (vq_type != LPCNET_PRED && vq_type != LPCNET_DIRECT_SPLIT)
    Fail("corpus: unknown LPCNet quantiser " + std::to_string(vq_type) + " (expected 0 or 1)");
  SeedThread(seed);
  std::unique_ptr<LPCNetFreeDV, void (*)(LPCNetFreeDV*)> lf(lpcnet_freedv_create(vq_type),
                                                            lpcnet_freedv_destroy);
  if (!lf) Fail("corpus: lpcnet_freedv_create failed");
  const size_t frame = static_cast<size_t>(lpcnet_samples_per_frame(lf.get()));
  std::vector<char> bits(static_cast<size_t>(lpcnet_bits_per_frame(lf.get())) + 8);
  double peak = Peak(x);
  double gain = peak > 0 ? kFeedPeak / peak : 1.0;
  std::vector<short> in = ToPcm(x, gain, frame, kLpcnetDelay);
  std::vector<short> out(in.size(), 0);
  for (size_t i = 0; i < in.size(); i += frame) {
    lpcnet_enc(lf.get(), in.data() + i, bits.data());
    lpcnet_dec(lf.get(), bits.data(), out.data() + i);
  }
  return FromPcm(out, kLpcnetDelay, x.size(), gain);
}

Signal Codec2Vocoder(const Signal& x, int mode, double fold_gain, uint64_t seed) {
  int id = mode == 3200   ? CODEC2_MODE_3200
           : mode == 2400 ? CODEC2_MODE_2400
           : mode == 1600 ? CODEC2_MODE_1600
           : mode == 1300 ? CODEC2_MODE_1300
           : mode == 1200 ? CODEC2_MODE_1200
                          : -1;
  if (id < 0) Fail("corpus: unknown Codec 2 mode " + std::to_string(mode) + " (expected 3200, 2400, 1600, 1300 or 1200)");
  SeedThread(seed);
  std::unique_ptr<CODEC2, void (*)(CODEC2*)> c2(codec2_create(id), codec2_destroy);
  if (!c2) Fail("corpus: codec2_create failed for mode " + std::to_string(mode));
  const size_t frame = static_cast<size_t>(codec2_samples_per_frame(c2.get()));
  std::vector<unsigned char> bytes(static_cast<size_t>(codec2_bytes_per_frame(c2.get())));
  double peak = Peak(x);
  double gain = peak > 0 ? kFeedPeak / peak : 1.0;
  std::vector<float> narrow = audio::Resample(std::vector<float>(x.begin(), x.end()), kRate, 8000);
  std::vector<short> in = ToPcm(Signal(narrow.begin(), narrow.end()), gain, frame, kCodec2Delay / 2);
  std::vector<short> out(in.size(), 0);
  for (size_t i = 0; i < in.size(); i += frame) {
    codec2_encode(c2.get(), bytes.data(), in.data() + i);
    codec2_decode(c2.get(), out.data() + i, bytes.data());
  }
  Signal decoded = FromPcm(out, 0, out.size(), gain);
  std::vector<float> wide = audio::Resample(std::vector<float>(decoded.begin(), decoded.end()), 8000, kRate);
  // Spectral fold: (-1)^n x[n] mirrors 0-4 kHz onto 8-4 kHz.
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<float>(wide[i] * (1.0 + ((i & 1) ? -fold_gain : fold_gain)));
  Signal y(x.size(), 0.0f);
  for (size_t i = 0; i < y.size() && i + kCodec2Delay < wide.size(); ++i) y[i] = wide[i + kCodec2Delay];
  return y;
}

}  // namespace antispoof::corpus
