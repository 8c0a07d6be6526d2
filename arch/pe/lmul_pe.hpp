#pragma once
// The arithmetic of an L-Mul PE ("Addition is All You Need", arXiv 2410.00907, section 2):
// a float product approximated by adding exponents and mantissas plus a constant offset,
// accumulated in fp32.

#include "arch/formats/codec.hpp"
#include "arch/pe/action_counts.hpp"
#include "arch/pe/pe_kind.hpp"

namespace einsim {

// An L-Mul PE with m-bit operand mantissas: for x = (1 + xm) 2^xe and y = (1 + ym) 2^ye,
// L-Mul(x, y) = (1 + xm + ym + 2^-l(m)) 2^(xe + ye), xm and ym truncated to m bits,
// l(m) = m for m <= 3, 3 for m = 4, 4 for m > 4.
class LMulPe {
 public:
  // Throws einsim::Error if `kind` is not of the lmul family.
  explicit LMulPe(const PeKind& kind);
  // Operands are first rounded into `operand` (e.g. fp8_e4m3 for m = 3), then truncated to m bits.
  LMulPe(int mantissa_bits, NumberFormat operand, NumberFormat acc = NumberFormat::fp32);

  // The offset exponent l(m) of the paper.
  static int offset_exponent(int mantissa_bits);
  // L-Mul of two doubles with m-bit mantissas (no operand format, no rounding of the result:
  // the sum has at most m + 2 significant bits and is exact in float64). Zero if either is
  // zero; NaN or infinity propagate as in x x y.
  static double lmul(double x, double y, int mantissa_bits);

  // acc + L-Mul(a, b), the sum rounded once into the accumulator format. Counts one `mac`.
  double mac(double a, double b, double acc);

  int mantissa_bits() const { return m_; }
  NumberFormat operand_format() const { return operand_; }
  NumberFormat acc_format() const { return acc_; }
  const ActionCounts& counts() const { return counts_; }
  void reset_counts() { counts_.reset(); }

 private:
  int m_;
  NumberFormat operand_, acc_;
  ActionCounts counts_;
};

}  // namespace einsim
