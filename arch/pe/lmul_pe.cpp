#include "arch/pe/lmul_pe.hpp"

#include <cmath>
#include <string>

#include "arch/formats/exact_ops.hpp"
#include "sim/core/error.hpp"

namespace einsim {

LMulPe::LMulPe(const PeKind& kind) : LMulPe(kind.lmul_mantissa_bits, kind.a, kind.acc) {
  if (kind.family != PeFamily::lmul) throw Error("LMulPe: '" + kind.name + "' is not an lmul kind");
}

LMulPe::LMulPe(int mantissa_bits, NumberFormat operand, NumberFormat acc)
    : m_(mantissa_bits), operand_(operand), acc_(acc) {
  if (mantissa_bits < 1 || mantissa_bits > 23) throw Error("LMulPe: mantissa bits must be in 1..23");
  if (!format_info(operand).is_float || !format_info(acc).is_float)
    throw Error("LMulPe: operand and accumulator formats must be floating point");
}

int LMulPe::offset_exponent(int mantissa_bits) {
  if (mantissa_bits <= 3) return mantissa_bits;
  if (mantissa_bits == 4) return 3;
  return 4;
}

double LMulPe::lmul(double x, double y, int mantissa_bits) {
  if (!std::isfinite(x) || !std::isfinite(y) || x == 0.0 || y == 0.0) return x * y;
  int ex = 0, ey = 0;
  const double fx = std::frexp(std::fabs(x), &ex);  // |x| = fx 2^ex, fx in [0.5, 1)
  const double fy = std::frexp(std::fabs(y), &ey);
  const double unit = std::ldexp(1.0, mantissa_bits);
  const double xm = std::floor((2 * fx - 1) * unit) / unit;  // truncated to m bits
  const double ym = std::floor((2 * fy - 1) * unit) / unit;
  const double sum = 1.0 + xm + ym + std::ldexp(1.0, -offset_exponent(mantissa_bits));
  const double magnitude = std::ldexp(sum, (ex - 1) + (ey - 1));
  return (std::signbit(x) != std::signbit(y)) ? -magnitude : magnitude;
}

double LMulPe::mac(double a, double b, double acc) {
  counts_.add(PeAction::mac);
  const double p = lmul(quantize(operand_, a), quantize(operand_, b), m_);
  return round_add(acc_, quantize(acc_, acc), p);
}

}  // namespace einsim
