// The checks a mapping passes before it is lowered (validate_mapping).
#include "mappings/mapping.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/pass_analysis.hpp"
#include "mappings/mapping_util.hpp"

namespace einsim {
using namespace mapping_detail;

namespace {

// Whether tensor t is read by no Einsum of group g and leaves it (an output of the cascade, or read
// by a later group).
bool output_leaves_group(const EinsumCascade& c, const MappingGroup& g, int t) {
  bool read_later = contains(c.outputs, t);
  for (size_t e = 0; e < c.einsums.size(); ++e) {
    for (const auto& in : c.einsums[e].inputs) {
      if (in.tensor != t) continue;
      if (contains(g.einsums, static_cast<int>(e))) return false;
      read_later = true;
    }
  }
  return read_later;
}

// A reduction over a looped rank accumulates its output tile across the loop's iterations, so that
// loop must lie inside every loop over the output's ranks (one output tile at a time), or be a loop
// of the DRAM inside the DRAM's loops over them when the buffer holds the output's tile whole.
template <typename Fail>
void check_reduction_loops(const MappingGroup& g, const EinsumCascade& c, const Fail& fail) {
  auto loop_of = [&](int r, bool last) { return group_loop_of(c, g, r, last); };
  for (int e : g.einsums) {
    const Einsum& ein = c.einsums[e];
    int out_loop = -1, out_rank = -1;
    for (int r : c.tensors[ein.output.tensor].ranks) {
      if (loop_of(r, true) > out_loop) {
        out_loop = loop_of(r, true);
        out_rank = r;
      }
    }
    // A recurrence (a running max or sum over a looped rank) holds its state for a whole pass of that
    // loop, one slice of its other ranks at a time: loops over those ranks must lie outside.
    if (ein.recurrent_rank >= 0) {
      const int l = loop_of(ein.recurrent_rank, false);
      for (int r : c.tensors[ein.output.tensor].ranks) {
        if (l < 0 || r == ein.recurrent_rank || loop_of(r, true) < l) continue;
        fail(g, fmt::format("Einsum {} runs a recurrence over {}, whose loop is outside a loop over {}, another "
                            "rank of its state: loop {} outside the recurrence's loop",
                            ein.name, c.ranks[ein.recurrent_rank].name, c.ranks[r].name, c.ranks[r].name));
      }
    }
    // Timeloop's nests may loop a reduced rank at the DRAM level around the buffer's loops over the
    // output's ranks: the buffer then holds the output's buffer tile across the reduction, reading
    // partial sums back and adding to them, and writes it to DRAM whole. That needs a buffer tile of
    // the output that leaves the group (nothing in the group reads its partial sums).
    int out_dram_loop = -1;
    for (int r : c.tensors[ein.output.tensor].ranks) out_dram_loop = std::max(out_dram_loop, group_loop_of(c, g, r, true, true));
    const bool buffer_tile_out = output_leaves_group(c, g, ein.output.tensor);
    for (int r : ein.reduced_ranks) {
      const int l = loop_of(r, false);
      if (l >= 0 && l < out_loop && buffer_tile_out && !g.loops[l].in_buffer && l > out_dram_loop) continue;
      if (l >= 0 && l < out_loop) {
        const std::string looped = g.loops[l].rank == r ? "" : fmt::format(" ({})", c.ranks[g.loops[l].rank].name);
        fail(g, fmt::format("Einsum {} reduces rank {}, whose loop{} is outside the loop over {}, a rank of its "
                            "output: loop the reduced rank inside",
                            ein.name, c.ranks[r].name, looped, c.ranks[out_rank].name));
      }
    }
  }
}

// ", such as 'GlobalBuffer'" naming the architecture's first shared SRAM, or "".
std::string default_sram_hint(const ArchSpec& arch) {
  for (const auto& l : arch.storage)
    if (l.kind == StorageKind::sram && !l.per_pe) return fmt::format(", such as '{}'", l.name);
  return "";
}

}  // namespace

void validate_mapping(const Mapping& m, const EinsumCascade& c, const ArchSpec& arch) {
  const CascadeGraph graph(c);
  std::vector<int> group_of(c.einsums.size(), -1);
  auto fail = [](const MappingGroup& g, const std::string& msg) {
    if (!g.location.file.empty()) throw SpecError(g.location, msg);
    throw Error(fmt::format("mapping group '{}': {}", g.name, msg));
  };
  if (m.groups.empty()) {
    const std::string msg = fmt::format("mapping '{}' has no groups", m.name);
    if (!m.location.file.empty()) throw SpecError(m.location, msg);
    throw Error(msg);
  }
  for (size_t gi = 0; gi < m.groups.size(); ++gi) {
    const auto& g = m.groups[gi];
    if (g.einsums.empty()) fail(g, "the group has no Einsums");
    for (int e : g.einsums) {
      if (group_of[e] >= 0) fail(g, fmt::format("Einsum {} is mapped twice", c.einsums[e].name));
      group_of[e] = static_cast<int>(gi);
    }
    if (g.kind == GroupKind::systolic) {
      const ComputeArray* a = arch.find_array(g.array);
      if (!a) fail(g, fmt::format("unknown array '{}'", g.array));
      if (a->dimensions != 2) fail(g, fmt::format("array '{}' is not a 2D array", g.array));
      GemmView v;
      const int gemm = g.einsums.front();
      if (!as_gemm(c, c.einsums[gemm], v)) {
        fail(g, fmt::format("Einsum {} is not a GEMM (a product of two tensors summed over ranks): "
                            "a systolic dataflow cannot run it", c.einsums[gemm].name));
      }
      cycles_per_point(c.einsums[gemm], a->pe);
      if (g.einsums.size() != (g.epilogue >= 0 ? 2u : 1u)) fail(g, "a systolic group runs one GEMM and its epilogue");
      if (g.epilogue >= 0) {
        const Einsum& x = c.einsums[g.epilogue];
        const std::string why = epilogue_mismatch(c, gemm, g.epilogue);
        if (!why.empty()) fail(g, fmt::format("Einsum {} cannot be the epilogue of {}: {}", x.name, c.einsums[gemm].name, why));
        try {
          cycles_per_point(x, a->pe);
        } catch (const Error& err) {
          fail(g, fmt::format("{} (the epilogue, on array '{}')", err.what(), g.array));
        }
        // A column's partial sum leaves the array at the end of a row fold: a group must end with
        // one to be scaled on its own.
        const std::string folds = epilogue_fold_mismatch(c, g, *a);
        if (!folds.empty()) {
          fail(g, fmt::format("{}: its partial sums could not be scaled on their own (use os, or groups of a "
                              "multiple of {})",
                              folds, a->rows));
        }
      }
      continue;
    }
    const StorageLevel* level = arch.find_level(g.buffer);
    if (!level) fail(g, fmt::format("unknown storage level '{}'", g.buffer));
    // The group's tiles live in a shared on-chip level: DRAM is where they come from, and a register
    // file is private to each PE (the group's `pe_order` names it).
    if (level->kind == StorageKind::dram || level->per_pe) {
      fail(g, fmt::format("buffer '{}' is {}: a fused group's buffer must be a shared on-chip level (an SRAM{})",
                          g.buffer, level->kind == StorageKind::dram ? "the DRAM" : "a per-PE register file",
                          default_sram_hint(arch)));
    }
    if (g.slots < 1 || g.slots > 64) fail(g, "slots must be between 1 and 64");
    if (g.slots > 1 && !level->double_buffered) {
      // A level that is not double-buffered holds one copy of a tile: the next tile cannot fill
      // while the current one is read (Timeloop's multiple_buffering 1).
      const std::string msg = fmt::format(
          "group '{}' asks for {} slots per tile in buffer '{}', which is not double-buffered "
          "(double_buffered: false holds one slot per tile); use slots: 1 or set double_buffered: true",
          g.name, g.slots, g.buffer);
      if (!g.slots_location.file.empty()) throw SpecError(g.slots_location, msg);
      fail(g, msg);
    }
    std::set<int> loop_ranks;                 // at either level
    std::set<std::pair<bool, int>> level_ranks;  // (in the buffer, rank)
    std::map<int, int64_t> dram_tile;            // ranks the DRAM's loops cover -> their tile
    bool in_buffer = false;
    for (const auto& l : g.loops) {
      const std::string& rank = c.ranks[l.rank].name;
      auto fail = [&](const MappingGroup& group, const std::string& msg) {
        if (!l.location.file.empty()) throw SpecError(l.location, fmt::format("group '{}': {}", group.name, msg));
        throw Error(fmt::format("mapping group '{}': {}", group.name, msg));
      };
      if (in_buffer && !l.in_buffer) {
        fail(g, fmt::format("the DRAM's loop over {} is inside a loop of the buffer {}: list the DRAM's loops "
                            "first (outer to inner: DRAM, then {})", rank, g.buffer, g.buffer));
      }
      in_buffer = l.in_buffer;
      // A rank looped at both levels: the buffer's loop cuts the DRAM's tiles.
      int64_t size = c.ranks[l.rank].size;
      std::string of = fmt::format("rank {} = {}", rank, size);
      if (!level_ranks.insert({l.in_buffer, l.rank}).second) fail(g, fmt::format("rank {} is looped twice at one level", rank));
      if (l.in_buffer && dram_tile.count(l.rank)) {
        size = dram_tile.at(l.rank);
        if (size == 0) {
          fail(g, fmt::format("the DRAM's loop over {} takes one coordinate a step: the buffer {} has nothing of "
                              "it to loop over (give the DRAM's loop a tile)", rank, g.buffer));
        }
        of = fmt::format("the DRAM's tile of {} ({})", rank, size);
      }
      loop_ranks.insert(l.rank);
      if (!l.in_buffer) dram_tile[l.rank] = l.tile;
      if (l.tile < 0 || l.tile > size) fail(g, fmt::format("tile {} of rank {} is outside 1..{}", l.tile, rank, size));
      if (l.tile > 0 && size % l.tile != 0) fail(g, fmt::format("tile {} does not divide {}", l.tile, of));
      // A rank and one of its parts cannot both be looped.
      const Rank& r = c.ranks[l.rank];
      if (r.parent >= 0 && loop_ranks.count(r.parent)) {
        fail(g, fmt::format("rank {} and its part {} are both looped", c.ranks[r.parent].name, r.name));
      }
      for (int p : r.parts)
        if (loop_ranks.count(p)) fail(g, fmt::format("rank {} and its part {} are both looped", r.name, c.ranks[p].name));
    }
    // The register file's loops: ranks the group's Einsums iterate in time inside their PEs.
    std::set<int> pe_seen;
    for (const auto& pl_loop : g.pe_order) {
      const int r = pl_loop.rank;
      const std::string& rank = c.ranks[r].name;
      if (!pe_seen.insert(r).second) fail(g, fmt::format("rank {} is looped twice in the register file", rank));
      bool temporal = false;
      const int64_t x = step_extent(c, g, r);
      for (const auto& p : g.placements) {
        if (!contains(c.einsums[p.einsum].iteration_ranks, r)) continue;
        if (contains(p.rows, r) || contains(p.cols, r)) {
          fail(g, fmt::format("Einsum {} spreads rank {} over array '{}': its PEs cannot loop over it",
                              c.einsums[p.einsum].name, rank, p.array));
        }
        temporal = true;
      }
      if (pl_loop.tile > 0 && (pl_loop.tile > x || x % pl_loop.tile != 0)) {
        fail(g, fmt::format("register-file tile {} of rank {} does not divide the step's {} coordinates of it",
                            pl_loop.tile, rank, x));
      }
      if (!temporal) fail(g, fmt::format("no Einsum of the group iterates rank {} inside its PEs", rank));
    }
    // One loop streams its rank once: a rank the group's Einsums must pass over more than once cannot
    // be looped. (Tensors from earlier groups come complete from DRAM: splitting the passes into groups
    // is how a mapping spills a multi-pass cascade's intermediates.)
    if (!g.loops.empty()) {
      const std::vector<RankPasses> passes = analyze_passes(c, graph, g.einsums);
      for (const auto& l : g.loops) {
        const int base = c.ranks[l.rank].parent >= 0 ? c.ranks[l.rank].parent : l.rank;
        for (const auto& rp : passes) {
          if (rp.rank == base && rp.passes > 1) {
            fail(g, fmt::format("the cascade makes {} passes over {} in this group: one loop of a fused group "
                                "cannot stream it (split the passes into groups, whose intermediates go through "
                                "DRAM; use a 1-pass cascade such as attention_fusemax; or keep {} inside the step)",
                                rp.passes, c.ranks[base].name, c.ranks[base].name));
          }
        }
      }
      check_reduction_loops(g, c, fail);
    }
    if (g.placements.size() != g.einsums.size()) fail(g, "every Einsum of the group needs a placement");
    for (const auto& p : g.placements) {
      const Einsum& e = c.einsums[p.einsum];
      const ComputeArray* a = arch.find_array(p.array);
      if (!a) fail(g, fmt::format("Einsum {}: unknown array '{}'", e.name, p.array));
      if (a->dimensions == 1 && !p.rows.empty()) {
        fail(g, fmt::format("Einsum {}: array '{}' is 1D: give lanes, not rows", e.name, p.array));
      }
      for (int r : p.rows) {
        if (contains(p.cols, r)) {
          fail(g, fmt::format("Einsum {}: rank {} is on two array dimensions", e.name, c.ranks[r].name));
        }
      }
      for (int r : p.rows)
        if (!contains(e.iteration_ranks, r)) fail(g, fmt::format("Einsum {} does not iterate rank {}", e.name, c.ranks[r].name));
      for (int r : p.cols)
        if (!contains(e.iteration_ranks, r)) fail(g, fmt::format("Einsum {} does not iterate rank {}", e.name, c.ranks[r].name));
      // A recurrence's steps depend on one another (x+1 is computed from x): spread over
      // PEs they would all be charged the same cycle, so its rank stays temporal.
      if (e.recurrent_rank >= 0 && (contains(p.rows, e.recurrent_rank) || contains(p.cols, e.recurrent_rank))) {
        fail(g, fmt::format("Einsum {} runs a recurrence over {} (each step reads the one before): {} cannot be "
                            "spread over the PEs of array '{}'; loop over it instead",
                            e.name, c.ranks[e.recurrent_rank].name, c.ranks[e.recurrent_rank].name, p.array));
      }
      try {
        cycles_per_point(e, a->pe);
      } catch (const Error& err) {
        fail(g, fmt::format("{} (on array '{}')", err.what(), p.array));
      }
    }
  }
  for (size_t e = 0; e < c.einsums.size(); ++e) {
    if (group_of[e] < 0) {
      const std::string msg = fmt::format("mapping '{}' does not place Einsum {}: add it to a group (every Einsum of "
                                          "workload '{}' runs in exactly one group)",
                                          m.name, c.einsums[e].name, c.name);
      if (!m.location.file.empty()) throw SpecError(m.location, msg);
      throw Error(msg);
    }
  }
  // Groups run one after another: a group reads what earlier groups wrote to DRAM, never a later one's
  // (a recurrence's loop-carried reads aside).
  for (size_t gi = 0; gi < m.groups.size(); ++gi) {
    for (int e : m.groups[gi].einsums) {
      for (const auto& in : c.einsums[e].inputs) {
        const int prod = c.tensors[in.tensor].producer;
        if (!in.loop_carried && prod >= 0 && group_of[prod] > static_cast<int>(gi)) {
          fail(m.groups[gi], fmt::format("Einsum {} reads {}, which the later group '{}' computes (groups run in "
                                         "order)",
                                         c.einsums[e].name, c.tensors[in.tensor].name, m.groups[group_of[prod]].name));
        }
      }
    }
  }
}

}  // namespace einsim
