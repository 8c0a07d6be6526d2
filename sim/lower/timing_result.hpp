#pragma once
// What a timing fidelity (Analytical or Cycle) makes of a TileProgram: cycles,
// per-unit busy/stall/idle, buffer peaks and DRAM bytes. Plain structs.

#include <cstdint>
#include <string>
#include <vector>

namespace einsim {

struct UnitStats {
  std::string name;
  uint64_t busy_cycles = 0;   // sum of the cycles of its operations
  uint64_t stall_cycles = 0;  // between its first start and last end, not busy (waiting for inputs)
  uint64_t idle_cycles = 0;   // before its first start and after its last end
  uint64_t first_start = 0;
  uint64_t last_end = 0;
  uint64_t operations = 0;    // operation instances run
  uint64_t useful_ops = 0;    // sum of useful_ops
};

struct BufferStats {
  std::string name;
  uint64_t capacity_bytes = 0;
  uint64_t peak_bytes = 0;
};

struct TimingResult {
  uint64_t cycles = 0;  // completion of the last operation
  std::vector<UnitStats> units;
  std::vector<BufferStats> buffers;
  uint64_t dram_read_bytes = 0;
  uint64_t dram_write_bytes = 0;
  bool extrapolated = false;
  uint64_t simulated_steps = 0;  // steps evaluated before the steady state was extrapolated
  uint64_t period_steps = 0;     // the body's period (lcm of `every`)
  uint64_t period_cycles = 0;    // cycles per period in the steady state (when extrapolated)
  // When a long inner loop was folded (sim/lower/fold.hpp): its iterations per outer iteration.
  uint64_t folded_iterations = 0;
};

}  // namespace einsim
