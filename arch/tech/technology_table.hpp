#pragma once
// Technology tables: the published energy and area numbers of one source at
// one technology node, read from a YAML file whose top-level key is
// `technology:`. A table holds primitives (adders, multipliers, registers,
// shifters, ...), whole units (a PE kind's published cost) and storage points
// (SRAM, DRAM). arch/tech/cost_table.hpp turns them into PE and storage costs.
//
// File layout (every number carries its source in a comment):
//   technology:
//     name: horowitz45
//     node_nm: 45
//     source: "M. Horowitz, Computing's energy problem, ISSCC 2014"
//     components:
//       - {class: int_adder, bits: 8, energy_pj: 0.03, area_um2: 36}
//       - {class: fp_multiplier, format: fp16, energy_pj: 1.1, area_um2: 1640}
//       - {class: pe, kind: mac_fp16, energy_pj: {mac: 17.16}, area_um2: 1545}
//       - {class: sram, capacity: 8 KiB, width_bits: 64, read_pj: 10}
//       - {class: dram, width_bits: 64, energy_pj: 1950, derived: true}

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/pe/pe_kind.hpp"
#include "sim/core/number_format.hpp"
#include "sim/core/yaml_source.hpp"

namespace einsim {

// The kinds of component a table may list.
enum class ComponentClass {
  int_adder,       // integer adder of `bits`; cost ~ bits
  int_multiplier,  // integer multiplier of `bits` x `bits`; cost ~ bits^2
  register_bits,   // flip-flops, `bits` wide (usually 1); cost ~ bits       (YAML: register)
  shifter,         // barrel shifter of `bits`; cost ~ bits * log2(bits)
  comparator,      // comparator (max/min) of `bits`; cost ~ bits
  fp_adder,        // standalone floating-point adder of `format`
  fp_multiplier,   // standalone floating-point multiplier of `format`
  divider,         // divider of `format` (or `bits`)
  exp_unit,        // exponential unit of `format`                          (YAML: exp)
  pe,              // a whole PE kind with its published cost
  sram,            // an SRAM macro: capacity, width, banks, read/write energy per access, area
  regfile,         // a register file: same fields as sram (kept apart from the SRAM fit)
  dram,            // DRAM: energy per access of `width_bits`
};

std::string_view component_class_name(ComponentClass c);

// One row of a technology table. Unused fields stay empty.
struct TechComponent {
  ComponentClass cls;
  std::string yaml_path;               // for messages, e.g. "technology.components[3]"
  int bits = 0;                        // width (int_adder, int_multiplier, register, shifter, comparator, divider)
  std::optional<NumberFormat> format;  // fp_adder, fp_multiplier, divider, exp
  std::string kind;                    // pe: the PE kind name
  std::optional<double> energy_pj;     // per action (per access for dram)
  std::optional<double> area_um2;
  bool derived = false;  // the YAML number was derived (formula in the file's comment)
  // pe only: energy per action, and whether each number was derived (`derived_energy_pj:` or `derived: true`).
  std::map<PeAction, double> action_energy_pj;
  std::map<PeAction, bool> action_derived;
  // sram / regfile / dram
  double capacity_bytes = 0;
  int width_bits = 0;
  int banks = 1;
  std::optional<double> read_pj, write_pj;
};

// A parsed technology table.
struct TechnologyTable {
  std::string name;
  std::string file;  // where it was read from
  double node_nm = 0;
  std::string source;  // the publication
  std::vector<TechComponent> components;

  // All rows of one class, in file order.
  std::vector<const TechComponent*> of_class(ComponentClass c) const;
  // The `pe` row for a kind name, if the table lists that kind.
  const TechComponent* pe_entry(const std::string& kind) const;
};

// Parses the body of a `technology:` document. Errors name file:line:col and YAML path.
TechnologyTable parse_technology_table(const SpecNode& body);
// Loads and parses a file whose kind must be `technology`.
TechnologyTable load_technology_table(const std::string& file);
// As load_technology_table, parsed once per process while the file keeps its size and
// modification time: architecture loads and evaluations (sweeps, mapping search, many
// threads) share one parsed table. Failures are not remembered.
std::shared_ptr<const TechnologyTable> load_technology_table_shared(const std::string& file);

// The directory of the tables that ship with einsim.
std::string bundled_table_dir();
// Names of the bundled tables ("aladdin40", "fusemax45", ...), sorted.
std::vector<std::string> bundled_table_names();
// Finds a table by bundled name ("horowitz45") or by path. A relative path is
// tried relative to the directory of `referring_file` (when given), then as given.
// Throws Error naming the bundled tables when nothing matches.
std::string find_technology_file(const std::string& table_name_or_path, const std::string& referring_file = "");

}  // namespace einsim
