#pragma once
// The catalogue of processing-element kinds: the vocabulary shared by the PE
// arithmetic (arch/pe), the cost tables (arch/tech), architecture files and
// the command line. A kind is named by a string such as "mac_int8",
// "mac_fp8_e4m3_acc16", "mixpe_w4a16", "lmul_m3" or "vector_fp16".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/number_format.hpp"

namespace einsim {

enum class PeFamily {
  mac,     // multiply-accumulate: a x b + acc, rounded to acc's format
  mixpe,   // MixPE shift-and-add: low-bit integer weights x fp16/int8 activations, dequant per group
  lmul,    // L-Mul: float multiply approximated by integer addition of exponent and mantissa fields
  vector,  // 1D vector lane: max, add, sub, mul, div, exp
};

// Actions a PE can count. Energy = count(action) x energy per action from a cost table.
enum class PeAction {
  mac,        // one multiply-accumulate (MAC, L-Mul multiply + accumulate)
  shift_add,  // one shift-and-add step of MixPE (one per weight bit that is set / per bit-plane)
  dequant,    // one dequantization (scale and zero point applied to a group's partial sum)
  add,
  sub,
  mul,
  div,
  max,
  exp,
};

struct PeKind {
  std::string name;         // canonical name, e.g. "mac_fp8_e4m3_acc16"
  PeFamily family;
  NumberFormat a;           // activation / first operand
  NumberFormat b;           // weight / second operand
  NumberFormat acc;         // accumulator / result
  int lmul_mantissa_bits = 0;  // L-Mul only: mantissa width of the operands
  std::vector<PeAction> actions;  // the actions this kind performs (and counts)
};

std::string_view action_name(PeAction a);
std::optional<PeAction> parse_action(std::string_view name);
std::string_view family_name(PeFamily f);

// Parses a kind name. Naming scheme:
//   mac_<fmt>[_acc<bits>]   same-format MAC; default accumulators: int8 -> int32,
//                           fp8_* -> fp32, fp16 -> fp32, bf16 -> fp32, fp32 -> fp32;
//                           `_acc16` picks fp16 (float) or int16 (integer) accumulation
//   mixpe_w<4|8>a<16|8>      MixPE: int4/int8 weights x fp16/int8 activations
//                           (fp16 activations accumulate in fp32, int8 in int32)
//   mixpe_uw4a<16|8>        uint4 weights with a zero point
//   lmul_m<k>               L-Mul on floats with k mantissa bits (k = 3 e4m3-like, 7 bf16, 10 fp16),
//                           accumulating in fp32
//   vector_<fp16|fp32|bf16> a vector lane
// Returns nullopt for a name outside the scheme.
std::optional<PeKind> parse_pe_kind(std::string_view name);

// The kinds `einsim pe` lists by default, in a fixed order.
const std::vector<std::string>& standard_pe_kind_names();

}  // namespace einsim
