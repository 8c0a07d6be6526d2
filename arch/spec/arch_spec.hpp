#pragma once
// The architecture spec: storage levels (outermost first), compute arrays, NoC
// abilities, clock and technology, read from an `architecture:` YAML document
// (after its --set overrides) and validated. Plain structs, no SystemC; the
// engines and the cost model read these. The YAML format is described in
// docs/architecture_yaml.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arch/pe/pe_kind.hpp"
#include "sim/core/yaml_source.hpp"

namespace einsim {

enum class StorageKind { dram, sram, regfile };

std::string_view storage_kind_name(StorageKind k);
std::optional<StorageKind> parse_storage_kind(std::string_view name);

// The operand a partition of a buffer holds (SCALE-Sim's filter, ifmap and
// ofmap SRAMs; MixPE's weight, input and output buffers).
enum class OperandRole { weights, inputs, outputs };

std::string_view operand_role_name(OperandRole r);
std::optional<OperandRole> parse_operand_role(std::string_view name);

// How a DRAM's reads and writes share its bandwidth: `full` duplex gives each
// direction a channel of the stated bandwidth; `half` duplex makes them share one.
enum class DramDuplex { full, half };

std::string_view dram_duplex_name(DramDuplex d);

// A part of a storage level reserved for one operand.
struct StoragePartition {
  OperandRole role = OperandRole::weights;
  int64_t capacity_bytes = 0;
};

// One level of the memory hierarchy.
struct StorageLevel {
  std::string name;
  StorageKind kind = StorageKind::sram;
  // Bytes (per PE when per_pe); nullopt only for a DRAM without a stated size (unbounded).
  std::optional<int64_t> capacity_bytes;
  // DRAM: sustained bandwidth in bytes per second; 0 when derived from width_bits.
  // SRAM: optional cap; 0 = derived from banks x width_bits, or unconstrained.
  double bandwidth_bytes_per_s = 0;
  bool unlimited_bandwidth = false;  // `bandwidth: unlimited`: transfers take no time
  int64_t width_bits = 0;  // width of one bank's port (DRAM: the interface); 0 = not given
  int64_t banks = 1;
  int64_t read_ports = 1;
  int64_t write_ports = 1;
  int64_t latency_cycles = 0;  // DRAM: per transfer; SRAM: added to each tile's result (see lowering)
  // SRAM: holds two copies of a tile, one filling while the other is read (the default, as
  // SCALE-Sim's scratchpads); false: one, so a tile's fill waits until the last one is used.
  bool double_buffered = true;
  bool per_pe = false;                       // a copy in every PE (register files)
  std::string array;                         // per-PE levels: the array whose PEs hold it; empty = all arrays
  std::optional<double> energy_per_bit_pj;   // override of the technology table
  std::vector<StoragePartition> partitions;  // empty = one shared buffer
  DramDuplex duplex = DramDuplex::full;      // DRAM only
  SourceLocation location;                   // the level's YAML map (for errors found later)
  SourceLocation capacity_location;          // its `capacity:` value (the level's map when absent)

  // Bytes one port moves per cycle: bandwidth / clock, else banks x width_bits / 8;
  // 0 when neither is given (the level never limits the rate).
  double bytes_per_cycle(double clock_hz) const;
  // The partition for an operand; nullopt when the level is not partitioned or lacks it.
  std::optional<int64_t> partition_bytes(OperandRole role) const;
};

// A 2D PE array (rows x cols) or a 1D vector array (lanes).
struct ComputeArray {
  std::string name;
  int dimensions = 2;  // 2: rows x cols; 1: `lanes` PEs (stored as rows = 1, cols = lanes)
  int64_t rows = 1;
  int64_t cols = 1;
  PeKind pe;
  int64_t pipeline_depth = 1;       // cycles from operands in to result out of one PE
  int64_t initiation_interval = 1;  // cycles between independent operations of one PE
  // `exp_unit: dedicated` (vector lanes only): a pipelined exp unit, one exp per cycle. The
  // default `taylor`: exp as a Taylor series on the PE's multiply-add (kExpTaylorSteps cycles, arch/pe/pe_traits.hpp).
  bool dedicated_exp = false;
  SourceLocation location;  // the array's YAML map (for errors found later)

  int64_t lanes() const { return cols; }
  int64_t num_pes() const { return rows * cols; }
};

// Interconnect abilities of the arrays.
struct NocSpec {
  // One buffer read can feed many PEs in the same cycle (the default, as Timeloop's network);
  // false: a fused group's operand is read once per PE it feeds (sim/lower/lowering.hpp).
  bool multicast = true;
  bool spatial_reduction = false;  // partial sums can be added across PEs on the way out
};

// The cost table the energy/area model reads, and its technology node.
struct TechnologyRef {
  std::string table;  // a bundled table name (e.g. "horowitz45") or a path to a technology: file
  double node_nm = 0;
  // A second table for the components `table` cannot cost (e.g. a PE-only synthesis table
  // without SRAM or DRAM numbers), scaled to the same node; empty: none.
  std::string fallback;
};

// A whole accelerator.
struct ArchSpec {
  std::string name;
  std::string description;
  std::string file;  // the YAML file it came from
  TechnologyRef technology;
  double clock_hz = 0;
  std::vector<StorageLevel> storage;  // outermost (DRAM) first
  std::vector<ComputeArray> arrays;
  NocSpec noc;

  const ComputeArray* find_array(std::string_view name) const;
  const StorageLevel* find_level(std::string_view name) const;
  // Throws Error naming the known arrays / levels.
  const ComputeArray& array(std::string_view name) const;
  const StorageLevel& level(std::string_view name) const;
  // The DRAM level (validation guarantees there is exactly one, the first).
  const StorageLevel& dram() const { return storage.front(); }
  // The register file in the PEs of `array_index` (an index into `arrays`), or nullptr.
  // Validation guarantees at most one per array.
  const StorageLevel* regfile_of(size_t array_index) const;
  // How many PEs hold a copy of a per-PE level (those of its array, or of every array).
  int64_t instances(const StorageLevel& level) const;
};

// Limits on sizes, so that no input makes later stages allocate without bound.
inline constexpr int64_t kMaxArrayDimension = 65536;          // rows, cols or lanes
inline constexpr int64_t kMaxArrayPes = int64_t{1} << 24;     // PEs of one array
inline constexpr int64_t kMaxOnChipBytes = int64_t{1} << 40;  // one on-chip level (1 TiB)

// Reads and validates the body of an `architecture:` document (apply --set
// overrides to the document first). Throws SpecError naming file:line:col and
// the YAML path of the offending node.
ArchSpec load_architecture(const YamlDocument& doc);

// One line describing an architecture (for `einsim check`).
std::string describe_architecture(const ArchSpec& arch);

// "16 MiB", "512 KiB", "64 B", "1.5 KiB".
std::string format_bytes(double bytes);

}  // namespace einsim
