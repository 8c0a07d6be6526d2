#include "arch/formats/codec.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sim/core/error.hpp"

namespace einsim {
namespace {

// The layout of a binary floating-point format with E exponent and M fraction bits.
struct FloatLayout {
  int bits;
  int exponent_bits;
  int mantissa_bits;
  int bias;
  bool ieee_specials;  // all-ones exponent holds inf/NaN (IEEE, e5m2); false: OCP e4m3 (NaN only at S.1111.111)

  int emin() const { return 1 - bias; }
  uint32_t exponent_all_ones() const { return (1u << exponent_bits) - 1; }
  // Largest finite magnitude code (sign bit clear).
  uint32_t max_code() const {
    if (ieee_specials) return (exponent_all_ones() << mantissa_bits) - 1;
    return (1u << (bits - 1)) - 2;  // S.1111.110
  }
  uint32_t inf_code() const { return exponent_all_ones() << mantissa_bits; }
  uint32_t nan_code() const {
    if (ieee_specials) return inf_code() | (1u << (mantissa_bits - 1));
    return (1u << (bits - 1)) - 1;  // S.1111.111
  }
  int emax() const {
    // Exponent of the largest finite value.
    const int top_field =
        ieee_specials ? static_cast<int>(exponent_all_ones()) - 1 : static_cast<int>(exponent_all_ones());
    return top_field - bias;
  }
};

FloatLayout float_layout(NumberFormat f) {
  const FormatInfo& info = format_info(f);
  return FloatLayout{info.bits, info.exponent_bits, info.mantissa_bits, info.exponent_bias,
                     f != NumberFormat::fp8_e4m3};
}

[[noreturn]] void refuse_fp64(const char* what) {
  throw Error(std::string(what) + ": fp64 has no 32-bit code; use quantize(fp64, x), which returns x");
}

uint32_t encode_float(const FloatLayout& L, double x, Rounding rounding, Overflow overflow,
                      StochasticRounder* rounder) {
  if (overflow == Overflow::wrap) throw Error("encode: overflow mode 'wrap' applies to integer formats only");
  if (std::isnan(x)) return L.nan_code();
  const uint32_t sign = std::signbit(x) ? (1u << (L.bits - 1)) : 0u;
  const double a = std::fabs(x);

  auto overflowed = [&](bool input_is_inf) -> uint32_t {
    const bool to_max = overflow == Overflow::saturate || (!input_is_inf && rounding == Rounding::toward_zero);
    if (to_max) return sign | L.max_code();
    return L.ieee_specials ? (sign | L.inf_code()) : (sign | L.nan_code());
  };
  if (std::isinf(a)) return overflowed(true);
  if (a == 0.0) return sign;

  // a = sig * 2^e2 exactly; `lead` is the exponent of its leading bit.
  const uint64_t bits = std::bit_cast<uint64_t>(a);
  const uint64_t exp_field = bits >> 52;
  uint64_t sig = bits & ((uint64_t{1} << 52) - 1);
  int e2 = 0;
  int lead = 0;
  if (exp_field == 0) {
    e2 = -1074;
    lead = e2 + 63 - std::countl_zero(sig);
  } else {
    sig |= uint64_t{1} << 52;
    e2 = static_cast<int>(exp_field) - 1075;
    lead = static_cast<int>(exp_field) - 1023;
  }
  if (lead > L.emax() + 1) return overflowed(false);

  // The quantum (unit in the last place) of the target at this magnitude is 2^q.
  const int scale_exp = std::max(lead, L.emin());
  const int q = scale_exp - L.mantissa_bits;
  const int shift = q - e2;
  uint64_t n = 0;  // the value in units of 2^q, rounded
  if (shift <= 0) {
    n = sig << (-shift);
  } else {
    bool up = false;
    if (shift > 54) {
      // Everything is below half a quantum: nearest and truncation give 0.
      if (rounding == Rounding::stochastic) {
        if (!rounder) throw Error("encode: stochastic rounding needs a StochasticRounder");
        up = rounder->uniform() < std::ldexp(static_cast<double>(sig), -shift);
      }
    } else {
      n = sig >> shift;
      const uint64_t rem = sig & ((uint64_t{1} << shift) - 1);
      const uint64_t half = uint64_t{1} << (shift - 1);
      switch (rounding) {
        case Rounding::nearest_even:
          up = rem > half || (rem == half && (n & 1));
          break;
        case Rounding::toward_zero:
          up = false;
          break;
        case Rounding::stochastic:
          if (!rounder) throw Error("encode: stochastic rounding needs a StochasticRounder");
          up = rem != 0 && rounder->uniform() < std::ldexp(static_cast<double>(rem), -shift);
          break;
      }
    }
    n += up ? 1 : 0;
  }
  // For normals n is in [2^M, 2^(M+1)] and the code is ((lead + bias - 1) << M) + n; a carry
  // out of the fraction lands in the exponent field by itself. Subnormals: exponent field 0.
  const uint64_t code = (static_cast<uint64_t>(scale_exp + L.bias - 1) << L.mantissa_bits) + n;
  if (code > L.max_code()) return overflowed(false);
  return sign | static_cast<uint32_t>(code);
}

double decode_float(const FloatLayout& L, uint32_t code) {
  code &= (L.bits == 32) ? 0xFFFFFFFFu : ((1u << L.bits) - 1);
  const bool negative = (code >> (L.bits - 1)) & 1u;
  const uint32_t mag = code & ((1u << (L.bits - 1)) - 1);
  const uint32_t e = mag >> L.mantissa_bits;
  const uint32_t m = mag & ((1u << L.mantissa_bits) - 1);
  double v = 0.0;
  if (L.ieee_specials && e == L.exponent_all_ones()) {
    v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (!L.ieee_specials && mag == L.nan_code()) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (e == 0) {
    v = std::ldexp(static_cast<double>(m), L.emin() - L.mantissa_bits);
  } else {
    v = std::ldexp(static_cast<double>(m + (1u << L.mantissa_bits)), static_cast<int>(e) - L.bias - L.mantissa_bits);
  }
  return negative ? -v : v;
}

struct IntRange {
  double lo;
  double hi;
  int bits;
};

IntRange int_range_of(const FormatInfo& info) {
  // Integer formats have at most 32 bits: the bounds are exact as int64 and as double.
  if (info.is_signed) {
    const int64_t half = int64_t{1} << (info.bits - 1);
    return {static_cast<double>(-half), static_cast<double>(half - 1), info.bits};
  }
  return {0.0, static_cast<double>((int64_t{1} << info.bits) - 1), info.bits};
}

IntRange int_range(NumberFormat f) { return int_range_of(format_info(f)); }

uint32_t encode_int(NumberFormat f, double x, Rounding rounding, Overflow overflow, StochasticRounder* rounder) {
  const IntRange R = int_range(f);
  if (std::isnan(x)) throw Error(std::string("encode: NaN has no ") + std::string(format_name(f)) + " code");
  const double modulus = std::ldexp(1.0, R.bits);
  auto to_code = [&](double r) {
    double m = std::fmod(r, modulus);  // exact
    if (m < 0) m += modulus;
    return static_cast<uint32_t>(m);
  };
  if (std::isinf(x)) {
    if (overflow == Overflow::wrap)
      throw Error(std::string("encode: infinity cannot wrap into ") + std::string(format_name(f)));
    return to_code(x > 0 ? R.hi : R.lo);
  }
  const double fl = std::floor(x);
  const double frac = x - fl;  // exact
  double r = fl;
  switch (rounding) {
    case Rounding::nearest_even:
      if (frac > 0.5 || (frac == 0.5 && std::fmod(fl, 2.0) != 0.0)) r = fl + 1;
      break;
    case Rounding::toward_zero:
      r = std::trunc(x);
      break;
    case Rounding::stochastic:
      if (!rounder) throw Error("encode: stochastic rounding needs a StochasticRounder");
      if (frac > 0 && rounder->uniform() < frac) r = fl + 1;
      break;
  }
  if ((r < R.lo || r > R.hi) && overflow != Overflow::wrap) r = r < R.lo ? R.lo : R.hi;
  return to_code(r);
}

double decode_int(NumberFormat f, uint32_t code) {
  const FormatInfo& info = format_info(f);
  const uint64_t v = code & code_mask(f);
  if (info.is_signed && ((v >> (info.bits - 1)) & 1u))
    return static_cast<double>(static_cast<int64_t>(v) - (int64_t{1} << info.bits));
  return static_cast<double>(v);
}

}  // namespace

uint32_t code_mask(NumberFormat f) {
  const int b = format_bits(f);
  return b >= 32 ? 0xFFFFFFFFu : ((1u << b) - 1);
}

uint32_t encode(NumberFormat f, double x, Rounding rounding, Overflow overflow, StochasticRounder* rounder) {
  if (f == NumberFormat::fp64) refuse_fp64("encode");
  if (format_info(f).is_float) return encode_float(float_layout(f), x, rounding, overflow, rounder);
  return encode_int(f, x, rounding, overflow, rounder);
}

double decode(NumberFormat f, uint32_t code) {
  if (f == NumberFormat::fp64) refuse_fp64("decode");
  if (format_info(f).is_float) return decode_float(float_layout(f), code);
  return decode_int(f, code);
}

FormatQuantizer::FormatQuantizer(NumberFormat f, Overflow overflow) : format_(f), overflow_(overflow) {
  const FormatInfo& info = format_info(f);
  if (info.is_float && overflow == Overflow::wrap)
    throw Error("FormatQuantizer: overflow mode 'wrap' applies to integer formats only");
  if (f == NumberFormat::fp64) return;  // Kind::identity
  if (!info.is_float) {
    kind_ = Kind::integer;
    const IntRange R = int_range_of(info);
    lo_ = R.lo;
    hi_ = R.hi;
    return;
  }
  // A leading bit 2^lead with emin <= lead < emax: the value is a normal of the format once its
  // fraction is cut to mantissa_bits, and rounding up gives at most 2^emax, still finite.
  kind_ = Kind::floating;
  const FloatLayout L = float_layout(f);
  exp_lo_ = static_cast<uint64_t>(L.emin() + 1023);
  exp_count_ = static_cast<uint64_t>(L.emax() - L.emin());
  low_mask_ = (uint64_t{1} << (52 - L.mantissa_bits)) - 1;
}

namespace {

// One quantizer per format for quantize's own fast path (their plain cases do not depend on
// the overflow mode).
const FormatQuantizer& plain_quantizer(NumberFormat f) {
  static const std::vector<FormatQuantizer> table = [] {
    std::vector<FormatQuantizer> t;
    for (size_t i = 0; i < all_formats().size(); ++i) {
      const NumberFormat g = all_formats()[i];
      if (static_cast<size_t>(g) != i) throw InternalError("codec: all_formats() is not in enum order");
      t.emplace_back(g);
    }
    return t;
  }();
  const auto i = static_cast<size_t>(f);
  if (i >= table.size()) throw InternalError("codec: unknown NumberFormat");
  return table[i];
}

}  // namespace

double quantize(NumberFormat f, double x, Rounding rounding, Overflow overflow, StochasticRounder* rounder) {
  if (f == NumberFormat::fp64) return x;
  // A value of the format rounds to itself in every mode (a stochastic rounder keeps its draws).
  // Other plain cases (floats only: an integer's are its values) are done here for nearest even;
  // wrap on a float is left to the codec, which refuses it.
  if (rounder == nullptr) {
    double q = 0.0;
    if (plain_quantizer(f).round_quickly(x, q) &&
        (q == x || (rounding == Rounding::nearest_even && overflow != Overflow::wrap)))
      return q;
  }
  return decode(f, encode(f, x, rounding, overflow, rounder));
}

bool has_infinity(NumberFormat f) {
  const FormatInfo& info = format_info(f);
  return info.is_float && f != NumberFormat::fp8_e4m3;
}

bool is_nan_code(NumberFormat f, uint32_t code) {
  if (!format_info(f).is_float || f == NumberFormat::fp64) return false;
  const FloatLayout L = float_layout(f);
  const uint32_t mag = code & ((1u << (L.bits - 1)) - 1);
  if (L.ieee_specials)
    return (mag >> L.mantissa_bits) == L.exponent_all_ones() && (mag & ((1u << L.mantissa_bits) - 1)) != 0;
  return mag == L.nan_code();
}

double max_finite(NumberFormat f) {
  if (f == NumberFormat::fp64) return std::numeric_limits<double>::max();
  if (format_info(f).is_float) {
    const FloatLayout L = float_layout(f);
    return decode_float(L, L.max_code());
  }
  return int_range(f).hi;
}

double lowest_finite(NumberFormat f) {
  if (format_info(f).is_float) return -max_finite(f);
  return int_range(f).lo;
}

double min_normal(NumberFormat f) {
  if (f == NumberFormat::fp64) return std::numeric_limits<double>::min();
  if (!format_info(f).is_float) return 1.0;
  return std::ldexp(1.0, float_layout(f).emin());
}

double min_subnormal(NumberFormat f) {
  if (f == NumberFormat::fp64) return std::numeric_limits<double>::denorm_min();
  if (!format_info(f).is_float) return 1.0;
  const FloatLayout L = float_layout(f);
  return std::ldexp(1.0, L.emin() - L.mantissa_bits);
}

}  // namespace einsim
