#include "sim/lower/lowering.hpp"

// Lowering a mapped cascade: each mapping group to its tile program (fused groups in
// lower_fused.cpp, systolic ones in lower_systolic.cpp), and an Einsum's PE actions.

#include "sim/lower/lower_common.hpp"

namespace einsim {

ActionCounts einsum_actions(const Einsum& e, const PeKind& kind) {
  // Each operator counts the actions of the PE family's traits (arch/pe/pe_traits.hpp); the
  // product summed into the accumulator of a multiply-accumulate counts its mac (or shift-adds).
  ActionCounts counts;
  const bool fused_mac = is_multiply_accumulate(e);
  const bool mixpe = kind.family == PeFamily::mixpe;
  for (const auto& [op, n] : e.map_ops) {
    if (n <= 0) continue;
    const uint64_t count = static_cast<uint64_t>(n);
    // On MixPE every operator but the shift-add runs on its dequantization unit (the traits say so).
    const bool mac = fused_mac && op == e.expr.op && !(mixpe && op != Op::shift_add);
    const PeOpTraits t = mac ? pe_mac_traits(kind) : pe_op_traits(kind, pe_op(op));
    counts.add(mixpe && op != Op::shift_add ? PeAction::dequant : t.action,
               count * static_cast<uint64_t>(mixpe && op != Op::shift_add ? 1 : t.actions));
  }
  if (!fused_mac && e.reduce_ops > 0 && !mixpe) {
    counts.add(pe_op_traits(kind, pe_op(reduce_action(e.reduce))).action, static_cast<uint64_t>(e.reduce_ops));
  }
  return counts;
}

std::vector<LoweredGroup> lower_mapping(const EinsumCascade& c, const CascadeGraph& graph, const ArchSpec& arch,
                                        const Mapping& m) {
  std::vector<int> group_of(c.einsums.size(), -1);
  for (size_t g = 0; g < m.groups.size(); ++g)
    for (int e : m.groups[g].einsums) group_of[e] = static_cast<int>(g);
  std::vector<LoweredGroup> out;
  for (size_t g = 0; g < m.groups.size(); ++g) {
    const MappingGroup& mg = m.groups[g];
    if (mg.kind == GroupKind::systolic) {
      out.push_back(lower_detail::lower_systolic(c, arch, mg));
    } else {
      out.push_back(lower_detail::lower_fused(c, graph, arch, mg, group_of, static_cast<int>(g)));
    }
  }
  return out;
}

}  // namespace einsim
