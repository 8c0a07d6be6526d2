#pragma once
// Access counts of the PEs' register files (storage levels of kind `regfile`),
// per mapping group, from the group's dataflow alone: no SystemC, no timing.
// The model (docs/mapping_yaml.md, "Register files"):
//
// Systolic groups, SCALE-Sim's dataflows on out[M][N] = in[M][K] x w[K][N]
// (per batch element; a value moving PE to PE is latched into a register of
// each PE it visits, one write, and read there once by the MAC and the link
// to the next PE):
//   ws: the weight sits in the PE: written once per fold (K x N in all), read
//       once per MAC; inputs hop along the rows and partial sums down the
//       columns, one write and one read per MAC each.
//         reads = 3 MKN, writes = 2 MKN + KN; the PE keeps a weight.
//   os: the accumulator sits in the PE: read and written once per MAC
//       (Timeloop's convention: the first update of an output reads nothing
//       and the finished value is read once to leave the PE, so the reads
//       still number one per MAC); inputs and weights hop, one write and one
//       read per MAC each.
//         reads = 3 MKN, writes = 3 MKN; the PE keeps an accumulator.
//   is: as ws with the input in the PE and the weights hopping.
//         reads = 3 MKN, writes = 2 MKN + MK; the PE keeps an input.
//   Only PEs a fold uses are counted, so the totals do not depend on R and C.
//
// Fused groups (tiles of Einsums): the tile program routes every operand from
// the group's buffer and every result back to it, and does not order the
// points a PE computes, so nothing is reused in a register: per point of an
// Einsum's iteration space (one MAC, or one vector operation however many
// cycles it takes), each of its k operand accesses is written into the
// register file when it arrives and read by the datapath, and its result (the
// accumulator of a reduction) is written once and read once (Timeloop's
// convention, as for os above).
//         reads = writes = (k + 1) x points; the PE holds its k operands and its result.
// With the group's register-file loops (MappingGroup::pe_order, pe_reuse) an operand
// is written once per value the PE takes in, points / reuse, and the PE holds the
// register-file tile of each operand and of the result.
//
// Capacity: a PE must hold what it keeps (the stationary value of a systolic
// dataflow, one point's operands and result in a fused tile); a register file
// too small for it is a SpecError at the level's `capacity:`. Values passing
// through a systolic PE sit in its pipeline registers: their accesses are
// charged to the register file (one level of per-PE registers, as Timeloop
// has one), their space is not.

#include <cstdint>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

// Register-file traffic of elements of one width (an access's energy depends on it).
struct RegfileTraffic {
  int64_t bits = 0;     // width of one element
  uint64_t reads = 0;   // element reads, summed over the PEs
  uint64_t writes = 0;  // element writes, summed over the PEs
};

// What one mapping group does to one register-file level.
struct RegfileGroupCounts {
  size_t level = 0;                     // index into ArchSpec::storage
  std::vector<RegfileTraffic> traffic;  // one entry per element width, widest last
  uint64_t peak_bits_per_pe = 0;        // the most one PE holds at once

  uint64_t reads() const;
  uint64_t writes() const;
};

// The counts of every register file the group's arrays have (none when the
// architecture declares no regfile level). Throws SpecError at the level's
// `capacity:` when a PE must hold more than the level does, and Error when a
// count overflows 64 bits.
std::vector<RegfileGroupCounts> regfile_counts(const EinsumCascade& cascade, const ArchSpec& arch,
                                               const MappingGroup& group);

}  // namespace einsim
