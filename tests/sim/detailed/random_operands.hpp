#pragma once
// Deterministic operands for the Detailed tests: doubles built from the raw 64-bit
// output of a seeded mt19937_64 (no std::uniform_real_distribution, so the bytes
// are the same on every platform).

#include <cstdint>
#include <random>
#include <vector>

#include "arch/formats/codec.hpp"

namespace einsim::test {

// Uniform in [-1, 1).
inline double uniform_pm1(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-52 - 1.0; }

// Integers in [-127, 127].
inline std::vector<double> random_int8(std::mt19937_64& rng, int64_t count) {
  std::vector<double> v(static_cast<size_t>(count));
  for (double& x : v) x = static_cast<double>(static_cast<int64_t>(rng() % 255) - 127);
  return v;
}

// Uniform in [-scale, scale), rounded into `f`.
inline std::vector<double> random_in_format(std::mt19937_64& rng, int64_t count, NumberFormat f,
                                            double scale = 1.0) {
  std::vector<double> v(static_cast<size_t>(count));
  for (double& x : v) x = quantize(f, scale * uniform_pm1(rng));
  return v;
}

}  // namespace einsim::test
