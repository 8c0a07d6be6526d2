#pragma once
// The DRAM's `capacity:` (docs/architecture_yaml.md): every tensor a run moves to or
// from the DRAM (the cascade's inputs and outputs, and the intermediates a mapping
// spills) has its whole size there for the whole run; their sum must fit. Nothing in
// DRAM is freed or reused within a run, so this is the run's DRAM footprint.

#include <cstdint>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "sim/lower/lowering.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

// Bytes of every tensor the lowered groups read from or write to the DRAM, each counted once.
uint64_t dram_footprint_bytes(const EinsumCascade& cascade, const std::vector<LoweredGroup>& groups);

// Throws SpecError at the DRAM's capacity: when the footprint exceeds it; a DRAM without
// a capacity is unbounded.
void check_dram_capacity(const EinsumCascade& cascade, const ArchSpec& arch, const std::vector<LoweredGroup>& groups);

}  // namespace einsim
