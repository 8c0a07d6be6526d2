#pragma once
// A mapping: how a cascade's Einsums are placed on an architecture's arrays
// and scheduled in time. Einsums are organised in groups, run one group after
// another:
//   - a fused group streams tiles of its Einsums through one on-chip buffer:
//     its loops (outer to inner) step through the tiles (the DRAM's loops bring
//     the buffer's tiles, the buffer's loops cut those into the arrays' sub-tiles,
//     see GroupLoop); at each step every
//     Einsum of the group computes its tile on its array, and Einsums that do
//     not iterate the innermost loop run once per iteration of the loops they
//     do iterate (FuseMax's 2D/1D interleaving, FLAT's row-granularity fusion);
//   - a systolic group runs one GEMM-like Einsum on a 2D array with a
//     weight-, output- or input-stationary dataflow, in SCALE-Sim's folds.
// A tensor one group computes and a later group reads goes through DRAM
// (FLAT's spill of its intermediates at long sequences is such a split).
// Plain structs; `load_mapping` reads a `mapping:` YAML document and
// `preset_mapping` builds the mappings behind `--dataflow`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arch/pe/pe_traits.hpp"
#include "arch/spec/arch_spec.hpp"
#include "mappings/dataflow.hpp"
#include "sim/core/yaml_source.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

// Where one Einsum of a fused group runs and which of its ranks the array spreads in space.
struct EinsumPlacement {
  int einsum = -1;
  std::string array;
  std::vector<int> rows;  // ranks over the rows of a 2D array
  std::vector<int> cols;  // ranks over the columns of a 2D array, or the lanes of a 1D array
};

// One loop of a fused group: one coordinate of `rank` per iteration, or, with a
// tile, size / tile iterations each covering `tile` coordinates. Loops belong to a
// storage level, as in Timeloop: the DRAM's loops (the outer ones, the default)
// step through the tiles the group's buffer holds; the buffer's loops (inside
// them) step through sub-tiles of those, one per step of the arrays. A rank looped
// at both levels is cut twice: the buffer's loop runs dram tile / tile iterations.
struct GroupLoop {
  GroupLoop() = default;
  GroupLoop(int rank_, int64_t tile_, bool in_buffer_ = false) : rank(rank_), tile(tile_), in_buffer(in_buffer_) {}
  int rank = -1;
  int64_t tile = 0;
  bool in_buffer = false;  // a loop of the group's buffer (else of the DRAM)
  SourceLocation location;  // in a mapping file
};

enum class GroupKind { fused, systolic };

struct MappingGroup {
  std::string name;
  GroupKind kind = GroupKind::fused;
  std::vector<int> einsums;  // in topological order
  // fused
  std::vector<GroupLoop> loops;  // outer to inner
  int64_t slots = 2;             // buffer slots per streamed input tile (2: double buffering)
  SourceLocation slots_location;  // its `slots:` in a mapping file (empty when not given)
  std::string buffer;            // the storage level holding the group's tiles
  std::vector<EinsumPlacement> placements;  // one per Einsum, same order as `einsums`
  // The loops of the PEs' register file (`level: RF`): the order, outer to inner, in which each PE
  // steps through the ranks an Einsum iterates in time within a step; with a tile, the register file
  // holds `tile` coordinates of the rank and the PE steps through the tiles in this order. Empty: the
  // PEs order their points for full reuse (see pe_reuse).
  std::vector<GroupLoop> pe_order;
  std::string pe_level;  // the register file's name, when pe_order is given
  // systolic
  Dataflow dataflow = Dataflow::weight_stationary;
  std::string array;
  int epilogue = -1;  // an Einsum the PEs apply to the GEMM's finished groups (see systolic_epilogue), or -1
  SourceLocation location;
};

struct Mapping {
  std::string name;
  std::string source;  // the preset's name or the file
  std::vector<MappingGroup> groups;
  std::vector<std::string> notes;  // what a preset chose that the report should say (FLAT spilling to DRAM)
  SourceLocation location;  // the `groups:` list in a mapping file (empty for a preset)

  // "fused group 'attention' (12 Einsums, loops B H P/256 M1)" lines, for reports.
  std::vector<std::string> describe(const EinsumCascade& cascade) const;
};

// Reads a `mapping:` document against a cascade and an architecture; checks it.
Mapping load_mapping(const YamlDocument& doc, const EinsumCascade& cascade, const ArchSpec& arch);

// Checks a `mapping:` document on its own (keys, types, dataflows, tiles), without a
// workload or architecture to resolve its names against; returns a one-line summary.
std::string check_mapping_document(const YamlDocument& doc);

// The dataflow presets: "ws", "os", "is" (GEMM-like Einsums on the first 2D
// array, SCALE-Sim's folds), "flat" and "fusemax" (attention, see
// docs/mapping_yaml.md; "flat" spills to DRAM, one group per pass over the keys,
// when not even one query row fits the buffer, and says so in `notes`). Throws
// Error when the preset does not fit the cascade.
Mapping preset_mapping(std::string_view dataflow, const EinsumCascade& cascade, const ArchSpec& arch);

// The names --dataflow accepts.
const std::vector<std::string>& preset_names();

// Checks a mapping: every Einsum placed exactly once in dependency order (no group
// reads a later group's result), known arrays and levels, a rank on one array
// dimension at most, loops that divide their ranks, operators the array's PEs
// have, no loop over a rank the group's Einsums pass over more than once, loops
// over reduced ranks inside the loops over the output's ranks (or a DRAM loop inside
// the DRAM's loops over them, for an output whose buffer tile leaves the group), a recurrence's
// loop inside the loops over its state's other ranks, the DRAM's loops outside
// the buffer's, a rank looped at most once per level and a buffer's tile that
// divides the DRAM's. Throws Error
// (SpecError at the mapping's YAML when known).
void validate_mapping(const Mapping& mapping, const EinsumCascade& cascade, const ArchSpec& arch);

// A GEMM-like Einsum: out = in0 x in1 summed over the reduced ranks. Its ranks
// fall into batch (in both inputs and the output), M (output and in0), N
// (output and in1) and K (reduced).
struct GemmView {
  std::vector<int> batch, m, n, k;
  int64_t batch_size = 1, m_size = 1, n_size = 1, k_size = 1;
};
// nullopt-like: returns false if the Einsum is not GEMM-like.
bool as_gemm(const EinsumCascade& cascade, const Einsum& e, GemmView& out);

// An epilogue of a systolic GEMM: an Einsum the PEs apply to the GEMM's results as
// they finish, MixPE's dequantization once per group (Out[m,n] = PS[m,k1,n] x
// S[k1,n] summed over k1, after PS sums a group of K0 shift-and-adds). It reads
// the GEMM's output, which nothing else reads, and operands indexed by some of its
// ranks; it iterates exactly the output's ranks and reduces only ranks of the
// GEMM's batch, which then join the GEMM's reduction: the pair runs as one GEMM
// over K x (the reduced batch), each PE scaling a group's partial sum as the group
// completes. Returns the reason `e` is not one, or "" when it is.
std::string epilogue_mismatch(const EinsumCascade& cascade, int gemm, int e);

// The GEMM a systolic group runs: its Einsum's, or with an epilogue the merged one
// (K times the ranks the epilogue reduces, the batch without them). `groups` gets
// the size of that merged part of K (1 without an epilogue).
GemmView systolic_gemm_view(const EinsumCascade& cascade, const MappingGroup& g, int64_t* groups = nullptr);

// The loop of fused group g over rank r (r itself or a part of it): the outermost, or the innermost
// with `last`; only the DRAM's loops with `dram_only`. -1 when none.
int group_loop_of(const EinsumCascade& cascade, const MappingGroup& g, int r, bool last, bool dram_only = false);

// Whether an epilogue's groups fit the folds of `array` (ws and is lay K over its rows, so a group
// of K must be a whole number of row folds): "" when they do, else why not.
std::string epilogue_fold_mismatch(const EinsumCascade& cascade, const MappingGroup& g, const ComputeArray& array);

// Coordinates of rank r one step of fused group g covers: the tile of the innermost loop over it,
// one coordinate for a loop without a tile, the product of its parts' for a partitioned rank whose
// part is looped, else the whole rank. With `dram_only` the same over the DRAM's loops alone: one
// tile of the group's buffer.
int64_t step_extent(const EinsumCascade& cascade, const MappingGroup& g, int r, bool dram_only = false);

// How the PEs of a fused group use one access (an operand or the result) of one of its Einsums
// within a step, given the group's register-file loops (pe_order). A PE steps through the ranks the
// Einsum iterates in time (those not spread over the array): first those pe_order does not list,
// in the Einsum's order, then pe_order's, each by tiles of its `tile` (one coordinate without);
// inside all of them it runs the coordinates of those tiles, which its register file holds. The
// access's register-file tile stays while the loops inside the innermost tile loop over one of its
// ranks run; it is fetched again whenever a tile loop outside that one moves on, over a rank the
// access does not have.
//   refetch: how many times each value of the step's tile crosses between the buffer and the PEs
//            (for a result: partial sums written back, and read back refetch - 1 times);
//   reuse:   the points a PE computes per value it takes into its register file;
//   held:    the values of the access the register file holds at once (a sliding window of
//            s * (tile - 1) + d * (R - 1) + 1 for a dimension at an affine index s*p + d*r).
// Without register-file loops all are 1: the buffer counts each value once per step, the register
// file one write per operand and point (docs/mapping_yaml.md, "Register files").
struct PeReuse {
  int64_t refetch = 1;
  int64_t reuse = 1;
  int64_t held = 1;
};
PeReuse pe_reuse(const EinsumCascade& cascade, const MappingGroup& g, const EinsumPlacement& placement,
                 const Access& access);

// Whether `e` multiplies (or shift-adds) two operands into a sum: one MAC per point.
bool is_multiply_accumulate(const Einsum& e);

// The PE operator an Einsum's map operator is (the vocabulary of arch/pe/pe_traits.hpp).
PeOp pe_op(Op op);

// Cycles one PE of `kind` spends per iteration point of `e`: the sum over its map operators of
// their cycles in the PE family's traits (arch/pe/pe_traits.hpp: FuseMax's costs, a
// multiply-accumulate 1, add/sub/max/min 1, exp kExpTaylorSteps as a Taylor series, div 1 on a
// vector lane), plus 1 for the reduce step of an Einsum that is not a multiply-accumulate; throws
// Error naming the operator the PE lacks. With `dedicated_exp` (a vector array's
// `exp_unit: dedicated`) exp costs 1.
int64_t cycles_per_point(const Einsum& e, const PeKind& kind, bool dedicated_exp = false);

}  // namespace einsim
