// The plain augmentations: gain, speed change by resampling, and generated additive noise at a
// chosen SNR. Samples are float at the model's rate; nothing is clipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "antispoof/augment/random.h"

namespace antispoof::augment {

// x * 10^(db / 20).
void ApplyGain(std::vector<float>& x, double db);

// x played `factor` times faster (sox's `speed`): resampled (libsoxr, high quality) as if recorded at
// fs * factor, so duration is divided and every frequency multiplied by `factor`; returns
// round(x.size() / factor) samples. factor > 0.
std::vector<float> ChangeSpeed(const std::vector<float>& x, double factor, double fs);

// n samples of zero-mean noise of colour white (flat spectrum), pink (power ~ 1/f, Kellet's filter of
// white noise) or brown (power ~ 1/f^2, leaky integral of white noise), unit RMS.
std::vector<float> MakeNoise(int64_t n, const std::string& colour, Rng& rng);

// Adds `noise` (same length) scaled so that 10 log10(sum x^2 / sum scaled_noise^2) = snr_db exactly.
// A silent x (or silent noise) is left unchanged.
void AddNoiseAtSnr(std::vector<float>& x, const std::vector<float>& noise, double snr_db);

}  // namespace antispoof::augment
