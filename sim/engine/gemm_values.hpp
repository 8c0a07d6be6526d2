#pragma once
// The numbers a systolic array computes for a GEMM out[M][N] = in[M][K] x w[K][N]:
// every product and partial sum goes through the PE arithmetic of the array's PE
// kind, in the accumulation order of the dataflow. No SystemC; the Detailed
// fidelity produces exactly these values (its tests check the equality), and
// the Cycle fidelity calls gemm_values for --values.
//
// Accumulation order (the same chain the per-PE model runs):
//   os: each output accumulates in one PE over k = 0..K-1:
//       acc = mac(in[m][0], w[0][n], 0), acc = mac(in[m][k], w[k][n], acc), ...
//   ws, is: K is split into row folds of R (the array's rows); within a fold the
//       partial sum runs down a column starting from 0, k increasing; the output
//       accumulator below the array adds the row folds' partial sums in fold
//       order with one rounding into the accumulator format each:
//       out = p_0, out = accumulate(out, p_1), ...
// Integer accumulators wrap modulo 2^bits (two's complement), as MacPe does.
//
// Operand quantization (quantize_gemm_operands): integer operand formats use one
// absmax scale per tensor (value = integer x scale, scale = max|x| / qmax, an
// all-zero tensor gets scale 1), so the GEMM runs on exact integers and the
// output is dequantized by in_scale x w_scale; floating-point operand formats
// are rounded to nearest even with no scale (the tensors are assumed to lie in
// the format's range; values beyond it overflow per the format's rule).

#include <cstdint>
#include <variant>
#include <vector>

#include "arch/pe/action_counts.hpp"
#include "arch/pe/lmul_pe.hpp"
#include "arch/pe/mac_pe.hpp"
#include "arch/pe/pe_kind.hpp"
#include "sim/engine/systolic_timing.hpp"

namespace einsim {

// Matrices larger than this (elements of in, w or out) are refused: 2^24.
inline constexpr int64_t kMaxGemmValueElements = int64_t{1} << 24;
// GEMMs with more multiply-accumulates than this are refused by gemm_values: 2^32.
inline constexpr int64_t kMaxGemmValueMacs = int64_t{1} << 32;

// The scalar arithmetic of a GEMM PE: a MacPe (mac_* kinds) or an LMulPe (lmul_* kinds),
// plus the accumulator-format add that combines partial sums of row folds.
class GemmArithmetic {
 public:
  // Throws Error for a kind that is neither mac nor lmul (MixPE and vector lanes are not GEMM PEs here).
  explicit GemmArithmetic(const PeKind& kind);

  // acc + in x w with the PE's arithmetic (one MAC counted).
  double mac(double in, double w, double acc) {
    if (auto* p = std::get_if<MacPe>(&pe_)) return p->mac(in, w, acc);
    return std::get<LMulPe>(pe_).mac(in, w, acc);
  }
  // x + y rounded once into the accumulator format (integers wrap).
  double accumulate(double x, double y) const;

  NumberFormat in_format() const { return in_; }
  NumberFormat w_format() const { return w_; }
  NumberFormat acc_format() const { return acc_; }
  const ActionCounts& counts() const;

 private:
  std::variant<MacPe, LMulPe> pe_;
  NumberFormat in_, w_, acc_;
};

// Checks a GEMM shape and row-major operand sizes; throws Error naming the problem
// (non-positive or too large extents, sizes that do not match, more than
// kMaxGemmValueElements elements).
void check_gemm_operands(const GemmShape& g, const std::vector<double>& in, const std::vector<double>& w);

// The outputs (row-major M x N) of the GEMM with `kind`'s arithmetic in the accumulation
// order of `dataflow` on an array with `rows` rows (rows matters for ws and is only).
// Operands must already be representable in the PE's formats (see quantize_gemm_operands);
// other values are rounded into them by the PE. Throws Error for bad sizes, a non-GEMM
// kind, or more than kMaxGemmValueMacs MACs.
std::vector<double> gemm_values(const PeKind& kind, Dataflow dataflow, int64_t rows, const GemmShape& g,
                                const std::vector<double>& in, const std::vector<double>& w);

// The same with an arithmetic object whose action counts the caller reads afterwards.
std::vector<double> gemm_values(GemmArithmetic& arith, Dataflow dataflow, int64_t rows, const GemmShape& g,
                                const std::vector<double>& in, const std::vector<double>& w);

// Operands rounded into a PE kind's formats, and the scales to dequantize with.
struct QuantizedGemmOperands {
  std::vector<double> in;  // in the activation format (integers for integer formats)
  std::vector<double> w;   // in the weight format
  double in_scale = 1.0;   // real value = in x in_scale
  double w_scale = 1.0;
  double out_scale() const { return in_scale * w_scale; }
};

// Rounds float64 operands into `kind`'s operand formats (see the header comment: absmax
// per-tensor scale for integer formats, plain rounding for floats). Throws Error for bad
// sizes, non-finite values, an unsigned integer operand format or a non-GEMM kind.
QuantizedGemmOperands quantize_gemm_operands(const PeKind& kind, const GemmShape& g,
                                             const std::vector<double>& in, const std::vector<double>& w);

// The float64 GEMM (k increasing, one double rounding per step): the reference the errors
// are measured against. Throws Error for bad sizes.
std::vector<double> gemm_reference(const GemmShape& g, const std::vector<double>& in,
                                   const std::vector<double>& w);

}  // namespace einsim
