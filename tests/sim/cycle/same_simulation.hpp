#pragma once
// Checks shared by the Cycle fidelity's tests: a run with steady-state
// extrapolation reports exactly what the full simulation does.

#include <catch2/catch.hpp>

#include "sim/cycle/simulate.hpp"

namespace einsim::test {

// `fast` extrapolated its first group, `full` did not, and both give the same cycles, buffer peak,
// and busy and stall cycles of every array.
inline void check_same_simulation(const SimulationReport& fast, const SimulationReport& full) {
  CHECK(fast.groups.at(0).extrapolated);
  CHECK_FALSE(full.groups.at(0).extrapolated);
  CHECK(fast.cycles == full.cycles);
  CHECK(fast.levels.at(1).peak_occupancy_bytes == full.levels.at(1).peak_occupancy_bytes);
  REQUIRE(fast.arrays.size() == full.arrays.size());
  for (size_t i = 0; i < fast.arrays.size(); ++i) {
    CHECK(fast.arrays[i].busy_cycles == full.arrays[i].busy_cycles);
    CHECK(fast.arrays[i].stall_cycles == full.arrays[i].stall_cycles);
  }
}

}  // namespace einsim::test
