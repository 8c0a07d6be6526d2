#pragma once
// How many passes a cascade makes over each rank (the 1-/2-/3-pass taxonomy
// of FuseMax, MICRO 2024), and the tensors that must stay live between passes.
//
// For a rank R with parts P(R) ({M} or {M1, M0}), an Einsum traverses R
// fully (its iteration space holds M or all parts), partially (some parts)
// or not. Each tensor has an availability (k, mode): streaming during pass k,
// or complete after pass k; inputs are (0, after). For Einsum e with inputs t,
// need(t) = k_t when streaming, k_t + 1 when after (reads at a fixed
// coordinate such as `M1` count as after; loop-carried reads are ignored):
//   - full: e runs in pass max(1, max need);
//   - partial: e runs in pass s if some input streams and no input needs a
//     pass later than the latest streaming one s; otherwise e runs between
//     passes, at level max k_t;
//   - not: e runs between passes at level max k_t.
// Output of e: streaming in its pass if e ran in a pass and keeps a part of
// R; (pass, after) if e ran in a pass and reduced R away; (level, after)
// between passes. passes(R) = max pass over the Einsums that fully traverse R.
//
// A tensor is live between passes (for R) when it is produced in pass k (or
// between passes at level k >= 1) and read by an Einsum running in a pass
// after k. (Tensors made before the first pass are as available as inputs.)
// Times below: 2k for pass k, 2k+1 for between passes at level k. Its live size counts every dimension except those all
// later readers read at a fixed coordinate (the final value of a recurrence).

#include <cstdint>
#include <vector>

#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

enum class Traversal : uint8_t { none, partial, full };

// Where one Einsum runs with respect to one rank.
struct EinsumPass {
  int einsum = -1;
  Traversal traversal = Traversal::none;
  bool in_pass = false;  // true: during pass `pass`; false: between passes, after pass `pass`
  int pass = 0;
};

// An intermediate tensor held from one pass to a later one.
struct LiveTensor {
  int tensor = -1;
  int64_t elements = 0;  // of the live part
  int64_t bytes = 0;
  bool grows_with_rank = false;  // its live part spans R or one of R's parts
  int produced = 0;              // time produced (2k in pass k, 2k+1 between)
  int last_read = 0;             // time of the last reader
};

// The passes over one rank.
struct RankPasses {
  int rank = -1;
  int passes = 0;
  std::vector<EinsumPass> einsums;  // in topological order
  std::vector<LiveTensor> live;     // in tensor order
};

// One entry per rank that is not itself a part of a partition, in declaration order.
std::vector<RankPasses> analyze_passes(const EinsumCascade& cascade, const CascadeGraph& graph);

// The passes the Einsums of `subset` make on their own (a mapping group), when every tensor
// they read from an Einsum outside the subset is complete beforehand, as an input is (it
// comes from DRAM, written by an earlier group). Only the subset's Einsums are listed.
std::vector<RankPasses> analyze_passes(const EinsumCascade& cascade, const CascadeGraph& graph,
                                       const std::vector<int>& subset);

}  // namespace einsim
