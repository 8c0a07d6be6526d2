#pragma once
// The arithmetic of a MixPE shift-and-add PE (MixPE, arXiv 2411.16158): low-bit integer
// weights times fp16 or int8 activations without a multiplier. Each weight bit-plane adds
// the activation shifted by the plane's position (for fp16 an exponent add: a x 2^i) into a
// per-group partial sum; a dequantization unit applies the group's scale and zero point once.

#include <cstdint>
#include <span>

#include "arch/formats/codec.hpp"
#include "arch/pe/action_counts.hpp"
#include "arch/pe/pe_kind.hpp"

namespace einsim {

// A MixPE: weights int4/int8/uint4/uint8, activations fp16 or int8.
// The group partial sum and the group's activation sum live in the accumulator format
// (fp32 for fp16 activations, int32 for int8 activations; every add rounds once into it).
// Dequantized results are accumulated in fp32.
class MixPe {
 public:
  // Throws einsim::Error if `kind` is not of the mixpe family.
  explicit MixPe(const PeKind& kind);
  MixPe(NumberFormat activation, NumberFormat weight, NumberFormat acc);

  // One element of the current group: the partial sum gains activation x weight, formed by one
  // shift-and-add step per weight bit-plane (LSB first; the MSB of a signed weight subtracts).
  // `weight` is the integer the code stands for (e.g. -8..7 for int4, 0..15 for uint4);
  // outside the weight format's range it throws einsim::Error. The activation is first rounded
  // into the activation format. Counts format_bits(weight) `shift_add`s.
  void step(double activation, int32_t weight);
  // Closes the group: returns psum + scale x (group_psum - zero x group_activation_sum),
  // each operation rounded once into fp32, then starts a new group. Counts one `dequant`.
  double finish_group(double scale, int32_t zero, double psum);

  // psum + sum over groups g of scale[g] x sum_{k in g} act[k] x (weight[k] - zero[g]), where
  // group g holds elements [g x G, (g + 1) x G). `zeros` may be empty (all zero).
  double dot(std::span<const double> activations, std::span<const int32_t> weights, int64_t group_size,
             std::span<const double> scales, std::span<const int32_t> zeros = {}, double psum = 0.0);

  // The current group's partial sum and activation sum (for inspection).
  double group_psum() const { return group_psum_; }
  double group_activation_sum() const { return group_act_sum_; }

  NumberFormat activation_format() const { return act_; }
  NumberFormat weight_format() const { return weight_; }
  NumberFormat acc_format() const { return acc_; }
  int weight_bit_planes() const { return format_bits(weight_); }
  const ActionCounts& counts() const { return counts_; }
  void reset_counts() { counts_.reset(); }

 private:
  NumberFormat act_, weight_, acc_;
  Overflow acc_overflow_ = Overflow::ieee;  // integer accumulators wrap, float ones follow IEEE
  double group_psum_ = 0.0;
  double group_act_sum_ = 0.0;
  ActionCounts counts_;
};

}  // namespace einsim
