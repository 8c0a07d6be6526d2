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

namespace einsim {
namespace {

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Ranks an access reads (all index terms, both halves of a partitioned dimension).
std::vector<int> access_ranks(const Access& a) {
  std::vector<int> out;
  auto add = [&](const IndexExpr& ix) {
    for (const auto& t : ix.terms)
      if (!contains(out, t.rank)) out.push_back(t.rank);
  };
  for (const auto& d : a.dims) {
    add(d.index);
    if (d.inner) add(*d.inner);
  }
  return out;
}

int64_t product_of(const EinsumCascade& c, const std::vector<int>& ranks) {
  int64_t p = 1;
  for (int r : ranks) p = checked_mul(p, c.ranks[r].size, "GEMM size");
  return p;
}

// The first array of the given dimensionality, or nullptr.
const ComputeArray* first_array(const ArchSpec& arch, int dims) {
  for (const auto& a : arch.arrays)
    if (a.dimensions == dims) return &a;
  return nullptr;
}

// The on-chip level fused groups keep their tiles in: the first SRAM.
std::string default_buffer(const ArchSpec& arch) {
  for (const auto& l : arch.storage)
    if (l.kind == StorageKind::sram && !l.per_pe) return l.name;
  throw Error(fmt::format("architecture '{}' has no on-chip SRAM level to hold tiles", arch.name));
}

}  // namespace

bool as_gemm(const EinsumCascade& c, const Einsum& e, GemmView& out) {
  if (e.inputs.size() != 2 || !is_multiply_accumulate(e)) return false;
  for (const auto& a : e.expr.args)
    if (a.kind != Expr::Kind::access) return false;
  if (e.recurrent_rank >= 0) return false;
  GemmView g;
  const auto r0 = access_ranks(e.inputs[e.expr.args[0].access]);
  const auto r1 = access_ranks(e.inputs[e.expr.args[1].access]);
  for (int r : e.iteration_ranks) {
    if (contains(e.reduced_ranks, r)) {
      g.k.push_back(r);
    } else if (contains(r0, r) && contains(r1, r)) {
      g.batch.push_back(r);
    } else if (contains(r0, r)) {
      g.m.push_back(r);
    } else {
      g.n.push_back(r);
    }
  }
  g.batch_size = product_of(c, g.batch);
  g.m_size = product_of(c, g.m);
  g.n_size = product_of(c, g.n);
  g.k_size = product_of(c, g.k);
  out = g;
  return true;
}

std::string epilogue_mismatch(const EinsumCascade& c, int gemm, int e) {
  const Einsum& g = c.einsums[gemm];
  const Einsum& x = c.einsums[e];
  GemmView v;
  if (!as_gemm(c, g, v)) return fmt::format("{} is not a GEMM", g.name);
  const int t = g.output.tensor;
  const std::string& tn = c.tensors[t].name;
  if (contains(c.outputs, t)) return fmt::format("{} is an output of the workload: it cannot stay in the PEs", tn);
  int reads = 0;
  for (const auto& in : x.inputs) reads += in.tensor == t ? 1 : 0;
  if (reads != 1) return fmt::format("{} does not read {} once", x.name, tn);
  for (const Einsum& y : c.einsums) {
    if (&y == &x) continue;
    for (const auto& in : y.inputs)
      if (in.tensor == t) return fmt::format("{} reads {} too: it cannot stay in the PEs", y.name, tn);
  }
  if (x.recurrent_rank >= 0) return fmt::format("{} is a recurrence", x.name);
  const std::vector<int> t_ranks = c.tensors[t].ranks;
  for (const auto& in : x.inputs) {
    for (int r : access_ranks(in)) {
      if (!contains(t_ranks, r)) {
        return fmt::format("{} reads {} over rank {}, which {} does not have", x.name, c.tensors[in.tensor].name,
                           c.ranks[r].name, tn);
      }
    }
  }
  if (x.inputs.size() > 2) return fmt::format("{} reads more than {} and one other operand", x.name, tn);
  for (const auto& in : x.inputs) {
    if (in.tensor == t) continue;
    for (int r : access_ranks(in)) {
      if (contains(v.m, r)) {
        return fmt::format("{} reads {} over rank {}, a rank of the GEMM's first operand: the PEs hold one per "
                           "column and group",
                           x.name, c.tensors[in.tensor].name, c.ranks[r].name);
      }
    }
  }
  for (int r : t_ranks)
    if (!contains(x.iteration_ranks, r)) return fmt::format("{} does not iterate rank {} of {}", x.name, c.ranks[r].name, tn);
  if (x.iteration_ranks.size() != t_ranks.size()) return fmt::format("{} iterates ranks {} does not have", x.name, tn);
  for (int r : x.reduced_ranks) {
    if (!contains(v.batch, r)) {
      return fmt::format("{} reduces rank {}, which is not a batch rank of {} (shared by both its operands)", x.name,
                         c.ranks[r].name, g.name);
    }
  }
  if (!x.reduced_ranks.empty() && x.reduce != ReduceOp::sum) return fmt::format("{} does not sum", x.name);
  return "";
}

GemmView systolic_gemm_view(const EinsumCascade& c, const MappingGroup& g, int64_t* groups) {
  GemmView v;
  if (!as_gemm(c, c.einsums[g.einsums.front()], v)) {
    throw Error(fmt::format("Einsum {} is not a GEMM", c.einsums[g.einsums.front()].name));
  }
  int64_t merged = 1;
  if (g.epilogue >= 0) {
    for (int r : c.einsums[g.epilogue].reduced_ranks) {
      merged *= c.ranks[r].size;
      v.batch.erase(std::find(v.batch.begin(), v.batch.end(), r));
      v.k.insert(v.k.begin(), r);
    }
    v.batch_size /= merged;
    v.k_size *= merged;
  }
  if (groups) *groups = merged;
  return v;
}

int group_loop_of(const EinsumCascade& c, const MappingGroup& g, int r, bool last, bool dram_only) {
  int found = -1;
  for (size_t l = 0; l < g.loops.size(); ++l) {
    if (dram_only && g.loops[l].in_buffer) continue;
    if (g.loops[l].rank != r && c.ranks[g.loops[l].rank].parent != r) continue;
    found = static_cast<int>(l);
    if (!last) break;
  }
  return found;
}

std::string epilogue_fold_mismatch(const EinsumCascade& c, const MappingGroup& g, const ComputeArray& a) {
  int64_t groups = 1;
  const int64_t k = systolic_gemm_view(c, g, &groups).k_size;  // sets groups: not in the same expression
  const int64_t per_group = k / groups;
  if (groups == 1 || g.dataflow == Dataflow::output_stationary || per_group % a.rows == 0) return "";
  return fmt::format("with dataflow {} a group of {} values of K is not a whole number of row folds of the {} rows "
                     "of {}",
                     dataflow_name(g.dataflow), per_group, a.rows, a.name);
}

int64_t step_extent(const EinsumCascade& c, const MappingGroup& g, int r, bool dram_only) {
  const int last = group_loop_of(c, g, r, true, dram_only);
  if (last >= 0 && g.loops[last].rank == r) return g.loops[last].tile > 0 ? g.loops[last].tile : 1;
  if (last >= 0 && !c.ranks[r].parts.empty()) {
    int64_t x = 1;
    for (int part : c.ranks[r].parts) x *= step_extent(c, g, part, dram_only);
    return x;
  }
  return c.ranks[r].size;
}

PeReuse pe_reuse(const EinsumCascade& c, const MappingGroup& g, const EinsumPlacement& pl, const Access& a) {
  PeReuse out;
  if (g.pe_order.empty()) return out;
  const Einsum& e = c.einsums[pl.einsum];
  auto spatial = [&](int r) { return contains(pl.rows, r) || contains(pl.cols, r); };
  auto listed = [&](int r) {
    for (const auto& l : g.pe_order)
      if (l.rank == r) return true;
    return false;
  };
  struct Entry {
    int rank;
    int64_t extent;
  };
  std::vector<Entry> tiles, inner;  // the PE's tile loops (outer to inner), and what each tile holds
  // A loop of one iteration never moves on: it neither refetches nor holds anything.
  for (int r : e.iteration_ranks)
    if (!spatial(r) && !listed(r) && step_extent(c, g, r) > 1) tiles.push_back({r, step_extent(c, g, r)});
  for (const auto& l : g.pe_order) {
    if (!contains(e.iteration_ranks, l.rank) || spatial(l.rank)) continue;
    const int64_t x = step_extent(c, g, l.rank);
    const int64_t t = l.tile > 0 ? std::min(l.tile, x) : 1;
    if (x / t > 1) tiles.push_back({l.rank, x / t});
    if (t > 1) inner.push_back({l.rank, t});
  }
  const std::vector<int> deps = access_ranks(a);
  int j = -1;  // the innermost tile loop over a rank of the access
  for (size_t i = 0; i < tiles.size(); ++i)
    if (contains(deps, tiles[i].rank)) j = static_cast<int>(i);
  for (size_t i = 0; i < tiles.size(); ++i) {
    if (static_cast<int>(i) > j) {
      out.reuse *= tiles[i].extent;
    } else if (!contains(deps, tiles[i].rank)) {
      out.refetch *= tiles[i].extent;
    }
  }
  // A dimension at an affine index (a convolution's input row s*p + d*r) holds the sliding window
  // sum |coef| * (tile - 1) + 1 of its terms' tiles; the other ranks of the access their tile each.
  auto tile_of = [&](int r) {
    for (const Entry& in : inner)
      if (in.rank == r) return in.extent;
    return int64_t{1};
  };
  std::vector<int> windowed;
  for (const auto& d : a.dims) {
    if (d.inner || d.index.is_last() || d.index.is_plain() || d.index.terms.empty()) continue;
    int64_t w = 1;
    for (const auto& term : d.index.terms) {
      w += (term.coef < 0 ? -term.coef : term.coef) * (tile_of(term.rank) - 1);
      windowed.push_back(term.rank);
    }
    out.held *= w;
  }
  for (const Entry& in : inner) {
    if (contains(windowed, in.rank)) continue;
    if (contains(deps, in.rank)) {
      out.held *= in.extent;
    } else {
      out.reuse *= in.extent;
    }
  }
  return out;
}

bool is_multiply_accumulate(const Einsum& e) {
  return e.reduce == ReduceOp::sum && !e.reduced_ranks.empty() && e.expr.kind == Expr::Kind::op &&
         (e.expr.op == Op::mul || e.expr.op == Op::shift_add);
}

int64_t cycles_per_point(const Einsum& e, const PeKind& kind, bool dedicated_exp) {
  int64_t cycles = 0;
  const bool fused_mac = is_multiply_accumulate(e);
  for (const auto& [op, count] : e.map_ops) {
    if (count == 0) continue;
    int64_t c = 1;
    bool ok = true;
    switch (op) {
      case Op::add: case Op::sub: case Op::mul:
        break;  // on a MixPE array: its dequantization unit (zero point, scale)
      case Op::neg: case Op::max: case Op::min: case Op::abs: case Op::relu:
        ok = kind.family != PeFamily::mixpe;
        break;
      case Op::exp:
        c = dedicated_exp && kind.family == PeFamily::vector ? 1 : kExpTaylorMacs;
        ok = kind.family != PeFamily::mixpe;
        break;
      case Op::div: case Op::sqrt: case Op::gelu:
        ok = kind.family == PeFamily::vector;
        break;
      case Op::shift_add: case Op::dequant:
        ok = kind.family == PeFamily::mixpe;
        if (op == Op::shift_add) c = format_info(kind.b).bits;  // one shift-add per weight bit
        break;
    }
    if (!ok) {
      throw Error(fmt::format("Einsum {} uses '{}', which a {} PE does not have", e.name, op_name(op),
                              kind.name));
    }
    // Per point, the expression evaluates each operator `count / points` times.
    cycles += c * std::max<int64_t>(1, count / std::max<int64_t>(1, e.iteration_points));
  }
  if (!e.reduced_ranks.empty() && !fused_mac) cycles += 1;  // the reduce step
  return std::max<int64_t>(cycles, 1);
}

std::vector<std::string> Mapping::describe(const EinsumCascade& c) const {
  std::vector<std::string> out;
  for (const auto& g : groups) {
    std::string names;
    for (int e : g.einsums) names += (names.empty() ? "" : " ") + c.einsums[e].name;
    if (g.kind == GroupKind::systolic) {
      if (g.epilogue >= 0) names = fmt::format("{} with epilogue {}", c.einsums[g.einsums.front()].name,
                                               c.einsums[g.epilogue].name);
      out.push_back(fmt::format("systolic group '{}': {} on {} ({})", g.name, names, g.array,
                                dataflow_name(g.dataflow)));
    } else {
      std::string loops;
      bool in_buffer = false;
      for (const auto& l : g.loops) {
        if (l.in_buffer && !in_buffer) loops += fmt::format("{}in {}:", loops.empty() ? "" : " | ", g.buffer);
        in_buffer = l.in_buffer;
        loops += (loops.empty() ? "" : " ") + c.ranks[l.rank].name;
        if (l.tile) loops += fmt::format("/{}", l.tile);
      }
      if (!g.pe_order.empty()) {
        loops += fmt::format("{}in {}:", loops.empty() ? "" : " | ", g.pe_level);
        for (const auto& l : g.pe_order) loops += " " + c.ranks[l.rank].name + (l.tile ? fmt::format("/{}", l.tile) : "");
      }
      out.push_back(fmt::format("fused group '{}': {} | loops {} | buffer {} x{} slots", g.name, names,
                                loops.empty() ? "(none)" : loops, g.buffer, g.slots));
    }
  }
  return out;
}

// ------------------------------------------------------------------ validation

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

}  // namespace

void validate_mapping(const Mapping& m, const EinsumCascade& c, const ArchSpec& arch) {
  const CascadeGraph graph(c);
  std::vector<int> group_of(c.einsums.size(), -1);
  auto fail = [](const MappingGroup& g, const std::string& msg) {
    if (!g.location.file.empty()) throw SpecError(g.location, msg);
    throw Error(fmt::format("mapping group '{}': {}", g.name, msg));
  };
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
    if (!arch.find_level(g.buffer)) fail(g, fmt::format("unknown storage level '{}'", g.buffer));
    if (g.slots < 1 || g.slots > 64) fail(g, "slots must be between 1 and 64");
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
      try {
        cycles_per_point(e, a->pe);
      } catch (const Error& err) {
        fail(g, fmt::format("{} (on array '{}')", err.what(), p.array));
      }
    }
  }
  for (size_t e = 0; e < c.einsums.size(); ++e) {
    if (group_of[e] < 0) throw Error(fmt::format("mapping '{}' does not place Einsum {}", m.name, c.einsums[e].name));
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

// ------------------------------------------------------------------ presets

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"ws", "os", "is", "flat", "fusemax"};
  return names;
}

namespace {

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

// The ranks of an attention cascade the FLAT and FuseMax presets use (-1: absent).
struct AttentionRanks {
  int b = -1, h = -1, p = -1, m = -1, m1 = -1, m0 = -1;
  int key = -1;  // the rank of keys a step spreads in space: M0 when M is partitioned, else M
};

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
    g.slots = 2;
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

}  // namespace

Mapping preset_mapping(std::string_view dataflow, const EinsumCascade& c, const ArchSpec& arch) {
  Mapping m;
  m.name = std::string(dataflow);
  m.source = "preset " + std::string(dataflow);
  const ComputeArray* a2 = first_array(arch, 2);
  const ComputeArray* a1 = first_array(arch, 1);
  // Einsums in topological order: the cascade's file order is one (the loader checks).
  std::vector<int> order;
  for (size_t e = 0; e < c.einsums.size(); ++e) order.push_back(static_cast<int>(e));

  if (auto d = parse_dataflow(dataflow)) {
    if (!a2) throw Error(fmt::format("dataflow {}: architecture '{}' has no 2D array", dataflow, arch.name));
    std::vector<bool> taken(c.einsums.size(), false);  // epilogues, mapped with their GEMM
    const CascadeGraph graph(c);
    for (int e : order) {
      if (taken[e]) continue;
      GemmView v;
      if (as_gemm(c, c.einsums[e], v)) {
        MappingGroup g = systolic_group(c, e, *d, *a2);
        // MixPE's PEs dequantize each group's partial sums in place: the scale-and-sum Einsum
        // after a group-wise GEMM runs as its epilogue, and the partial sums stay on chip.
        const std::vector<int>& readers = graph.consumers(c.einsums[e].output.tensor);
        if (a2->pe.family == PeFamily::mixpe && readers.size() == 1 && epilogue_mismatch(c, e, readers[0]).empty() &&
            supports(c.einsums[readers[0]], a2->pe)) {
          MappingGroup with = g;
          with.epilogue = readers[0];
          with.einsums.push_back(readers[0]);
          int64_t groups = 1;
          const int64_t k = systolic_gemm_view(c, with, &groups).k_size;  // sets groups
          const int64_t per_group = k / groups;
          const std::string& x = c.einsums[readers[0]].name;
          const std::string folds = epilogue_fold_mismatch(c, with, *a2);
          if (folds.empty()) {
            g = with;
            taken[readers[0]] = true;
            m.notes.push_back(fmt::format("{} runs in the PEs of {} as the epilogue of {}: each group of {} values "
                                          "of K is scaled once, as its partial sums finish (MixPE), and {} stays on "
                                          "chip",
                                          x, a2->name, c.einsums[e].name, per_group,
                                          c.tensors[c.einsums[e].output.tensor].name));
          } else {
            m.notes.push_back(fmt::format("{} runs as a GEMM of its own: {} (os would scale it in the PEs)", x, folds));
          }
        }
        m.groups.push_back(g);
      } else if (a1) {
        // Element-wise and reduction Einsums (dequantization, activations) on the vector array.
        m.groups.push_back(single_group(c, e, *a1, default_buffer(arch)));
      } else if (supports(c.einsums[e], a2->pe)) {
        // No vector array: the 2D array's PEs run it (MixPE's zero points in its dequantization unit).
        m.groups.push_back(single_group(c, e, *a2, default_buffer(arch)));
      } else {
        throw Error(fmt::format(
            "dataflow {} runs GEMM-like Einsums (a product of two tensors summed over ranks) on a systolic "
            "array; Einsum {} is not one and architecture '{}' has no 1D array for it (use --dataflow flat or "
            "fusemax for attention cascades)",
            dataflow, c.einsums[e].name, arch.name));
      }
    }
    validate_mapping(m, c, arch);
    return m;
  }
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
    core.slots = 2;
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

// ------------------------------------------------------------------ YAML

std::string check_mapping_document(const YamlDocument& doc) {
  SpecNode body = doc.body();
  if (doc.kind() != "mapping") body.fail("expected a mapping: file");
  body.check_keys({"name", "description", "groups"});
  size_t fused = 0, systolic = 0, placements = 0;
  for (const auto& gn : body.at("groups").items()) {
    if (gn.has("systolic")) {
      gn.check_keys({"name", "systolic"});
      SpecNode s = gn.at("systolic");
      s.check_keys({"einsum", "array", "dataflow", "epilogue"});
      s.at("einsum").as_string();
      if (auto ep = s.find("epilogue")) ep->as_string();
      s.at("array").as_string();
      if (!parse_dataflow(s.at("dataflow").as_string())) s.at("dataflow").fail("dataflow must be ws, os or is");
      ++systolic;
      continue;
    }
    gn.check_keys({"name", "einsums", "loops", "slots", "buffer", "place"});
    gn.at("name").as_string();
    if (auto en = gn.find("einsums")) en->as_string_list();
    if (auto ln = gn.find("loops")) {
      for (const auto& item : ln->items()) {
        if (item.is_scalar()) continue;
        item.check_keys({"rank", "tile", "level"});
        item.at("rank").as_string();
        if (auto tn = item.find("tile"); tn && tn->as_int() <= 0) tn->fail("a tile must be positive");
        if (auto lv = item.find("level")) lv->as_string();
      }
    }
    if (auto sn = gn.find("slots")) {
      const int64_t slots = sn->as_int();
      if (slots < 1 || slots > 64) sn->fail("slots must be between 1 and 64");
    }
    if (auto bn = gn.find("buffer")) bn->as_string();
    for (const auto& [name, pn] : gn.at("place").entries()) {
      pn.check_keys({"array", "rows", "cols", "lanes"});
      pn.at("array").as_string();
      for (const char* k : {"rows", "cols", "lanes"})
        if (auto r = pn.find(k)) r->as_string_list();
      ++placements;
    }
    ++fused;
  }
  return fmt::format("mapping '{}': {} fused group(s) placing {} Einsums, {} systolic group(s)",
                     body.as_string_or("name", "mapping"), fused, placements, systolic);
}

Mapping load_mapping(const YamlDocument& doc, const EinsumCascade& c, const ArchSpec& arch) {
  SpecNode body = doc.body();
  if (doc.kind() != "mapping") body.fail("expected a mapping: file");
  body.check_keys({"name", "description", "groups"});
  Mapping m;
  m.name = body.as_string_or("name", "mapping");
  m.source = doc.file();
  auto find_einsum = [&](const std::string& name, const SpecNode& where) {
    for (size_t e = 0; e < c.einsums.size(); ++e)
      if (c.einsums[e].name == name) return static_cast<int>(e);
    where.fail(fmt::format("unknown Einsum '{}' in workload '{}'", name, c.name));
  };
  auto einsum_index = [&](const SpecNode& n) { return find_einsum(n.as_string(), n); };
  auto rank_index = [&](const SpecNode& n) {
    const std::string name = n.as_string();
    const int r = c.find_rank(name);
    if (r < 0) n.fail(fmt::format("unknown rank '{}' in workload '{}'", name, c.name));
    return r;
  };
  auto rank_list_of = [&](const SpecNode& n) {
    std::vector<int> out;
    if (n.is_scalar()) {
      out.push_back(rank_index(n));
    } else {
      for (const auto& item : n.items()) out.push_back(rank_index(item));
    }
    return out;
  };
  for (const auto& gn : body.at("groups").items()) {
    MappingGroup g;
    g.location = gn.location();
    if (gn.has("systolic")) {
      gn.check_keys({"name", "systolic"});
      SpecNode s = gn.at("systolic");
      s.check_keys({"einsum", "array", "dataflow", "epilogue"});
      g.kind = GroupKind::systolic;
      g.einsums = {einsum_index(s.at("einsum"))};
      if (auto ep = s.find("epilogue")) {
        g.epilogue = einsum_index(*ep);
        g.einsums.push_back(g.epilogue);
      }
      g.name = gn.as_string_or("name", c.einsums[g.einsums[0]].name);
      g.array = s.at("array").as_string();
      if (!arch.find_array(g.array)) s.at("array").fail(fmt::format("unknown array '{}' in architecture '{}'", g.array, arch.name));
      auto d = parse_dataflow(s.at("dataflow").as_string());
      if (!d) s.at("dataflow").fail("dataflow must be ws, os or is");
      g.dataflow = *d;
    } else {
      gn.check_keys({"name", "einsums", "loops", "slots", "buffer", "place"});
      g.name = gn.at("name").as_string();
      SpecNode place = gn.at("place");
      if (auto en = gn.find("einsums")) {
        for (const auto& item : en->items()) g.einsums.push_back(einsum_index(item));
      } else {
        for (const auto& [name, node] : place.entries()) g.einsums.push_back(find_einsum(name, node));
      }
      std::sort(g.einsums.begin(), g.einsums.end());
      g.slots = gn.as_int_or("slots", 2);
      g.buffer = gn.has("buffer") ? gn.at("buffer").as_string() : default_buffer(arch);
      if (!arch.find_level(g.buffer)) gn.at("buffer").fail(fmt::format("unknown storage level '{}'", g.buffer));
      if (auto ln = gn.find("loops")) {
        for (const auto& item : ln->items()) {
          GroupLoop l;
          l.location = item.location();
          if (item.is_scalar()) {
            l.rank = rank_index(item);
          } else {
            item.check_keys({"rank", "tile", "level"});
            l.rank = rank_index(item.at("rank"));
            if (auto tn = item.find("tile")) {
              l.tile = tn->as_int();
              if (l.tile <= 0) tn->fail("a tile must be positive");
            }
            if (auto lv = item.find("level")) {
              // The DRAM's loops bring the buffer's tiles; the buffer's loops cut them for the arrays;
              // the register file's order the PEs' points.
              const std::string level = lv->as_string();
              const StorageLevel* sl = arch.find_level(level);
              if (level == g.buffer) {
                l.in_buffer = true;
              } else if (sl && sl->kind == StorageKind::regfile) {
                if (!g.pe_level.empty() && g.pe_level != level) {
                  lv->fail(fmt::format("the group's register-file loops belong to {} already", g.pe_level));
                }
                g.pe_level = level;
                g.pe_order.push_back(l);
                continue;
              } else if (level != arch.dram().name) {
                lv->fail(fmt::format("a fused group's loops belong to the DRAM ({}), to the group's buffer ({}) or "
                                     "to a register file, not to '{}'",
                                     arch.dram().name, g.buffer, level));
              }
            }
          }
          if (!g.pe_order.empty()) {
            item.fail(fmt::format("this loop is inside the loops of the register file {}: list the register "
                                  "file's loops last",
                                  g.pe_level));
          }
          g.loops.push_back(l);
        }
      }
      for (int e : g.einsums) {
        auto pn = place.find(c.einsums[e].name);
        if (!pn) place.fail(fmt::format("no placement for Einsum {}", c.einsums[e].name));
        pn->check_keys({"array", "rows", "cols", "lanes"});
        EinsumPlacement p;
        p.einsum = e;
        p.array = pn->at("array").as_string();
        const ComputeArray* a = arch.find_array(p.array);
        if (!a) pn->at("array").fail(fmt::format("unknown array '{}' in architecture '{}'", p.array, arch.name));
        if (auto r = pn->find("rows")) {
          if (a->dimensions == 1) r->fail(fmt::format("array '{}' is 1D: give lanes", p.array));
          p.rows = rank_list_of(*r);
        }
        if (auto r = pn->find("cols")) p.cols = rank_list_of(*r);
        if (auto r = pn->find("lanes")) {
          if (a->dimensions == 2) r->fail(fmt::format("array '{}' is 2D: give rows and cols", p.array));
          p.cols = rank_list_of(*r);
        }
        for (int r : p.rows) {
          if (contains(p.cols, r)) pn->fail(fmt::format("rank {} is on two array dimensions", c.ranks[r].name));
        }
        g.placements.push_back(p);
      }
    }
    m.groups.push_back(g);
  }
  validate_mapping(m, c, arch);
  return m;
}

}  // namespace einsim
