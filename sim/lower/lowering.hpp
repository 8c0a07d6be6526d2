#pragma once
// Lowering: a mapped cascade becomes one TileProgram per mapping group, the
// work the Cycle fidelity simulates. Units of every program: DRAM read
// channel, DRAM write channel, then the architecture's arrays in order.
//
// Fused groups: one step per iteration of the group's loops; each Einsum's tile
// costs ceil(spatial extent / array dimension) per array dimension x the
// temporal extent x the PE's cycles per point (mappings/mapping.hpp). Inputs
// from DRAM are loaded a buffer tile at a time (the tile of the DRAM's loops;
// the buffer's loops cut it into the steps' tiles) when it changes, into `slots`
// buffer slots;
// intermediates live in the group's buffer from their producer to their last
// consumer, and a producer runs at most `slots` tiles ahead of a consumer on
// another array; recurrent state (running max, sums) is held for a whole pass of
// its loop; the output of a reduction over a looped rank accumulates over that
// loop's iterations; outputs leaving the group are written back to DRAM a
// buffer tile at a time (gathered over the buffer's loops).
// Systolic groups: one step per batch element, whose SCALE-Sim folds the body
// lists one by one (a fold's cycles from sim/engine/systolic_timing.hpp). Each
// fold loads the operand blocks it does not hold yet, with their exact bytes
// (a partial last row or column fold moves fewer), at most two folds ahead
// (double buffered); the fold that finishes outputs (the last row fold of a
// column fold for ws/is, every fold for os) writes them back. Operands that fit
// their SRAM partition whole are loaded once and held until their last fold;
// partial sums that do not fit the output partition are spilled after every
// row fold but the last and read back with the next. A GEMM with more than
// kMaxUnrolledFolds folds per batch element has one step per fold instead, each
// moving the average of the folds' transfers (the group's notes say so).
//
// A tensor produced in one group and read in a later one goes through DRAM:
// its producer's group writes it back (once per tile, or once per accumulated
// tile for a reduction over a looped rank), the reader's group loads it like
// any input. `tensor_dram_reads/writes` give those bytes per tensor.
//
// DRAM reads and writes use separate channels of the stated bandwidth each
// (`duplex: full`, the default) or share one (`duplex: half`: the two units
// name one TileUnit::channel). DRAM byte totals are exact; in a program whose
// operations carry their own bytes (all but the averaged systolic one) they are
// the sum over the body of each operation's bytes times its instances.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arch/pe/action_counts.hpp"
#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/engine/systolic_timing.hpp"
#include "sim/lower/tile_program.hpp"
#include "workloads/cascade_graph.hpp"

namespace einsim {

// The work of one Einsum of a group: on which array, how long it keeps it busy, what it does.
struct EinsumWork {
  int einsum = -1;
  int array = -1;            // index into ArchSpec::arrays
  uint64_t busy_cycles = 0;  // over all its tiles or folds (exact: instances x cycles)
  uint64_t tiles = 0;        // its tile operations (folds for a systolic group)
  ActionCounts actions;
};

struct LoweredGroup {
  std::string name;
  GroupKind kind = GroupKind::fused;
  TileProgram program;
  std::vector<int> unit_array;          // per unit: index into ArchSpec::arrays, -1 for DRAM channels
  std::vector<ActionCounts> actions;    // per architecture array
  std::vector<uint64_t> useful_pe_cycles;  // per architecture array: PE-cycles of useful work (exact)
  std::string buffer;                   // the storage level holding the group's tiles
  uint64_t buffer_read_bytes = 0;
  uint64_t buffer_write_bytes = 0;
  uint64_t buffer_psum_read_bytes = 0;  // of buffer_read_bytes: partial sums read back to be added to
  uint64_t dram_read_bytes = 0;         // exact totals
  uint64_t dram_write_bytes = 0;
  // Exact DRAM bytes per tensor (index into the cascade's tensors): loads of the group's inputs,
  // writes of what leaves it (a systolic group's partial-sum spills are not included).
  std::map<int, uint64_t> tensor_dram_reads;
  std::map<int, uint64_t> tensor_dram_writes;
  std::vector<EinsumWork> einsums;  // in the group's order
  std::vector<std::string> notes;
  // A systolic group: its GEMM's fold timing (one batch element) and the batch it repeats for.
  std::optional<SystolicTiming> systolic;
  uint64_t batch = 1;
};

inline constexpr uint32_t kDramReadUnit = 0;
inline constexpr uint32_t kDramWriteUnit = 1;

// Folds per batch element up to which a systolic group's body lists every fold.
inline constexpr uint64_t kMaxUnrolledFolds = 4096;

std::vector<LoweredGroup> lower_mapping(const EinsumCascade& cascade, const CascadeGraph& graph,
                                        const ArchSpec& arch, const Mapping& mapping);

// The PE actions an Einsum performs over its whole iteration space (a multiply
// summed into an accumulator is one mac).
ActionCounts einsum_actions(const Einsum& e, const PeKind& kind);

}  // namespace einsim
