// Groups and footprints the --dataflow presets share.
#include "mappings/preset_common.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/pass_analysis.hpp"

namespace einsim {
using namespace mapping_detail;
using namespace preset_detail;

namespace preset_detail {

MappingGroup systolic_group(const EinsumCascade& c, int e, Dataflow d, const ComputeArray& a) {
  MappingGroup g;
  g.name = c.einsums[e].name;
  g.kind = GroupKind::systolic;
  g.einsums = {e};
  g.dataflow = d;
  g.array = a.name;
  return g;
}

// A fused group of one Einsum on one array: loops over all its ranks but the
// innermost output rank, which goes to the array's columns/lanes.
MappingGroup single_group(const EinsumCascade& c, int e, const ComputeArray& a, const std::string& buffer) {
  const Einsum& ein = c.einsums[e];
  MappingGroup g;
  g.name = ein.name;
  g.einsums = {e};
  g.buffer = buffer;
  EinsumPlacement p;
  p.einsum = e;
  p.array = a.name;
  std::vector<int> out_ranks;
  for (int r : ein.iteration_ranks)
    if (!contains(ein.reduced_ranks, r)) out_ranks.push_back(r);
  if (!out_ranks.empty()) {
    p.cols = {out_ranks.back()};
    for (size_t i = 0; i + 1 < out_ranks.size(); ++i) g.loops.push_back({out_ranks[i], 0});
  }
  g.placements = {p};
  return g;
}

bool supports(const Einsum& e, const PeKind& kind) {
  try {
    cycles_per_point(e, kind);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Bytes one step of a fused group of `einsums` holds: every tensor they touch, `extent(rank)`
// coordinates per rank; tensors from outside the group (loaded from DRAM) in two copies.
int64_t step_footprint(const EinsumCascade& c, const std::vector<int>& einsums,
                       const std::function<int64_t(int)>& extent) {
  std::vector<int> seen;
  int64_t bytes = 0;
  for (int e : einsums) {
    std::vector<int> ts = {c.einsums[e].output.tensor};
    for (const auto& in : c.einsums[e].inputs) ts.push_back(in.tensor);
    for (int t : ts) {
      if (contains(seen, t)) continue;
      seen.push_back(t);
      int64_t elems = 1;
      for (int r : c.tensors[t].ranks) elems = checked_mul(elems, extent(r), "a tile");
      const int prod = c.tensors[t].producer;
      const int64_t copies = prod >= 0 && contains(einsums, prod) ? 1 : 2;
      bytes = checked_add(bytes, copies * ((elems * format_bits(c.tensors[t].format) + 7) / 8), "a tile");
    }
  }
  return bytes;
}

// The largest divisor of n that is at most `limit` (at least 1).
int64_t divisor_at_most(int64_t n, int64_t limit) {
  int64_t d = std::max<int64_t>(1, std::min(n, limit));
  while (d > 1 && n % d != 0) --d;
  return d;
}

}  // namespace preset_detail

}  // namespace einsim
