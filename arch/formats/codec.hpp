#pragma once
// Bit-accurate encode, decode and rounding of the number formats named in
// sim/core/number_format.hpp. Everything is computed from the float64 bit
// pattern of the input, so a value is rounded exactly once (no double rounding).

#include <bit>
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

// Round to nearest even into one format, with the common cases inline: for loops that round
// every value (a PE rounds its operands and each result). q(x) == quantize(f, x,
// Rounding::nearest_even, overflow) for every x, bit for bit: values whose rounding is plain on
// their float64 bits are done here (integers already in range; floats whose leading bit lies in
// the format's normal range below its top binade, by masking the dropped fraction bits), the
// rest (NaN, infinities, subnormals, the top binade, integer overflow) goes to quantize.
class FormatQuantizer {
 public:
  // Throws einsim::Error for Overflow::wrap on a floating-point format.
  explicit FormatQuantizer(NumberFormat f, Overflow overflow = Overflow::ieee);

  double operator()(double x) const {
    double q = 0.0;
    if (round_quickly(x, q)) return q;
    return quantize(format_, x, Rounding::nearest_even, overflow_);
  }
  // The inline part: true with `out` = the rounded x when x is one of the plain cases above
  // (those do not depend on the overflow mode), false where the codec must decide.
  bool round_quickly(double x, double& out) const {
    if (kind_ == Kind::floating) {
      const uint64_t bits = std::bit_cast<uint64_t>(x);
      // Unsigned wrap-around: false for exponent fields below exp_lo_ as well as above the range.
      if (((bits >> 52) & 0x7FF) - exp_lo_ >= exp_count_) {
        if (x != 0.0) return false;  // +-0 round to themselves
        out = x;
        return true;
      }
      // Nearest even without a branch: adding just under half the kept part's last unit, plus
      // one when that last kept bit is set, carries into the kept part exactly when the
      // dropped part is over half, or half with an odd kept part (a carry lands in the exponent).
      const uint64_t odd = (bits & (low_mask_ + 1)) != 0;
      out = std::bit_cast<double>((bits + (low_mask_ >> 1) + odd) & ~low_mask_);
      return true;
    }
    if (kind_ == Kind::integer) {
      if (!(x >= lo_ && x <= hi_)) return false;  // NaN fails too
      // Within 32-bit bounds the int64 round trip is exact and tells whether x is an integer.
      if (static_cast<double>(static_cast<int64_t>(x)) != x) return false;
      out = x;
      return true;
    }
    out = x;  // Kind::identity
    return true;
  }

  NumberFormat format() const { return format_; }
  Overflow overflow() const { return overflow_; }

 private:
  enum class Kind : uint8_t { identity, integer, floating };  // identity: fp64
  NumberFormat format_;
  Overflow overflow_;
  Kind kind_ = Kind::identity;
  double lo_ = 0.0, hi_ = 0.0;  // integers: the format's range
  uint64_t exp_lo_ = 0;         // floats: float64 exponent fields [exp_lo_, exp_lo_ + exp_count_) round plainly
  uint64_t exp_count_ = 0;
  uint64_t low_mask_ = 0;  // the float64 fraction bits the format drops
};

// Properties derived from the layout.
bool has_infinity(NumberFormat f);  // fp32, fp16, bf16, fp8_e5m2 (and fp64)
bool is_nan_code(NumberFormat f, uint32_t code);
double max_finite(NumberFormat f);     // e.g. 448 for fp8_e4m3, 127 for int8
double lowest_finite(NumberFormat f);  // -max_finite for floats, -128 for int8, 0 for uint4
double min_normal(NumberFormat f);     // smallest positive normal (floats); 1 for integers
double min_subnormal(NumberFormat f);  // smallest positive value (floats); 1 for integers
uint32_t code_mask(NumberFormat f);    // 2^bits - 1

}  // namespace einsim
