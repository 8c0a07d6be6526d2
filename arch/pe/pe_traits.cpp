#include "arch/pe/pe_traits.hpp"

#include "sim/core/number_format.hpp"

namespace einsim {

std::string_view pe_op_name(PeOp op) {
  switch (op) {
    case PeOp::add: return "add";
    case PeOp::sub: return "sub";
    case PeOp::mul: return "mul";
    case PeOp::div: return "div";
    case PeOp::neg: return "neg";
    case PeOp::max: return "max";
    case PeOp::min: return "min";
    case PeOp::exp: return "exp";
    case PeOp::sqrt: return "sqrt";
    case PeOp::abs: return "abs";
    case PeOp::relu: return "relu";
    case PeOp::gelu: return "gelu";
    case PeOp::shift_add: return "shift_add";
    case PeOp::dequant: return "dequant";
  }
  return "?";
}

namespace {

// The action an operator counts on a PE with a unit for it.
PeAction action_of(PeOp op) {
  switch (op) {
    case PeOp::add: case PeOp::neg: case PeOp::abs: case PeOp::relu: return PeAction::add;
    case PeOp::sub: return PeAction::sub;
    case PeOp::mul: return PeAction::mul;
    case PeOp::div: case PeOp::sqrt: return PeAction::div;
    case PeOp::max: case PeOp::min: return PeAction::max;
    case PeOp::exp: case PeOp::gelu: return PeAction::exp;
    case PeOp::shift_add: return PeAction::shift_add;
    case PeOp::dequant: return PeAction::dequant;
  }
  return PeAction::add;
}

}  // namespace

ActionEnergy pe_action_energy(const PeKind& kind, PeAction action, bool dedicated_exp) {
  if (action == PeAction::exp && kind.family == PeFamily::vector && !dedicated_exp)
    return {EnergyRule::lane_mul_add, kExpTaylorSteps};
  if ((kind.family == PeFamily::mac || kind.family == PeFamily::lmul) && action != PeAction::mac) {
    // A MAC (or L-Mul) array runs the other element-wise operators on its MAC units: one MAC
    // each, and exp as the Taylor series (the FuseMax artifact's costs).
    return {EnergyRule::mac_equivalents, action == PeAction::exp ? kExpTaylorSteps : 1};
  }
  return {EnergyRule::table, 1};
}

PeOpTraits pe_op_traits(const PeKind& kind, PeOp op, bool dedicated_exp) {
  PeOpTraits t;
  t.action = action_of(op);
  t.actions = 1;
  t.cycles = 1;
  const PeFamily f = kind.family;
  switch (op) {
    case PeOp::add: case PeOp::sub: case PeOp::mul:
      t.supported = true;
      if (f == PeFamily::mixpe) t.action = PeAction::dequant;  // zero point and scale: its dequantization unit
      break;
    case PeOp::neg: case PeOp::max: case PeOp::min: case PeOp::abs: case PeOp::relu:
      t.supported = f != PeFamily::mixpe;
      break;
    case PeOp::exp:
      t.supported = f != PeFamily::mixpe;
      t.cycles = f == PeFamily::vector && dedicated_exp ? 1 : kExpTaylorSteps;
      break;
    case PeOp::div: case PeOp::sqrt: case PeOp::gelu:
      t.supported = f == PeFamily::vector;
      break;
    case PeOp::shift_add:
      t.supported = f == PeFamily::mixpe;
      t.cycles = format_info(kind.b).bits;  // one shift-and-add per weight bit
      t.actions = t.cycles;
      break;
    case PeOp::dequant:
      t.supported = f == PeFamily::mixpe;
      break;
  }
  t.energy = pe_action_energy(kind, t.action, dedicated_exp);
  return t;
}

PeOpTraits pe_mac_traits(const PeKind& kind) {
  if (kind.family == PeFamily::mixpe) return pe_op_traits(kind, PeOp::shift_add);
  PeOpTraits t;
  t.supported = true;
  t.cycles = 1;
  t.action = PeAction::mac;
  t.actions = 1;
  t.energy = pe_action_energy(kind, PeAction::mac);
  return t;
}

}  // namespace einsim
