#include "arch/pe/mac_pe.hpp"

#include <string>

#include "arch/formats/exact_ops.hpp"
#include "sim/core/error.hpp"

namespace einsim {

MacPe::MacPe(const PeKind& kind) : MacPe(kind.a, kind.b, kind.acc) {
  if (kind.family != PeFamily::mac) throw Error("MacPe: '" + kind.name + "' is not a mac kind");
}

MacPe::MacPe(NumberFormat a, NumberFormat b, NumberFormat acc, Overflow int_overflow)
    : a_(a),
      b_(b),
      acc_(acc),
      int_overflow_(int_overflow),
      int_acc_(!format_info(acc).is_float),
      quantize_a_(a),
      quantize_b_(b),
      quantize_acc_(acc, int_acc_ ? int_overflow : Overflow::ieee),
      exact_products_(a != NumberFormat::fp64 && b != NumberFormat::fp64) {
  const bool float_ops = format_info(a).is_float && format_info(b).is_float;
  const bool int_ops = !format_info(a).is_float && !format_info(b).is_float;
  if (!(float_ops && !int_acc_) && !(int_ops && int_acc_))
    throw Error("MacPe: operands and accumulator must be all floating point or all integer");
}

double MacPe::mac(double a, double b, double acc) {
  counts_.add(PeAction::mac);
  const double qa = quantize_a_(a);
  const double qb = quantize_b_(b);
  if (int_acc_) {
    // Integer operands: the product and the sum are exact in float64 (|values| < 2^53).
    return quantize_acc_(quantize_acc_(acc) + qa * qb);
  }
  // Operands of formats up to fp32 have exact products in float64: a once-rounded add suffices.
  if (exact_products_) return round_add(quantize_acc_, qa * qb, quantize_acc_(acc));
  return round_fma(quantize_acc_, qa, qb, quantize_acc_(acc));
}

uint32_t MacPe::mac_codes(uint32_t a, uint32_t b, uint32_t acc) {
  const Overflow o = format_info(acc_).is_float ? Overflow::ieee : int_overflow_;
  return encode(acc_, mac(decode(a_, a), decode(b_, b), decode(acc_, acc)), Rounding::nearest_even, o);
}

double MacPe::dot(std::span<const double> a, std::span<const double> b, double acc) {
  if (a.size() != b.size()) throw Error("MacPe::dot: operand lengths differ");
  for (size_t k = 0; k < a.size(); ++k) acc = mac(a[k], b[k], acc);
  return acc;
}

}  // namespace einsim
