#pragma once
// A TileProgram is what the Cycle fidelity simulates: work cut into tile
// operations, each bound to a unit (a compute array or a DRAM channel), with
// its busy cycles, the operations it waits for, and the buffer space it holds.
// A body of operations repeats `steps` times; an operation may run only on
// some steps (every k-th, at a phase), so nested loops (an outer tile loop
// around an inner one) flatten into one periodic body. Lowering a mapped
// Einsum cascade to a TileProgram is the mapper's job; simulating it is the
// engine's. Plain structs, no SystemC.

#include <cstdint>
#include <string>
#include <vector>

namespace einsim {

enum class UnitKind { array, dram };

inline constexpr uint32_t kNoChannel = UINT32_MAX;

struct TileUnit {
  std::string name;
  UnitKind kind = UnitKind::array;
  // Units naming the same channel share one data path: at most one of them is busy
  // with an operation of nonzero cycles at a time (the read and write units of a
  // half-duplex DRAM). Each still takes its own operations in program order; the
  // channel serves the oldest request first, and of two made at the same time the
  // one of the unit that did not use the channel last. kNoChannel: a path of its own.
  uint32_t channel = kNoChannel;
};

struct TileBuffer {
  std::string name;
  uint64_t capacity_bytes = 0;  // 0: unbounded (no capacity check)
};

// Operation `op` of the body, in its most recent instance at a step <= s - distance.
struct TileDep {
  uint32_t op = 0;
  uint32_t distance = 0;
};

struct BufferUse {
  uint32_t buffer = 0;
  uint64_t bytes = 0;
};

struct TileOp {
  std::string name;
  uint32_t unit = 0;
  uint64_t cycles = 0;    // the unit is busy this long
  uint64_t latency = 0;   // the result is visible this much later (unit already free)
  uint32_t every = 1;     // runs on steps s with s % every == phase
  uint32_t phase = 0;
  uint64_t last_step = UINT64_MAX;  // and s <= last_step (e.g. 0: a load done once, at the start)
  std::vector<TileDep> deps;
  std::vector<BufferUse> allocs;    // taken when the op starts
  std::vector<BufferUse> releases;  // given back when the op's result is visible
  uint64_t useful_ops = 0;          // useful MAC-equivalents (for utilization)
  uint64_t dram_read_bytes = 0;
  uint64_t dram_write_bytes = 0;
};

// The largest simulated time, in cycles, an engine reports: beyond it a count would not fit
// in the 63 bits of the reports (JSON, SQLite); the run is an error instead.
inline constexpr uint64_t kMaxTotalCycles = uint64_t{INT64_MAX};

struct TileProgram {
  std::vector<TileUnit> units;
  std::vector<TileBuffer> buffers;
  std::vector<TileOp> body;  // distance-0 deps point to earlier ops of the body
  uint64_t steps = 1;
  // Whether a long inner loop may be folded (sim/lower/fold.hpp). Not when the group has loops of
  // the buffer: the DRAM's tiles around them (their loads, held tiles) grow with those loops'
  // iterations, which folding would cut without shrinking them.
  bool foldable = true;

  // Checks indices, phases and that distance-0 deps point backwards; throws InternalError.
  void validate() const;
  // Number of steps s in [0, steps) on which `op` runs.
  uint64_t instances(const TileOp& op) const;
  // Whether `op` runs on step s.
  static bool runs_on(const TileOp& op, uint64_t s) { return s <= op.last_step && s % op.every == op.phase; }
};

// The message for a run whose time passes kMaxTotalCycles at operation `op` of the body.
std::string cycles_overflow_message(const TileProgram& program, uint32_t op);

}  // namespace einsim
