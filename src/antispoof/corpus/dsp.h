// Signal processing primitives for the corpus generator: FFT and STFT, filters, LPC, speech
// bounds, time stretching, limiting and pitch tracking. All mono float at a given sample rate.
#pragma once

#include <complex>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace antispoof::corpus {

using Signal = std::vector<float>;
using Rng = std::mt19937_64;

inline constexpr double kPi = 3.14159265358979323846;

// Periodic Hann window of n samples.
std::vector<double> Hann(int n);

// In-place radix-2 FFT; size must be a power of two. inverse=true includes the 1/n scale.
void Fft(std::vector<std::complex<double>>& a, bool inverse);
int NextPow2(int n);

// Hann-windowed STFT (frames centred, reflect-free zero padding); frames x (n_fft/2+1) bins.
struct Stft {
  int n_fft = 512, hop = 128;
  int64_t length = 0;  // samples of the analysed signal
  std::vector<std::vector<std::complex<double>>> frames;
};
Stft Analyse(const Signal& x, int n_fft, int hop);
// Weighted overlap-add inverse; returns `stft.length` samples.
Signal Synthesise(const Stft& stft);

// Zero-phase linear filter with gain(f_hz) applied to the whole signal in the frequency domain.
template <typename GainFn>
Signal FilterGain(const Signal& x, int sample_rate, GainFn gain);
// Smooth low-pass (cosine roll-off from cutoff-width to cutoff) and high-pass.
Signal BandLimit(const Signal& x, int sample_rate, double low_hz, double high_hz);

// Long-term average power spectrum in `bands` equal-width bands up to Nyquist (frames above the
// activity threshold only).
std::vector<double> LongTermSpectrum(const Signal& x, int bands);
// Filters x so that its long-term spectrum matches `target` (gains smoothed, clamped to ±max_db).
Signal MatchSpectrum(const Signal& x, const std::vector<double>& target, double max_db);

// Frame activity: 10 ms frames whose energy is within `range_db` of the loudest frame.
std::vector<bool> ActiveFrames(const Signal& x, int sample_rate, double range_db);
// Kept segments [begin, end) in samples: from the first to the last active frame (plus pad),
// with inner pauses longer than max_pause shortened to a random length in [min_keep, max_keep].
std::vector<std::pair<int64_t, int64_t>> SpeechCuts(const Signal& x, int sample_rate, Rng& rng);
// Concatenates the segments with 3 ms fades at each join.
Signal ApplyCuts(const Signal& x, const std::vector<std::pair<int64_t, int64_t>>& cuts);

// WSOLA time stretch to exactly `out_len` samples (pitch unchanged).
Signal StretchTo(const Signal& x, int64_t out_len, int sample_rate);

// Peak limiter with a smooth gain (2 ms look-ahead, 40 ms release): |y| <= threshold.
Signal Limit(const Signal& x, int sample_rate, double threshold);

// Active speech level (dB re full scale, RMS over active frames).
double ActiveLevelDb(const Signal& x, int sample_rate);

// Levinson-Durbin recursion on the autocorrelation r[0..order]: the predictor a (a[0] = 1);
// returns the prediction error power (0 when r is not positive definite).
double Levinson(const std::vector<double>& r, int order, std::vector<double>& a);

// Fundamental frequency per 10 ms frame (0 = unvoiced), autocorrelation based.
std::vector<double> TrackPitch(const Signal& x, int sample_rate, int hop);

}  // namespace antispoof::corpus

#include "antispoof/corpus/dsp_inl.h"
