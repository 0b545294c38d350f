// RawBoost (H. Tak, M. Kamble, J. Patino, M. Todisco, N. Evans, "RawBoost: A Raw Data Boosting and
// Augmentation Method applied to Automatic Speaker Verification Anti-Spoofing", ICASSP 2022): three
// families of channel-like distortions of the raw waveform and their published combinations, after
// the definitions of the authors' release (SSL_Anti-spoofing, RawBoost.py). Every function takes
// float samples in [-1, 1] at `fs` Hz and returns as many samples; every random value comes from `rng`.
#pragma once

#include <cstdint>
#include <vector>

#include "antispoof/augment/augment_config.h"
#include "antispoof/augment/random.h"

namespace antispoof::augment {

// One notch of a filter bank.
struct NotchBand {
  double centre_hz = 0, width_hz = 0;
  int taps = 0;  // odd
};

// A cascade of `n_bands` band-stop FIR filters (Hamming-windowed sinc, unit gain at 0 Hz), each with
// a centre drawn in centre_hz, a width in width_hz and an odd length from taps (an even draw gets
// one more tap), the edges clamped inside (0, fs/2). The cascade is scaled so that its largest
// magnitude on 512 frequencies of [0, fs/2) is 10^(gain_db/20), gain_db drawn in [gain_lo, gain_hi].
struct NotchBank {
  std::vector<double> b;  // the cascade's impulse response (odd length)
  std::vector<NotchBand> bands;
  double gain_db = 0;
};
NotchBank DesignNotchBank(const RawBoostParams& p, double gain_lo, double gain_hi, double fs, Rng& rng);

// |H(f)| of an FIR filter at f Hz.
double FirMagnitude(const std::vector<double>& b, double f_hz, double fs);

// Filters x by b and advances the result by the filter's group delay (len(b) - 1) / 2, so the output
// is aligned with x and as long (samples beyond x's ends are zeros). The reference advances by one
// sample more ((len(b) + 1) / 2); aligned is what the definition means.
std::vector<double> FilterAligned(const std::vector<double>& x, const std::vector<double>& b);

// (1) Linear and non-linear convolutive noise: sum over j = 1..n_f of notch_bank_j(x^j), where the
// first bank's gain is drawn in gain_db and the others' in gain_db - nonlinear_bias_db; then the mean
// is removed and the result scaled to peak 1 if it exceeds 1.
std::vector<float> LnlConvolutiveNoise(const std::vector<float>& x, const RawBoostParams& p, double fs, Rng& rng);

// (2) Impulsive signal-dependent additive noise: beta drawn in [0, isd_percent] %, floor(N beta / 100)
// distinct samples drawn, each becomes x + isd_gain * x * (2u - 1)(2v - 1) (u, v uniform in [0, 1));
// then scaled to peak 1 if it exceeds 1.
std::vector<float> IsdAdditiveNoise(const std::vector<float>& x, const RawBoostParams& p, Rng& rng);

// (3) Stationary signal-independent additive noise: white Gaussian noise through a notch bank
// (gain_db), scaled so that 10 log10(|x|^2 / |noise|^2) is an SNR drawn in ssi_snr_db, added to x.
std::vector<float> SsiAdditiveNoise(const std::vector<float>& x, const RawBoostParams& p, double fs, Rng& rng);

// The published algorithm p.algo (1-8, see RawBoostParams) on x: the families in series, in the
// order 1, 2, 3, drawing from `rng` in that order; 8 sums (1) and (2) of the same x and scales the
// sum to peak 1 if it exceeds 1.
std::vector<float> ApplyRawBoost(const std::vector<float>& x, const RawBoostParams& p, double fs, Rng& rng);

}  // namespace antispoof::augment
