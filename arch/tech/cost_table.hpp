#pragma once
// CostTable: energy per action and area of each PE kind, and energy and area
// of storage, from one technology table scaled to one technology node.
//
// A PE kind the table lists as a whole unit (`class: pe`) uses the published
// numbers directly; otherwise its cost is built from the table's primitives
// with explicit width scaling (see docs/energy_area.md for every formula):
//   integer adder ~ bits, integer multiplier ~ bits^2, register ~ bits,
//   shifter ~ bits * log2(bits), comparator ~ bits;
//   float multiplier core = int multiplier of (mantissa+1) bits + exponent adder;
//   float adder = exponent difference + aligner shifter + significand adder
//                 + normalizer shifter + rounding incrementer;
//   MAC = multiplier + accumulator adder + accumulator register;
//   L-Mul = integer adder of (exponent + mantissa) bits + accumulator;
//   MixPE = one significand shift-add per weight bit-plane + accumulator,
//           with a dequantization unit (fp32 multiply + add) per group;
//   vector lane = add/sub, mul, div, max and exp units.
// Every derived number is flagged, so `einsim pe` can show which are direct.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/pe/pe_kind.hpp"
#include "arch/tech/technology_table.hpp"

namespace einsim {

// Energy of one action and area of one unit; area is empty when the table gives none.
struct UnitCost {
  double energy_pj = 0;
  std::optional<double> area_um2 = 0.0;
  bool derived = false;  // some part of it was scaled or composed, not read as published

  UnitCost& operator+=(const UnitCost& o);
  UnitCost operator*(double k) const;  // k copies (energy and area)
};
UnitCost operator+(UnitCost a, const UnitCost& b);

// The cost of one PE kind.
struct PeCost {
  std::string kind;
  std::optional<double> area_um2;
  bool area_derived = false;
  std::map<PeAction, double> energy_pj;  // one entry per action the kind performs
  std::map<PeAction, bool> energy_derived;
  bool any_derived() const;
};

// Energy per access and area of one storage array.
struct StorageCost {
  double read_pj = 0;
  double write_pj = 0;
  std::optional<double> area_um2;
  bool derived = false;
};

// Quantization group size over which MixPE's dequantization is amortized when
// an energy per MAC-equivalent is quoted (a common LLM weight-quantization group).
inline constexpr int kDefaultDequantGroup = 128;

class CostTable {
 public:
  // Throws Error when node_nm lies outside the scaling range.
  CostTable(TechnologyTable table, double node_nm);

  const TechnologyTable& table() const { return table_; }
  double node_nm() const { return node_nm_; }
  double energy_factor() const { return energy_factor_; }
  double area_factor() const { return area_factor_; }

  // The cost of a PE kind at this node. Throws Error when the table can
  // neither give it directly nor derive it (naming what is missing).
  PeCost pe_cost(const PeKind& kind) const;
  PeCost pe_cost(const std::string& kind_name) const;
  // Energy of one multiply-accumulate-equivalent (a MixPE product includes
  // one dequantization / group_size).
  double energy_per_mac(const PeKind& kind, int group_size = kDefaultDequantGroup) const;

  // Primitives and composite units at this node (see the header comment).
  UnitCost int_adder(int bits) const;
  UnitCost int_multiplier(int bits) const;
  UnitCost register_bits(int bits) const;
  UnitCost shifter(int bits) const;
  UnitCost comparator(int bits) const;
  UnitCost fp_multiplier_core(NumberFormat a, NumberFormat b) const;
  UnitCost fp_accumulator_adder(NumberFormat acc) const;
  UnitCost fp_adder(NumberFormat f) const;
  UnitCost fp_multiplier(NumberFormat f) const;
  UnitCost divider(NumberFormat f) const;
  UnitCost exp_unit(NumberFormat f) const;
  // MixPE's dequantization unit (fp32 scale multiply + zero-point add). It is
  // shared by the PEs of a row or column, so a MixPE kind's area excludes it.
  UnitCost dequant_unit() const;

  // SRAM of `capacity_bytes` in `banks` banks, accessed `width_bits` at a time,
  // fitted to the table's SRAM points (see storage_cost in docs/energy_area.md).
  StorageCost storage_cost(double capacity_bytes, int width_bits, int banks) const;
  // A register file of `capacity_bytes` accessed `width_bits` at a time (one per PE;
  // docs/energy_area.md): from the table's `regfile` rows when it has any (energy per bit
  // ~ sqrt(capacity) through them, linear in the width; area ~ capacity); else built from
  // its 1-bit `register` rows (a read or write of w bits = w register accesses; area =
  // capacity bits x one register); else the SRAM fit extrapolated down to the register
  // file's size. Throws Error when the table has none of these.
  StorageCost regfile_cost(double capacity_bytes, int width_bits) const;
  // DRAM energy per bit (pJ), from the table's DRAM entry; not node-scaled.
  double dram_energy_per_bit() const;

 private:
  UnitCost scaled_primitive(ComponentClass cls, int bits, double (*law)(double)) const;
  UnitCost at_node(double energy_pj, std::optional<double> area_um2, bool derived) const;
  const TechComponent* exact(ComponentClass cls, NumberFormat f) const;
  PeCost composite_cost(const PeKind& kind) const;

  TechnologyTable table_;
  double node_nm_;
  double energy_factor_;
  double area_factor_;
};

// Storage cost with an explicit node (same as CostTable(table, node).storage_cost(...)).
StorageCost storage_cost(const TechnologyTable& table, double capacity_bytes, int width_bits, int banks,
                         double node_nm);

// Finds a table by bundled name or path (relative paths are tried beside
// `referring_file` first), loads it and scales it to node_nm. For the
// architecture parser: `technology: {table: horowitz45, node_nm: 16}`.
CostTable resolve_technology(const std::string& table_name_or_path, double node_nm,
                             const std::string& referring_file = "");
// The same, shared rather than copied: costed once per (file, node) and process while the
// file keeps its size and modification time.
std::shared_ptr<const CostTable> resolve_technology_shared(const std::string& table_name_or_path, double node_nm,
                                                           const std::string& referring_file = "");

}  // namespace einsim
