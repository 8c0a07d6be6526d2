#pragma once
// The cost of a design without simulating it: area per component and in total from the
// architecture and its technology table alone, and energy from what an engine counted
// (PE actions per array and per Einsum, bytes per storage level, register-file traffic).
// Every fidelity and the sweeps' iso-area sizing use this one model.
//
//   area   = sum over arrays of PEs x area of one PE
//          + sum over on-chip buffers of the SRAM's area (storage_cost)
//          + sum over register files of PEs holding one x the register file's area
//   energy = sum over arrays and actions of count x energy per action
//          + sum over levels of bytes / access width x energy per access (DRAM: per bit)
//
// What the technology table cannot cost comes from the architecture's fallback table, else
// it is left out; `notes` say which, and `complete` is false when anything was left out.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/pe/action_counts.hpp"
#include "arch/pe/pe_traits.hpp"
#include "arch/spec/arch_spec.hpp"
#include "arch/tech/cost_table.hpp"

namespace einsim {


// Element reads and writes of one width in a register file, summed over its PEs.
struct RegfileUse {
  int64_t bits = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
};

// What a run did, as the cost model needs it. Empty vectors count as no activity.
struct DesignActivity {
  struct Einsum {
    size_t array = 0;  // index into ArchSpec::arrays
    ActionCounts actions;
  };
  struct Level {
    uint64_t read_bytes = 0;
    uint64_t write_bytes = 0;
    std::vector<RegfileUse> regfile;  // register files only
  };
  std::vector<ActionCounts> arrays;  // per ArchSpec::arrays
  std::vector<Einsum> einsums;
  std::vector<Level> levels;  // per ArchSpec::storage
};

struct ComponentCost {
  std::optional<double> energy_pj;
  std::optional<double> read_energy_pj;  // storage levels: the reads' share of energy_pj
  std::optional<double> area_um2;
  std::array<double, kPeActionCount> action_energy_pj{};  // arrays: energy of one action (0: not costed)
};

struct DesignCost {
  std::string technology;  // "horowitz45 at 45 nm"; empty when the table could not be read
  std::vector<ComponentCost> arrays;  // per ArchSpec::arrays
  std::vector<ComponentCost> levels;  // per ArchSpec::storage
  std::vector<std::optional<double>> einsum_energy_pj;  // per DesignActivity::einsums (PE actions)
  std::optional<double> energy_pj;  // total of what could be costed; empty without a table
  std::optional<double> area_um2;
  bool complete = false;
  std::vector<std::string> notes;
};

// The tables an architecture is costed with: its technology table and its fallback, found
// and read once, so repeated evaluations of one architecture (a mapping search, a
// benchmark) do not look for the files again. `table` is empty when it cannot be read
// (`notes` says why); `fallback` when there is none or it cannot be read.
struct CostTables {
  std::shared_ptr<const CostTable> table, fallback;
  std::string technology;  // as DesignCost::technology
  std::vector<std::string> notes;
  // What they were resolved for (the architecture's file, tables and node).
  std::string file, table_name, fallback_name;
  double node_nm = 0;
  bool resolved_for(const ArchSpec& arch) const;
};

CostTables resolve_cost_tables(const ArchSpec& arch);

// Energy and area of `arch` doing `activity`.
DesignCost design_cost(const ArchSpec& arch, const DesignActivity& activity);
// The same with its tables resolved before (resolve_cost_tables(arch)).
DesignCost design_cost(const ArchSpec& arch, const CostTables& tables, const DesignActivity& activity);

// Area only (energy of no activity): what iso-area sizing reads. Fast enough to call
// thousands of times (it reads the technology table once per call).
DesignCost design_area(const ArchSpec& arch);

}  // namespace einsim
