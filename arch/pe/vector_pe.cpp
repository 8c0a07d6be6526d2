#include "arch/pe/vector_pe.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "arch/formats/exact_ops.hpp"
#include "sim/core/error.hpp"

namespace einsim {

VectorPe::VectorPe(const PeKind& kind, ExpUnit exp_unit, int taylor_degree)
    : VectorPe(kind.acc, exp_unit, taylor_degree) {
  if (kind.family != PeFamily::vector) throw Error("VectorPe: '" + kind.name + "' is not a vector kind");
}

VectorPe::VectorPe(NumberFormat lane, ExpUnit exp_unit, int taylor_degree)
    : lane_(lane), exp_unit_(exp_unit), taylor_degree_(taylor_degree) {
  if (!format_info(lane).is_float || lane == NumberFormat::fp64)
    throw Error("VectorPe: the lane format must be fp32, fp16, bf16 or fp8");
  if (taylor_degree < 1 || taylor_degree > 12) throw Error("VectorPe: taylor_degree must be in 1..12");
}

double VectorPe::add(double a, double b) {
  counts_.add(PeAction::add);
  return round_add(lane_, quantize(lane_, a), quantize(lane_, b));
}

double VectorPe::sub(double a, double b) {
  counts_.add(PeAction::sub);
  return round_add(lane_, quantize(lane_, a), -quantize(lane_, b));
}

double VectorPe::mul(double a, double b) {
  counts_.add(PeAction::mul);
  return round_mul(lane_, quantize(lane_, a), quantize(lane_, b));
}

double VectorPe::div(double a, double b) {
  counts_.add(PeAction::div);
  return round_div(lane_, quantize(lane_, a), quantize(lane_, b));
}

double VectorPe::max(double a, double b) {
  counts_.add(PeAction::max);
  return max_of(quantize(lane_, a), quantize(lane_, b));
}

double VectorPe::exp(double x) {
  counts_.add(PeAction::exp);
  if (exp_unit_ == ExpUnit::taylor_on_mac) return taylor_exp(x);
  return quantize(lane_, std::exp(quantize(lane_, x)));
}

double VectorPe::taylor_exp(double x) const {
  constexpr NumberFormat acc = NumberFormat::fp32;
  const double qx = quantize(lane_, x);
  if (std::isnan(qx)) return qx;
  if (std::isinf(qx)) return qx > 0 ? quantize(lane_, qx) : 0.0;
  // Range reduction: k = round(x log2 e) (clamped: beyond +-2000 the result is 0 or inf anyway).
  const double k = std::clamp(std::nearbyint(qx * std::numbers::log2e), -2000.0, 2000.0);
  const double ln2 = quantize(acc, std::numbers::ln2);
  const double r = round_fma(acc, -k, ln2, qx);
  // Horner: p = c_d; p = p r + c_i for i = d-1 .. 0, with c_i = 1 / i! in fp32.
  double inv_fact[13];
  inv_fact[0] = 1.0;
  for (int i = 1; i <= 12; ++i) inv_fact[i] = inv_fact[i - 1] / i;
  double p = quantize(acc, inv_fact[taylor_degree_]);
  for (int i = taylor_degree_ - 1; i >= 0; --i) p = round_fma(acc, p, r, quantize(acc, inv_fact[i]));
  return quantize(lane_, std::ldexp(p, static_cast<int>(k)));
}

int VectorPe::op_cycles(VectorOp op) const {
  PeKind lane{"vector", PeFamily::vector, lane_, lane_, lane_, 0, {}};
  static constexpr PeOp kOps[] = {PeOp::add, PeOp::sub, PeOp::mul, PeOp::div, PeOp::max, PeOp::exp};
  const PeOpTraits t = pe_op_traits(lane, kOps[static_cast<int>(op)], exp_unit_ == ExpUnit::dedicated);
  if (op == VectorOp::exp && exp_unit_ == ExpUnit::taylor_on_mac) return taylor_cycles();
  return static_cast<int>(t.cycles);
}

double VectorPe::apply(VectorOp op, double a, double b) {
  switch (op) {
    case VectorOp::add:
      return add(a, b);
    case VectorOp::sub:
      return sub(a, b);
    case VectorOp::mul:
      return mul(a, b);
    case VectorOp::div:
      return div(a, b);
    case VectorOp::max:
      return max(a, b);
    case VectorOp::exp:
      return exp(a);
  }
  throw Error("VectorPe: unknown op code " + std::to_string(static_cast<int>(op)));
}

}  // namespace einsim
