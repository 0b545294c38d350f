// Seed mixing shared by everything that derives a stream of randomness from the run's seed.
#pragma once

#include <cstdint>

namespace antispoof {

// SplitMix64's finaliser: a bijective mix of 64 bits (nearby inputs give unrelated outputs).
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace antispoof
