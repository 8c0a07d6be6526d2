#pragma once
// The arithmetic of a multiply-accumulate PE: acc + a x b with operands in their formats and
// one rounding into the accumulator's format (the product of two narrow operands is exact).

#include <span>

#include "arch/formats/codec.hpp"
#include "arch/pe/action_counts.hpp"
#include "arch/pe/pe_kind.hpp"

namespace einsim {

// A MAC PE: int8 x int8 -> int32 (exact, wrapping by default), fp8/fp16/bf16/fp32 operands
// with fp32 or fp16 accumulation (a fused multiply-add rounded once, round to nearest even).
class MacPe {
 public:
  // Throws einsim::Error if `kind` is not of the mac family.
  explicit MacPe(const PeKind& kind);
  // Integer accumulators wrap by default (two's complement hardware); Overflow::saturate clamps.
  MacPe(NumberFormat a, NumberFormat b, NumberFormat acc, Overflow int_overflow = Overflow::wrap);

  // acc + a x b. a, b and acc are first rounded into their formats (a no-op for values that
  // are representable, which is what a PE receives). Counts one `mac`. The roundings are done
  // by a FormatQuantizer per format, which gives quantize's results with the common cases inline.
  double mac(double a, double b, double acc);
  // The same on codes of the three formats; returns the accumulator's code.
  uint32_t mac_codes(uint32_t a, uint32_t b, uint32_t acc);
  // acc + sum_k a[k] x b[k], one MAC (and one rounding) per element, in order.
  double dot(std::span<const double> a, std::span<const double> b, double acc = 0.0);

  NumberFormat a_format() const { return a_; }
  NumberFormat b_format() const { return b_; }
  NumberFormat acc_format() const { return acc_; }
  const ActionCounts& counts() const { return counts_; }
  void reset_counts() { counts_.reset(); }

 private:
  NumberFormat a_, b_, acc_;
  Overflow int_overflow_;
  bool int_acc_;
  FormatQuantizer quantize_a_, quantize_b_;
  FormatQuantizer quantize_acc_;  // integers: int_overflow_; floats: the format's own rule
  bool exact_products_;           // a x b is exact in float64 (no fp64 operand)
  ActionCounts counts_;
};

}  // namespace einsim
