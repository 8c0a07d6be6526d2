#pragma once
// Bit-accurate encode, decode and rounding of the number formats named in
// sim/core/number_format.hpp. Everything is computed from the float64 bit
// pattern of the input, so a value is rounded exactly once (no double rounding).

#include <cstdint>
#include <random>

#include "sim/core/number_format.hpp"

namespace einsim {

enum class Rounding {
  nearest_even,  // IEEE round to nearest, ties to even (the default)
  toward_zero,   // truncation
  stochastic,    // round up with probability equal to the discarded fraction (needs a StochasticRounder)
};

enum class Overflow {
  ieee,      // the format's own rule: fp32/fp16/bf16/fp8_e5m2 -> infinity, fp8_e4m3 -> NaN,
             // integers -> saturate; toward_zero rounding gives the largest finite value (IEEE 754)
  saturate,  // clamp to the largest finite magnitude (integers: to [min, max])
  wrap,      // integers only: modulo 2^bits (two's complement); refused for floats
};

// Source of the uniform numbers used by stochastic rounding: a seeded mt19937_64, so a
// given seed always gives the same roundings on every platform.
class StochasticRounder {
 public:
  explicit StochasticRounder(uint64_t seed) : rng_(seed) {}
  // A uniform double in [0, 1) built from the top 53 bits of one 64-bit draw.
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 rng_;
};

// Encodes x into the format's code (the bit pattern in the low format_bits(f) bits).
// Contract:
//  - fp64 has no 32-bit code: encode throws einsim::Error (quantize(fp64, x) returns x).
//  - NaN encodes to the format's canonical NaN (floats) and throws einsim::Error for integers.
//  - Rounding::stochastic needs `rounder`; without one encode throws einsim::Error.
//  - Overflow::wrap on a float format throws einsim::Error.
uint32_t encode(NumberFormat f, double x, Rounding rounding = Rounding::nearest_even,
                Overflow overflow = Overflow::ieee, StochasticRounder* rounder = nullptr);

// The exact value of a code (bits above format_bits(f) are ignored). NaN codes give a quiet NaN.
double decode(NumberFormat f, uint32_t code);

// decode(encode(x)); fp64 returns x unchanged.
double quantize(NumberFormat f, double x, Rounding rounding = Rounding::nearest_even,
                Overflow overflow = Overflow::ieee, StochasticRounder* rounder = nullptr);

// Properties derived from the layout.
bool has_infinity(NumberFormat f);     // fp32, fp16, bf16, fp8_e5m2 (and fp64)
bool is_nan_code(NumberFormat f, uint32_t code);
double max_finite(NumberFormat f);      // e.g. 448 for fp8_e4m3, 127 for int8
double lowest_finite(NumberFormat f);   // -max_finite for floats, -128 for int8, 0 for uint4
double min_normal(NumberFormat f);      // smallest positive normal (floats); 1 for integers
double min_subnormal(NumberFormat f);   // smallest positive value (floats); 1 for integers
uint32_t code_mask(NumberFormat f);     // 2^bits - 1

}  // namespace einsim
