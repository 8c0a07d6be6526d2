#pragma once
// The arithmetic of one lane of the 1D vector array: max, add, sub, mul, div and exp in the
// lane's float format, each rounded once. exp runs either on a dedicated unit or, as in
// FuseMax, on the 2D array's MACs as a range-reduced Taylor polynomial.

#include "arch/formats/codec.hpp"
#include "arch/pe/action_counts.hpp"
#include "arch/pe/pe_kind.hpp"
#include "arch/pe/pe_traits.hpp"

namespace einsim {

enum class ExpUnit {
  dedicated,      // exact exp rounded once into the lane format
  taylor_on_mac,  // range reduction + Horner steps on MACs (taylor_degree + 1 multiply-adds)
};
// Either way one exp counts one `exp` action; what it costs in cycles and energy is the PE
// traits' (arch/pe/pe_traits.hpp): 1 cycle on a dedicated unit, kExpTaylorSteps as a series.

// The vector operations a lane performs (also the op code of the SystemC vector module).
enum class VectorOp : int { add = 0, sub = 1, mul = 2, div = 3, max = 4, exp = 5 };

// A vector lane in fp16, bf16 or fp32.
class VectorPe {
 public:
  // Throws einsim::Error if `kind` is not of the vector family.
  explicit VectorPe(const PeKind& kind, ExpUnit exp_unit = ExpUnit::dedicated,
                    int taylor_degree = kExpTaylorDegree);
  // taylor_degree in 1..12: the Taylor polynomial's degree. The default gives the traits'
  // kExpTaylorSteps multiply-adds per exp (FuseMax's "mac 6"): one range reduction
  // (r = x - k ln2) and kExpTaylorSteps - 1 Horner steps.
  VectorPe(NumberFormat lane, ExpUnit exp_unit = ExpUnit::dedicated, int taylor_degree = kExpTaylorDegree);
  static constexpr int kExpTaylorDegree = static_cast<int>(kExpTaylorSteps) - 1;

  // Operands are first rounded into the lane format; each result is rounded once.
  double add(double a, double b);
  double sub(double a, double b);
  double mul(double a, double b);
  double div(double a, double b);
  double max(double a, double b);
  double exp(double x);
  // Dispatch by op code; `b` is ignored by exp.
  double apply(VectorOp op, double a, double b);

  // The Taylor path alone (no counting): k = round(x log2 e), r = x - k ln2 and
  // p(r) = sum_{i<=degree} r^i / i! by Horner, all in the MAC accumulator format (fp32),
  // then p x 2^k rounded into the lane format.
  double taylor_exp(double x) const;
  // MAC cycles one Taylor exp takes: taylor_degree + 1.
  int taylor_cycles() const { return taylor_degree_ + 1; }
  // Cycles one operation occupies the lane: the PE traits' cycles of the operator on a vector lane
  // (exp: 1 on a dedicated unit, taylor_cycles() as a series).
  int op_cycles(VectorOp op) const;

  NumberFormat lane_format() const { return lane_; }
  ExpUnit exp_unit() const { return exp_unit_; }
  const ActionCounts& counts() const { return counts_; }
  void reset_counts() { counts_.reset(); }

 private:
  NumberFormat lane_;
  ExpUnit exp_unit_;
  int taylor_degree_;
  ActionCounts counts_;
};

}  // namespace einsim
