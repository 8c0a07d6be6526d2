#pragma once
// What `einsim simulate` reports at every fidelity: cycles, per-array
// busy/stall/idle and actions, per-level traffic and peaks, groups, Einsums,
// spills, energy and area. Plain structs, filled by evaluate() (sim/eval/evaluate.hpp).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/pe/action_counts.hpp"
#include "sim/engine/regfile_model.hpp"
#include "sim/engine/systolic_timing.hpp"

namespace einsim {

struct ArrayReport {
  std::string name;
  std::string pe;
  int64_t pes = 0;
  uint64_t busy_cycles = 0;
  uint64_t stall_cycles = 0;  // between its first and last operation, waiting for data or the other array
  uint64_t idle_cycles = 0;
  double utilization = 0;     // useful PE-cycles / (PEs x total cycles)
  double busy_fraction = 0;   // busy / total cycles
  ActionCounts actions;
  std::array<double, kPeActionCount> action_energy_pj{};  // energy of one action (0: not costed)
  std::optional<double> energy_pj;
  std::optional<double> area_um2;
};

struct LevelReport {
  std::string name;
  std::string kind;
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  uint64_t fill_bytes = 0;  // of the writes: bytes filled from DRAM
  std::optional<uint64_t> capacity_bytes;
  uint64_t peak_occupancy_bytes = 0;
  std::optional<double> energy_pj;
  std::optional<double> read_energy_pj;  // of energy_pj: the reads' share (the rest is writes)
  std::optional<double> area_um2;
  // Register files (kind regfile, a copy in each PE): capacity_bytes and
  // peak_occupancy_bytes are per PE; reads, writes (bytes) and the access counts
  // are summed over the `instances` PEs (sim/engine/regfile_model.hpp).
  int64_t instances = 0;       // PEs holding a copy; 0 for a level the chip shares
  uint64_t read_accesses = 0;  // accesses of the level's port: width_bits each, else one element each
  uint64_t write_accesses = 0;
  std::vector<RegfileTraffic> regfile_traffic;  // element reads and writes by element width
};

// One Einsum: where it ran, how long it kept its array busy, what it did and what that cost.
struct EinsumReport {
  std::string name;
  std::string group;
  std::string array;
  uint64_t busy_cycles = 0;
  uint64_t tiles = 0;  // tile operations (folds of a systolic group)
  ActionCounts actions;
  std::optional<double> energy_pj;  // its PE actions (buffers and DRAM are per level)
};

// A unit (array or DRAM channel) in one group: when it worked, from the start of the group.
struct GroupUnitReport {
  std::string name;
  bool dram = false;
  uint64_t busy_cycles = 0;
  uint64_t first_start = 0;
  uint64_t last_end = 0;
};

struct GroupReport {
  std::string name;
  std::string kind;  // fused | systolic
  std::string mapping;  // Mapping::describe's line: Einsums, loops per level, buffer or dataflow
  uint64_t cycles = 0;
  uint64_t steps = 0;
  uint64_t simulated_steps = 0;
  bool extrapolated = false;
  std::vector<GroupUnitReport> units;  // those that worked
  // A systolic group: its array, its GEMM's folds (one batch element) and the batch.
  std::string array;
  std::optional<SystolicTiming> systolic;
  uint64_t batch = 1;
};

// An intermediate one group writes to DRAM and later groups read back (FLAT's spilled scores
// and exponentials, a projection's output read by the attention): exact bytes.
struct SpillReport {
  std::string tensor;
  std::string from_group;
  std::vector<std::string> to_groups;
  uint64_t written_bytes = 0;
  uint64_t read_bytes = 0;
};

struct SimulationReport {
  std::string workload;
  std::string architecture;
  std::string mapping;
  std::string fidelity = "cycle";
  uint64_t cycles = 0;
  double seconds = 0;
  std::vector<ArrayReport> arrays;
  std::vector<LevelReport> levels;  // DRAM first
  uint64_t dram_read_bytes = 0;
  uint64_t dram_write_bytes = 0;
  std::vector<GroupReport> groups;
  std::vector<EinsumReport> einsums;  // in mapping order
  std::vector<SpillReport> spills;  // in the order of their producing Einsums
  std::string technology;  // "horowitz45 at 45 nm"
  std::optional<double> energy_pj;   // total of the components that could be costed
  bool costs_complete = false;       // every component was costed (else `notes` say what is missing)
  std::optional<double> area_um2;
  std::vector<std::string> notes;
};

}  // namespace einsim
