// The augmentations' random numbers: std::mt19937_64 with hand-written draws (no
// implementation-defined std:: distributions), so a seed gives the same values with every
// standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

#include "antispoof/common/hash.h"

namespace antispoof::augment {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(SplitMix64(seed)) {}
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform between a and b (either order), like numpy.random.uniform(a, b).
  double Uniform(double a, double b) { return a + (b - a) * Uniform(); }
  // Uniform integer in [0, bound), bound >= 1 (unbiased: Lemire's rejection threshold).
  uint64_t Below(uint64_t bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (true) {
      const uint64_t r = engine_();
      if (r >= threshold) return r % bound;
    }
  }
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = Uniform();
    while (u1 <= 0) u1 = Uniform();
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2 * M_PI * u2);
  }
  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace antispoof::augment
