#pragma once
// The accounting stage of evaluate(): register-file levels (from each group's
// dataflow) and intermediates passed between groups through DRAM.

#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/eval/simulation_report.hpp"
#include "sim/lower/lowering.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

// Port accesses of `elements` values of `bits` each: a port of width_bits moves one
// access per ceil(bits / width_bits); without a width, an access moves one element.
uint64_t regfile_port_accesses(const StorageLevel& level, int64_t bits, uint64_t elements);

// Fills the register-file levels of `report` (its levels in architecture order) with
// the access counts and per-PE peak of every group of the mapping; throws SpecError
// when a register file is too small for what its PEs keep.
void add_regfile_levels(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                        SimulationReport& report);

// Intermediates passed between groups through DRAM: written by the producer's group, read back
// by the readers' groups (exact bytes from the lowering), with a note per tensor.
void add_spills(const EinsumCascade& cascade, const CascadeGraph& graph, const Mapping& mapping,
                const std::vector<LoweredGroup>& groups, SimulationReport& report);

}  // namespace einsim
