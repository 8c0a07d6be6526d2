#pragma once
// What the --dataflow presets share (not part of the mappings/ interface): the
// groups they build, the attention ranks, and one function per preset family.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/mapping.hpp"
#include "mappings/mapping_util.hpp"

namespace einsim::preset_detail {

// A systolic group running Einsum e on array a with dataflow d.
MappingGroup systolic_group(const EinsumCascade& c, int e, Dataflow d, const ComputeArray& a);

// A fused group of one Einsum on one array: loops over all its ranks but the
// innermost output rank, which goes to the array's columns/lanes.
MappingGroup single_group(const EinsumCascade& c, int e, const ComputeArray& a, const std::string& buffer);

// Whether the PEs of `kind` run every operator of e.
bool supports(const Einsum& e, const PeKind& kind);

// The ranks of an attention cascade the FLAT and FuseMax presets use (-1: absent).
struct AttentionRanks {
  int b = -1, h = -1, p = -1, m = -1, m1 = -1, m0 = -1;
  int key = -1;  // the rank of keys a step spreads in space: M0 when M is partitioned, else M
};

// Where FLAT or FuseMax runs one Einsum of the attention core.
EinsumPlacement attention_placement(const EinsumCascade& c, const ArchSpec& arch, std::string_view dataflow, int e,
                                    const AttentionRanks& ar, const ComputeArray& a2, const ComputeArray& a1);

// Bytes one step of a fused group of `einsums` holds: every tensor they touch, `extent(rank)`
// coordinates per rank; tensors from outside the group (loaded from DRAM) in two copies.
int64_t step_footprint(const EinsumCascade& c, const std::vector<int>& einsums,
                       const std::function<int64_t(int)>& extent);

// The largest divisor of n that is at most `limit` (at least 1).
int64_t divisor_at_most(int64_t n, int64_t limit);

// FLAT when not even one query row against all keys fits the buffer: the key rank is tiled as
// well, and since one loop streams the keys once, the attention core is cut at its passes over
// the keys (the 3-pass softmax: QK and its max | exponentials and their sum | normalization and
// AV). Each pass is a fused group looping B, H, P/t and the key tiles; an Einsum between passes
// that spans key tiles (a 2-pass cascade's corrections over M1) gets a group of its own with all
// key tiles in its step; one between passes that spans no key rank runs at the end of its pass.
// Intermediates read by a later group (the scores QK, the exponentials SN, the max and the sum)
// go through DRAM: written by their group, read back by the next. Tiles: t queries (at most the
// 2D array's columns) by k keys (at most its rows; M0 when M is partitioned), shrunk until every
// group's step fits the buffer. Adds a note saying what spills.
std::vector<MappingGroup> flat_spill_groups(const EinsumCascade& c, const ArchSpec& arch, const AttentionRanks& ar,
                                            const std::vector<int>& core, const std::string& buffer,
                                            const ComputeArray& a2, const ComputeArray& a1, int64_t row_bytes,
                                            std::vector<std::string>& notes);

// The ws, os and is presets (SCALE-Sim's folds on the first 2D array).
Mapping systolic_preset(std::string_view dataflow, Dataflow d, const EinsumCascade& c, const ArchSpec& arch);

// The flat and fusemax presets (attention cascades on a 2D and a 1D array).
Mapping attention_preset(std::string_view dataflow, const EinsumCascade& c, const ArchSpec& arch);

}  // namespace einsim::preset_detail
