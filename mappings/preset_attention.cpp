// The flat and fusemax presets: the attention core fused on a 2D and a 1D array.
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

// Where FLAT or FuseMax runs one Einsum of the attention core.
EinsumPlacement attention_placement(const EinsumCascade& c, const ArchSpec& arch, std::string_view dataflow, int e,
                                    const AttentionRanks& ar, const ComputeArray& a2, const ComputeArray& a1) {
  const Einsum& ein = c.einsums[e];
  EinsumPlacement p;
  p.einsum = e;
  const int key = dataflow == "fusemax" ? ar.m0 : ar.key;
  // FuseMax: every Einsum over a key tile (M0) on the 2D array, the rest on the 1D array.
  // FLAT: the two matrix products on the 2D array, the softmax on the 1D array.
  GemmView gemm;
  const bool on_2d = dataflow == "flat" ? as_gemm(c, ein, gemm) : contains(ein.iteration_ranks, key);
  if (on_2d) {
    p.array = a2.name;
    // Keys over the rows; a reduction over them (LM, SLD, SLNV) adds partial results down the
    // columns when the NoC can (FuseMax); otherwise another output rank takes the rows.
    if (contains(ein.iteration_ranks, key) && (!contains(ein.reduced_ranks, key) || arch.noc.spatial_reduction)) {
      p.rows = {key};
    } else {
      // A reduction over the keys (AV): spread the head dimension over the rows.
      for (int r : ein.iteration_ranks)
        if (!contains(ein.reduced_ranks, r) && r != ar.p && r != ar.b && r != ar.h && c.ranks[r].parent < 0 &&
            c.ranks[r].parts.empty())
          p.rows = {r};
    }
    if (contains(ein.iteration_ranks, ar.p)) p.cols = {ar.p};
  } else {
    p.array = a1.name;
    // FLAT's softmax runs along the keys (all of them, or a key tile, are in the step); FuseMax's
    // along the queries.
    if (dataflow == "flat" && contains(ein.iteration_ranks, key)) {
      p.cols = {key};
    } else if (contains(ein.iteration_ranks, ar.p)) {
      p.cols = {ar.p};
    }
  }
  return p;
}

Mapping attention_preset(std::string_view dataflow, const EinsumCascade& c, const ArchSpec& arch) {
  Mapping m;
  m.name = std::string(dataflow);
  m.source = "preset " + std::string(dataflow);
  const ComputeArray* a2 = first_array(arch, 2);
  const ComputeArray* a1 = first_array(arch, 1);
  // Einsums in topological order: the cascade's file order is one (the loader checks).
  std::vector<int> order;
  for (size_t e = 0; e < c.einsums.size(); ++e) order.push_back(static_cast<int>(e));
  if (dataflow != "flat" && dataflow != "fusemax") {
    std::string known;
    for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(fmt::format("unknown dataflow '{}' (known: {})", dataflow, known));
  }
  if (!a2 || !a1) {
    throw Error(fmt::format("dataflow {} needs a 2D array and a 1D array; architecture '{}' lacks one", dataflow,
                            arch.name));
  }
  const std::string buffer = default_buffer(arch);
  const int rB = c.find_rank("B"), rH = c.find_rank("H"), rP = c.find_rank("P"), rM = c.find_rank("M");
  if (rP < 0 || rM < 0) {
    throw Error(fmt::format("dataflow {} maps attention cascades: workload '{}' has no ranks P (queries) and M (keys)",
                            dataflow, c.name));
  }
  const bool partitioned = !c.ranks[rM].parts.empty();
  if (dataflow == "fusemax" && !partitioned) {
    throw Error(fmt::format("dataflow fusemax streams key tiles: partition M into M1 x M0 in workload '{}' "
                            "(see workloads/library/attention_fusemax.yaml)", c.name));
  }
  const int rM0 = partitioned ? c.ranks[rM].parts.back() : -1;
  const int rM1 = partitioned ? c.ranks[rM].parts.front() : -1;

  // The attention core: Einsums that iterate the key rank (or its parts), and those between them.
  auto iterates_m = [&](const Einsum& e) {
    for (int r : e.iteration_ranks)
      if (r == rM || c.ranks[r].parent == rM) return true;
    return false;
  };
  int first = -1, last = -1;
  // A GEMM over the keys without the query rank is a projection (K = X Wk), not attention.
  auto is_key_projection = [&](const Einsum& e) {
    GemmView v;
    return as_gemm(c, e, v) && !contains(e.iteration_ranks, rP);
  };
  for (int e : order) {
    if (iterates_m(c.einsums[e]) && !is_key_projection(c.einsums[e])) {
      if (first < 0) first = e;
      last = e;
    }
  }
  // Include the Einsum finishing the attention (e.g. AV = RNV / RD) right after the core.
  while (last >= 0 && last + 1 < static_cast<int>(c.einsums.size())) {
    const Einsum& nx = c.einsums[last + 1];
    bool reads_core = false;
    for (const auto& in : nx.inputs) {
      const int prod = c.tensors[in.tensor].producer;
      if (prod >= first && prod <= last) reads_core = true;
    }
    bool is_projection = false;
    GemmView v;
    if (as_gemm(c, nx, v) && !contains(nx.iteration_ranks, rM) && !(rM1 >= 0 && contains(nx.iteration_ranks, rM1))) {
      is_projection = !contains(v.k, rM);
    }
    if (!reads_core || is_projection || iterates_m(nx)) break;
    ++last;
  }
  if (first < 0) throw Error(fmt::format("dataflow {}: workload '{}' has no Einsum over the key rank M", dataflow, c.name));

  const AttentionRanks ar{rB, rH, rP, rM, rM1, rM0, partitioned ? rM0 : rM};
  std::vector<int> core_einsums;
  for (int e = first; e <= last; ++e) core_einsums.push_back(e);

  // FLAT: one step covers all keys for a tile of queries; pick the largest tile (a divisor of
  // P, at most the 2D array's columns) whose step footprint fits the buffer: every tensor of the
  // core at B = H = 1 and P = tile, inputs from DRAM in `slots` copies.
  int64_t p_tile = std::min(c.ranks[rP].size, a2->cols);
  while (p_tile > 1 && c.ranks[rP].size % p_tile != 0) --p_tile;
  std::vector<MappingGroup> core_groups;
  if (dataflow == "flat") {
    const int64_t cap = arch.level(buffer).capacity_bytes.value_or(int64_t{1} << 40);
    auto footprint = [&](int64_t tile) {
      return step_footprint(c, core_einsums, [&](int r) {
        return r == rP ? tile : (r == rB || r == rH) ? 1 : c.ranks[r].size;
      });
    };
    while (p_tile > 1 && (footprint(p_tile) > cap || c.ranks[rP].size % p_tile != 0)) --p_tile;
    if (footprint(p_tile) > cap) {
      // Not even one query row against all keys fits: FLAT spills (see flat_spill_groups).
      core_groups = flat_spill_groups(c, arch, ar, core_einsums, buffer, *a2, *a1, footprint(p_tile), m.notes);
    }
  }

  if (core_groups.empty()) {
    MappingGroup core;
    core.name = "attention";
    core.buffer = buffer;
    core.slots = default_slots(arch, buffer);
    if (rB >= 0) core.loops.push_back({rB, 0});
    if (rH >= 0) core.loops.push_back({rH, 0});
    core.loops.push_back({rP, p_tile == c.ranks[rP].size ? 0 : p_tile});
    if (core.loops.back().tile == 0) core.loops.back().tile = c.ranks[rP].size;
    if (dataflow == "fusemax") core.loops.push_back({rM1, 0});
    for (int e : core_einsums) {
      core.einsums.push_back(e);
      core.placements.push_back(attention_placement(c, arch, dataflow, e, ar, *a2, *a1));
    }
    core_groups.push_back(core);
  }
  // Everything else: GEMM-like Einsums (projections, FFN) weight-stationary on the 2D array,
  // element-wise ones on the 1D array.
  bool core_added = false;
  for (int e : order) {
    if (e >= first && e <= last) {
      if (!core_added) m.groups.insert(m.groups.end(), core_groups.begin(), core_groups.end());
      core_added = true;
      continue;
    }
    GemmView v;
    if (as_gemm(c, c.einsums[e], v)) {
      m.groups.push_back(systolic_group(c, e, Dataflow::weight_stationary, *a2));
    } else {
      m.groups.push_back(single_group(c, e, *a1, buffer));
    }
  }
  validate_mapping(m, c, arch);
  return m;
}

}  // namespace preset_detail

}  // namespace einsim
