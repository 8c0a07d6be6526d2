#pragma once
// Shared by the Cycle fidelity's tests: a small vector architecture, and the
// check that a run with steady-state extrapolation reports exactly what the
// full simulation does.

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <string>

#include "arch/spec/arch_spec.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/cycle/simulate.hpp"

namespace einsim::test {

// 256 fp16 vector lanes `pe1d` under a 1 MiB buffer `GB`, DRAM unlimited; more keys for the buffer and the lanes.
inline ArchSpec lanes_256(const std::string& gb_keys = "", const std::string& lane_keys = "") {
  return load_architecture(YamlDocument::load_string(fmt::format(R"(architecture:
  name: lanes
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: unlimited}}
    - {{name: GB, kind: sram, capacity: 1 MiB{}}}
  arrays:
    - {{name: pe1d, lanes: 256, pe: vector_fp16{}}}
)", gb_keys.empty() ? "" : ", " + gb_keys, lane_keys.empty() ? "" : ", " + lane_keys), "lanes.yaml"));
}

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
