#pragma once
// Arithmetic on values of a format, rounded once to a result format: the exact result
// of a + b, a x b, a / b or a x b + c, then one round-to-nearest-even into the target.
// float64 first rounds to odd (the exact error is known from TwoSum / FMA), which makes the
// second rounding into any format of at most 51 significand bits correct.

#include <cmath>

#include "arch/formats/codec.hpp"

namespace einsim {

// a + b rounded once into f. Exact for any finite doubles.
double round_add(NumberFormat f, double a, double b, Overflow overflow = Overflow::ieee);
// a x b rounded once into f. Exact for any finite doubles whose product does not underflow.
double round_mul(NumberFormat f, double a, double b, Overflow overflow = Overflow::ieee);
// a / b rounded once into f (IEEE special cases for zero and infinite operands).
double round_div(NumberFormat f, double a, double b, Overflow overflow = Overflow::ieee);
// a x b + c rounded once into f (a fused multiply-add). Exact when a x b is exact in float64,
// which holds for operands of every format but fp64 (significands of at most 24 bits).
double round_fma(NumberFormat f, double a, double b, double c, Overflow overflow = Overflow::ieee);
// round_add and round_fma with q's inline rounding: the same results as round_add(q.format(),
// a, b, q.overflow()) and round_fma(q.format(), a, b, c, q.overflow()), for loops that do one
// such operation per step (a MAC PE). A MAC whose product is exact in float64 (operands of
// formats up to fp32) may use round_add(q, a x b, c): it equals round_fma(q, a, b, c).
inline double round_add(const FormatQuantizer& q, double a, double b);
inline double round_fma(const FormatQuantizer& q, double a, double b, double c);
// The larger of a and b (NaN if either is NaN); exact, so no rounding.
double max_of(double a, double b);

// The float64 nearest-to-odd result: s is the float64 nearest to s + err (err the exact
// remainder, |err| <= ulp(s)/2); returns s if err == 0, else the odd one of s and its
// neighbour towards err.
double round_to_odd(double s, double err);

namespace detail {

// Knuth's TwoSum: s = fl(a + b), err = (a + b) - s exactly.
inline void two_sum(double a, double b, double& s, double& err) {
  s = a + b;
  const double bb = s - a;
  err = (a - (s - bb)) + (b - bb);
}

}  // namespace detail

inline double round_add(const FormatQuantizer& q, double a, double b) {
  if (q.format() == NumberFormat::fp64) return round_add(q.format(), a, b, q.overflow());
  double s = 0, err = 0;
  detail::two_sum(a, b, s, err);
  if (!std::isfinite(s) || !std::isfinite(err)) return q(s);
  return q(err == 0.0 ? s : round_to_odd(s, err));
}

inline double round_fma(const FormatQuantizer& q, double a, double b, double c) {
  const double p = a * b;
  if (!std::isfinite(p) || q.format() == NumberFormat::fp64) return round_fma(q.format(), a, b, c, q.overflow());
  const double pe = std::fma(a, b, -p);
  double s = 0, err = 0;
  detail::two_sum(p, c, s, err);
  err += pe;
  if (!std::isfinite(s) || !std::isfinite(err)) return q(s);
  return q(err == 0.0 ? s : round_to_odd(s, err));
}

}  // namespace einsim
