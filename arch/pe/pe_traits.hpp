#pragma once
// One home for what each PE family does with each operator: whether its PEs have it, the cycles
// one application keeps a PE busy, the actions it counts, and how the cost model prices those
// actions. The timing (cycles per iteration point of a fused tile), the PE arithmetic and its
// SystemC modules (VectorPe's Taylor exp, VectorPeModule's occupancy) and the energy model
// (arch/tech/design_cost) all read this table, so one number says what exp costs.
//
// | family        | add sub mul neg max min abs relu | exp                          | div sqrt gelu | shift_add     | dequant |
// | mac, lmul     | 1 cycle, priced as 1 MAC         | 6 cycles, 6 MACs (Taylor)    | -             | -             | -       |
// | vector        | 1 cycle, the lane's unit         | taylor: 6 cycles, 6 x (mul + add) of the lane; dedicated: 1 cycle, the exp unit | 1 cycle | - | - |
// | mixpe         | add sub mul: 1 cycle, dequant    | -                            | -             | 1 per weight bit | 1    |
//
// The Taylor series is FuseMax's (its artifact charges exp "mac 6"): a range reduction and five
// Horner steps, kExpTaylorSteps multiply-adds in all.

#include <cstdint>
#include <string_view>

#include "arch/pe/pe_kind.hpp"

namespace einsim {

// Multiply-adds of the Taylor series a PE without an exp unit runs for one exp.
inline constexpr int64_t kExpTaylorSteps = 6;

// The element-wise operators a PE applies (the map operators of an Einsum).
enum class PeOp { add, sub, mul, div, neg, max, min, exp, sqrt, abs, relu, gelu, shift_add, dequant };
inline constexpr int kPeOpCount = 14;

std::string_view pe_op_name(PeOp op);

// How the cost model prices one counted action.
enum class EnergyRule {
  table,            // the technology table's price of the action for the PE kind
  mac_equivalents,  // the table's price if it has one, else `energy_units` x the kind's MAC
  lane_mul_add,     // `energy_units` x (mul + add) of the lane (a Taylor series on a vector lane)
};

struct ActionEnergy {
  EnergyRule rule = EnergyRule::table;
  int64_t energy_units = 1;
};

struct PeOpTraits {
  bool supported = false;
  int64_t cycles = 0;                  // PE cycles of one application (times the initiation interval)
  PeAction action = PeAction::add;     // the action it counts
  int64_t actions = 0;                 // how many of them one application counts
  ActionEnergy energy;                 // how the cost model prices `action` on this family
};

// The traits of `op` on a PE of `kind`; `dedicated_exp` is a vector array's `exp_unit: dedicated`.
PeOpTraits pe_op_traits(const PeKind& kind, PeOp op, bool dedicated_exp = false);

// The multiply-accumulate of a GEMM-like Einsum (one point: a product summed into the accumulator):
// one `mac` per cycle, or on MixPE one `shift_add` per weight bit.
PeOpTraits pe_mac_traits(const PeKind& kind);

// How the cost model prices `action` on a PE of `kind`.
ActionEnergy pe_action_energy(const PeKind& kind, PeAction action, bool dedicated_exp = false);

}  // namespace einsim
