#pragma once
// Seeded random doubles for tests, built from raw 64-bit draws (the same bytes on every platform).

#include <cmath>
#include <cstdint>
#include <random>

namespace einsim::test {

// Uniform in [0, 1) from the top 53 bits of one draw.
inline double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A positive double with a random 52-bit fraction and an exponent uniform in [lo, hi].
inline double random_magnitude(std::mt19937_64& rng, int lo, int hi) {
  const uint64_t span = static_cast<uint64_t>(hi - lo + 1);
  const int e = lo + static_cast<int>(rng() % span);
  return std::ldexp(1.0 + unit(rng), e);
}

}  // namespace einsim::test
