// Per-PE costs of a mapping: register-file reuse and cycles per iteration point.
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

PeOp pe_op(Op op) {
  switch (op) {
    case Op::add: return PeOp::add;
    case Op::sub: return PeOp::sub;
    case Op::mul: return PeOp::mul;
    case Op::div: return PeOp::div;
    case Op::neg: return PeOp::neg;
    case Op::max: return PeOp::max;
    case Op::min: return PeOp::min;
    case Op::exp: return PeOp::exp;
    case Op::sqrt: return PeOp::sqrt;
    case Op::abs: return PeOp::abs;
    case Op::relu: return PeOp::relu;
    case Op::gelu: return PeOp::gelu;
    case Op::shift_add: return PeOp::shift_add;
    case Op::dequant: return PeOp::dequant;
  }
  return PeOp::add;
}

int64_t cycles_per_point(const Einsum& e, const PeKind& kind, bool dedicated_exp) {
  int64_t cycles = 0;
  for (const auto& [op, count] : e.map_ops) {
    if (count == 0) continue;
    // The PE family's traits (arch/pe/pe_traits.hpp): whether it has the operator, and its cycles.
    const PeOpTraits t = pe_op_traits(kind, pe_op(op), dedicated_exp);
    const int64_t c = t.cycles;
    if (!t.supported) {
      throw Error(fmt::format("Einsum {} uses '{}', which a {} PE does not have", e.name, op_name(op),
                              kind.name));
    }
    // Per point, the expression evaluates each operator `count / points` times.
    cycles += c * std::max<int64_t>(1, count / std::max<int64_t>(1, e.iteration_points));
  }
  if (!e.reduced_ranks.empty() && !is_multiply_accumulate(e)) cycles += 1;  // the reduce step
  return std::max<int64_t>(cycles, 1);
}

}  // namespace einsim
