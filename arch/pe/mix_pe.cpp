#include "arch/pe/mix_pe.hpp"

#include <cmath>
#include <string>

#include "arch/formats/exact_ops.hpp"
#include "sim/core/error.hpp"

namespace einsim {

MixPe::MixPe(const PeKind& kind) : MixPe(kind.a, kind.b, kind.acc) {
  if (kind.family != PeFamily::mixpe) throw Error("MixPe: '" + kind.name + "' is not a mixpe kind");
}

MixPe::MixPe(NumberFormat activation, NumberFormat weight, NumberFormat acc)
    : act_(activation), weight_(weight), acc_(acc) {
  if (activation != NumberFormat::fp16 && activation != NumberFormat::int8)
    throw Error("MixPe: activations must be fp16 or int8");
  if (format_info(weight).is_float || format_bits(weight) > 8)
    throw Error("MixPe: weights must be int4, uint4, int8 or uint8");
  if (format_info(acc).is_float != format_info(activation).is_float)
    throw Error("MixPe: the accumulator must be a float for fp16 activations and an integer for int8");
  acc_overflow_ = format_info(acc).is_float ? Overflow::ieee : Overflow::wrap;
}

void MixPe::step(double activation, int32_t weight) {
  if (weight < lowest_finite(weight_) || weight > max_finite(weight_))
    throw Error("MixPe: weight " + std::to_string(weight) + " is outside " + std::string(format_name(weight_)));
  const double a = quantize(act_, activation);
  const int planes = format_bits(weight_);
  const bool is_signed = format_info(weight_).is_signed;
  const uint32_t bits = encode(weight_, weight);  // two's complement for signed weights
  for (int i = 0; i < planes; ++i) {
    counts_.add(PeAction::shift_add);
    if (((bits >> i) & 1u) == 0) continue;
    const double shifted = std::ldexp(a, i);  // a shift (int8) or an exponent add (fp16): exact
    const bool negative_plane = is_signed && i == planes - 1;
    group_psum_ = round_add(acc_, group_psum_, negative_plane ? -shifted : shifted, acc_overflow_);
  }
  group_act_sum_ = round_add(acc_, group_act_sum_, a, acc_overflow_);
}

double MixPe::finish_group(double scale, int32_t zero, double psum) {
  counts_.add(PeAction::dequant);
  constexpr NumberFormat out = NumberFormat::fp32;
  double centered = group_psum_;
  if (zero != 0)
    centered = round_add(acc_, group_psum_, -round_mul(acc_, zero, group_act_sum_, acc_overflow_), acc_overflow_);
  const double result = round_add(out, quantize(out, psum), round_mul(out, quantize(out, scale), centered));
  group_psum_ = 0.0;
  group_act_sum_ = 0.0;
  return result;
}

double MixPe::dot(std::span<const double> activations, std::span<const int32_t> weights, int64_t group_size,
                  std::span<const double> scales, std::span<const int32_t> zeros, double psum) {
  if (activations.size() != weights.size()) throw Error("MixPe::dot: activation and weight lengths differ");
  if (group_size <= 0) throw Error("MixPe::dot: group_size must be positive");
  const size_t g = static_cast<size_t>(group_size);
  const size_t groups = (weights.size() + g - 1) / g;
  if (scales.size() != groups) throw Error("MixPe::dot: need one scale per group");
  if (!zeros.empty() && zeros.size() != groups) throw Error("MixPe::dot: need one zero point per group");
  group_psum_ = group_act_sum_ = 0.0;
  for (size_t k = 0; k < weights.size(); ++k) {
    step(activations[k], weights[k]);
    if ((k + 1) % g == 0 || k + 1 == weights.size()) {
      const size_t gi = k / g;
      psum = finish_group(scales[gi], zeros.empty() ? 0 : zeros[gi], psum);
    }
  }
  return psum;
}

}  // namespace einsim
