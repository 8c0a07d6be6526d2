// A mapping's geometry: GEMM views, epilogues, a group's loops and step extents.
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

}  // namespace einsim
