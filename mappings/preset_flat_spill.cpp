// The flat preset's spilling form: the attention core cut at its passes over the keys.
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

std::vector<MappingGroup> flat_spill_groups(const EinsumCascade& c, const ArchSpec& arch, const AttentionRanks& ar,
                                            const std::vector<int>& core, const std::string& buffer,
                                            const ComputeArray& a2, const ComputeArray& a1, int64_t row_bytes,
                                            std::vector<std::string>& notes) {
  const CascadeGraph graph(c);
  const std::vector<RankPasses> all = analyze_passes(c, graph, core);
  const RankPasses* rp = nullptr;
  for (const auto& x : all)
    if (x.rank == ar.m) rp = &x;
  if (!rp) throw InternalError("flat preset: no pass analysis of the key rank");
  auto over_keys = [&](int e) {
    for (int r : c.einsums[e].iteration_ranks)
      if (r == ar.m || c.ranks[r].parent == ar.m) return true;
    return false;
  };
  // Stage of each core Einsum: 2k for pass k, 2k + 1 for the group between passes k and k + 1.
  std::vector<int> stage_of(c.einsums.size(), -1);
  for (const EinsumPass& ep : rp->einsums) {
    const int e = ep.einsum;
    if (ep.in_pass) {
      stage_of[e] = 2 * ep.pass;
    } else if (over_keys(e)) {
      stage_of[e] = 2 * ep.pass + 1;
    } else {
      // Spans no key rank: at the end of its pass, unless it reads the group between passes.
      stage_of[e] = 2 * std::max(1, ep.pass);
      for (const auto& in : c.einsums[e].inputs) {
        const int prod = c.tensors[in.tensor].producer;
        if (prod >= 0 && stage_of[prod] > stage_of[e]) stage_of[e] = stage_of[prod];
      }
    }
  }
  std::vector<int> stages;
  for (int e : core)
    if (!contains(stages, stage_of[e])) stages.push_back(stage_of[e]);
  std::sort(stages.begin(), stages.end());
  auto members = [&](int stage) {
    std::vector<int> out;
    for (int e : core)
      if (stage_of[e] == stage) out.push_back(e);
    return out;
  };

  const int64_t P = c.ranks[ar.p].size, M = c.ranks[ar.m].size;
  const bool partitioned = ar.m1 >= 0;
  int64_t t = divisor_at_most(P, a2.cols);
  int64_t k = partitioned ? c.ranks[ar.m0].size : divisor_at_most(M, a2.rows);
  auto footprint = [&](int64_t tile_p, int64_t tile_k) {
    int64_t worst = 0;
    for (int stage : stages) {
      const bool key_loop = stage % 2 == 0;  // a pass loops over the key tiles; a group between passes does not
      auto extent = [&](int r) -> int64_t {
        if (r == ar.p) return tile_p;
        if (r == ar.b || r == ar.h) return 1;
        if (key_loop && (r == ar.m || r == ar.m0)) return tile_k;
        if (key_loop && r == ar.m1) return 1;
        return c.ranks[r].size;
      };
      worst = std::max(worst, step_footprint(c, members(stage), extent));
    }
    return worst;
  };
  const int64_t cap = arch.level(buffer).capacity_bytes.value_or(int64_t{1} << 40);
  while (footprint(t, k) > cap) {
    if ((t >= k || partitioned || k == 1) && t > 1) {
      t = divisor_at_most(P, t - 1);
    } else if (!partitioned && k > 1) {
      k = divisor_at_most(M, k - 1);
    } else {
      break;
    }
  }
  if (footprint(t, k) > cap) {
    throw Error(fmt::format(
        "dataflow flat: buffer {} ({} bytes) is too small even when FLAT spills to DRAM: one query row against all "
        "{} keys needs {} bytes, and with the intermediates in DRAM a step of {} x {} (queries x keys{}) still needs "
        "{} bytes with double-buffered inputs",
        buffer, cap, M, row_bytes, t, k, partitioned ? ", the key tile M0" : "", footprint(t, k)));
  }

  std::vector<MappingGroup> groups;
  for (int stage : stages) {
    MappingGroup g;
    g.name = stages.size() == 1 ? std::string("attention")
             : stage % 2 == 0   ? fmt::format("attention_pass{}", stage / 2)
                                : fmt::format("attention_after_pass{}", stage / 2);
    g.buffer = buffer;
    g.slots = default_slots(arch, buffer);
    if (ar.b >= 0) g.loops.push_back({ar.b, 0});
    if (ar.h >= 0) g.loops.push_back({ar.h, 0});
    g.loops.push_back({ar.p, t});
    if (stage % 2 == 0) g.loops.push_back(partitioned ? GroupLoop{ar.m1, 0} : GroupLoop{ar.m, k});
    for (int e : members(stage)) {
      g.einsums.push_back(e);
      g.placements.push_back(attention_placement(c, arch, "flat", e, ar, a2, a1));
    }
    groups.push_back(g);
  }
  // What spills: the intermediates one group of the core writes and a later one reads.
  std::vector<std::string> spilled;
  for (int e : core) {
    const int out = c.einsums[e].output.tensor;
    for (int reader : graph.consumers(out)) {
      if (stage_of[reader] >= 0 && stage_of[reader] != stage_of[e] &&
          std::find(spilled.begin(), spilled.end(), c.tensors[out].name) == spilled.end()) {
        spilled.push_back(c.tensors[out].name);
      }
    }
  }
  std::string list;
  for (size_t i = 0; i < spilled.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == spilled.size() ? " and " : ", ") + spilled[i];
  }
  const std::string why = fmt::format(
      "one query row against all {} keys needs {} bytes with double-buffered inputs, more than buffer {} holds ({} "
      "bytes)",
      M, row_bytes, buffer, cap);
  if (spilled.empty()) {
    notes.push_back(
        fmt::format("FLAT tiles the keys: {}; the {}-pass cascade streams tiles of {} x {} (queries x keys) "
                    "in one group, and nothing spills to DRAM",
                    why, rp->passes, t, k));
  } else {
    notes.push_back(
        fmt::format("FLAT spills to DRAM: {}; the {}-pass cascade runs as {} groups over tiles of {} x {} "
                    "(queries x keys), and {} go{} through DRAM between them",
                    why, rp->passes, groups.size(), t, k, list, spilled.size() == 1 ? "es" : ""));
  }
  return groups;
}

}  // namespace preset_detail

}  // namespace einsim
