#pragma once
// The space of mappings `einsim map` searches for one cascade on one architecture.
//
// Every preset that fits the cascade (ws, os, is, flat, fusemax) is a *base*; a base's
// *knobs* change its groups one way each: a systolic group's dataflow (which ranks go to
// the array's rows and columns), a fused group's loop order, the tile of each loop (the
// DRAM's tiles), a block of the buffer's (loops inside it move to the buffer level, as in
// mappings/library/fusemax_buffer_tiles.yaml), slots (double buffering), the array and
// rows/columns each Einsum is placed on (2D or 1D), the register file's loop, and where a
// fused group is cut in two (the tensors crossing the cut spill through DRAM). A point
// is a base and one option per knob; option 0 of every knob is the base's own choice,
// so the all-zero point of a base is its preset.
//
// Tile options are pruned for dominance: a tile that leaves part of the array's
// dimension idle is dominated by the largest such tile (fewer steps, the same PEs
// busy), so only that one is kept below the dimension; above it only tiles that are
// whole multiples of the dimension are kept.
//
// Building a point checks it (validate_mapping) and a lower bound of its buffer use,
// so an illegal point costs microseconds, not an evaluation.

#include <cstdint>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

struct MapPoint {
  int base = 0;
  std::vector<int> options;  // one per knob of the base
  bool operator==(const MapPoint& o) const { return base == o.base && options == o.options; }
};

// One decision of a base: what it changes and the labels of its options (option 0: the base's).
struct Knob {
  enum class Kind { dataflow, order, tile, block, slots, place, regfile, split };
  Kind kind = Kind::tile;
  int group = 0;      // the base's group it changes
  int index = 0;      // tile/block: the loop; place: the Einsum's position in the group
  std::string name;   // "attention: tile of P"
  std::vector<std::string> labels;
  // Values of the options: tiles, block factors, slots, permutation or placement indices.
  std::vector<int64_t> values;
  std::vector<std::vector<int>> orders;            // order: loop permutations
  std::vector<EinsumPlacement> placements;         // place: the alternatives
};

class MapSpace {
 public:
  // Throws Error naming why when no preset fits (a workload no array can run).
  MapSpace(const EinsumCascade& cascade, const ArchSpec& arch);

  int bases() const { return static_cast<int>(bases_.size()); }
  const std::string& base_name(int b) const { return bases_[b].name; }
  const std::vector<Knob>& knobs(int b) const { return bases_[b].knobs; }
  // Points of base b, and of the whole space (saturating at 2^62).
  uint64_t size(int b) const;
  uint64_t size() const;
  // The i-th point of the space in enumeration order (bases in order, the last knob fastest).
  MapPoint point_at(uint64_t i) const;

  // The mapping of a point; throws Error when it is illegal (validate_mapping, buffer too small).
  Mapping build(const MapPoint& p) const;

  const EinsumCascade& cascade() const { return cascade_; }
  const ArchSpec& arch() const { return arch_; }

 private:
  struct Base {
    std::string name;
    Mapping mapping;
    std::vector<Knob> knobs;
  };
  void add_knobs(Base& b) const;
  const EinsumCascade& cascade_;
  const ArchSpec& arch_;
  std::vector<Base> bases_;
};

// A lower bound of the bytes a fused group's buffer holds in one step: one copy of the tile of
// every tensor the group reads from DRAM, counting only ranks a tensor is indexed by directly.
int64_t buffer_lower_bound(const EinsumCascade& cascade, const MappingGroup& g);

}  // namespace einsim
