#pragma once
// Where `einsim map`, `simulate` without a mapping and sweeps with `mapping: {map: ...}`
// meet a timing model: one function
// evaluates a mapping for the mapper. It times mappings at the Analytical fidelity (the Cycle
// fidelity's statistics without SystemC and without process-wide state), so evaluations run
// on several threads at once.

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapper/search.hpp"
#include "mappings/mapping.hpp"
#include "sim/eval/evaluate.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::dse {

// Whether evaluate_for_mapper may run on several threads at once.
inline constexpr bool kMapEvaluatorThreadSafe = true;

// One mapping at the Analytical fidelity, with the cascade's graph and the evaluation options
// (the cost tables) made once for the whole search.
MapCost evaluate_for_mapper(const EinsumCascade& cascade, const CascadeGraph& graph, const ArchSpec& arch,
                            const EvaluateOptions& options, const Mapping& mapping);

// Builds the space of `cascade` on `arch` and searches it with evaluate_for_mapper.
SearchResult map_cascade(const EinsumCascade& cascade, const ArchSpec& arch, SearchOptions options);

}  // namespace einsim::dse
