#include "arch/formats/exact_ops.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace einsim {

double round_to_odd(double s, double err) {
  if (err == 0.0 || !std::isfinite(s)) return s;
  if ((std::bit_cast<uint64_t>(s) & 1u) == 0)
    s = std::nextafter(s, err > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity());
  return s;
}

namespace {

using detail::two_sum;

double finish(NumberFormat f, double s, double err, Overflow overflow) {
  if (f == NumberFormat::fp64) return s;
  if (!std::isfinite(s) || !std::isfinite(err)) return quantize(f, s, Rounding::nearest_even, overflow);
  return quantize(f, round_to_odd(s, err), Rounding::nearest_even, overflow);
}

}  // namespace

double round_add(NumberFormat f, double a, double b, Overflow overflow) {
  double s = 0, err = 0;
  two_sum(a, b, s, err);
  return finish(f, s, err, overflow);
}

double round_mul(NumberFormat f, double a, double b, Overflow overflow) {
  const double p = a * b;
  const double err = std::isfinite(p) ? std::fma(a, b, -p) : 0.0;
  return finish(f, p, err, overflow);
}

double round_div(NumberFormat f, double a, double b, Overflow overflow) {
  const double q = a / b;
  double err = 0.0;
  if (std::isfinite(q) && q != 0.0 && std::isfinite(b) && b != 0.0) {
    const double r = std::fma(-q, b, a);                         // a - q b, exact
    err = (r == 0.0) ? 0.0 : ((r > 0) == (b > 0) ? 1.0 : -1.0);  // only its sign matters
  }
  return finish(f, q, err, overflow);
}

double round_fma(NumberFormat f, double a, double b, double c, Overflow overflow) {
  const double p = a * b;
  if (!std::isfinite(p)) return finish(f, p + c, 0.0, overflow);
  const double pe = std::fma(a, b, -p);
  double s = 0, err = 0;
  two_sum(p, c, s, err);
  return finish(f, s, err + pe, overflow);
}

double max_of(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a < b ? b : a;
}

}  // namespace einsim
