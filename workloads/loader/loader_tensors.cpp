// Workload loader, last passes: tensors, accesses, operation counts, outputs, the DAG check;
// and load_workload.

#include "workloads/loader/loader.hpp"
#include "workloads/cascade_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace einsim::loader_detail {

void Loader::build_tensors() {
  // Inputs first (declared, written by no Einsum), in declaration order.
  std::set<std::string> produced;
  for (const PendingEinsum& p : pending_) produced.insert(p.output.tensor);
  for (const std::string& name : tensor_decl_order_) {
    if (produced.count(name)) continue;
    Tensor t;
    t.name = name;
    t.format = c_.format;
    add_tensor(std::move(t));
  }
  // Outputs of Einsums.
  for (size_t i = 0; i < c_.einsums.size(); ++i) {
    Einsum& e = c_.einsums[i];
    const std::string& name = pending_[i].output.tensor;
    if (int prev = tensor_index(name); prev >= 0) {
      fail_at(pending_[i].node, pending_[i].output.offset,
              fmt::format("tensor '{}' is written by two Einsums (einsums[{}] and einsums[{}])", name,
                          c_.tensors[prev].producer, i));
    }
    Tensor t;
    t.name = name;
    t.producer = static_cast<int>(i);
    t.format = c_.format;
    t.location = e.location;
    for (size_t d = 0; d < e.output.indices.size(); ++d) {
      const IndexExpr& ix = e.output.indices[d];
      int r = ix.single_rank();
      t.ranks.push_back(r);
      t.extents.push_back(c_.ranks[r].size + (ix.is_plain_plus_one() ? 1 : 0));
      if (ix.is_plain_plus_one()) t.recurrent_dim = static_cast<int>(d);
      AccessDim dim;
      dim.index = ix;
      e.output.dims.push_back(dim);
    }
    e.output.tensor = static_cast<int>(c_.tensors.size());
    add_tensor(std::move(t));
  }
  // Declarations: inputs, and formats/init of intermediates.
  for (const std::string& name : tensor_decl_order_) {
    const SpecNode& node = tensor_decls_.at(name);
    int idx = tensor_index(name);
    std::vector<int> ranks;
    std::optional<SpecNode> ranks_node = node.is_null() ? std::nullopt : node.find("ranks");
    if (ranks_node) {
      for (const SpecNode& rn : ranks_node->items()) {
        std::string rname = rn.as_string();
        int r = c_.find_rank(rname);
        if (r < 0) rn.fail(fmt::format("unknown rank '{}'", rname));
        if (std::find(ranks.begin(), ranks.end(), r) != ranks.end())
          rn.fail(fmt::format("rank {} is listed twice", rname));
        ranks.push_back(r);
      }
    }
    if (c_.tensors[idx].producer < 0) {
      if (!ranks_node) node.fail(fmt::format("input tensor '{}' needs its ranks: (e.g. ranks: [M, K])", name));
      c_.tensors[idx].ranks = ranks;
      for (int r : ranks) c_.tensors[idx].extents.push_back(c_.ranks[r].size);
    } else if (ranks_node && ranks != c_.tensors[idx].ranks) {
      auto names = [&](const std::vector<int>& rs) {
        std::string s;
        for (int r : rs) s += (s.empty() ? "" : ", ") + c_.ranks[r].name;
        return "[" + s + "]";
      };
      ranks_node->fail(fmt::format("tensor {} is declared with ranks {} but its Einsum writes {}", name, names(ranks),
                                   names(c_.tensors[idx].ranks)));
    }
    Tensor& t = c_.tensors[idx];
    t.declared = true;
    t.location = node.location();
    if (!node.is_null()) {
      if (auto f = node.find("format")) {
        auto pf = parse_format(f->as_string());
        if (!pf)
          f->fail(fmt::format("unknown number format '{}' (expected one of: {})", f->as_string(), format_names_list()));
        t.format = *pf;
      }
      if (auto init = node.find("init")) {
        if (t.recurrent_dim < 0) {
          init->fail(
              fmt::format("init: is for recurrent tensors (written at x+1); no Einsum writes {} that way", name));
        }
        t.init = init->as_double();
      }
    }
  }
  for (size_t i = 0; i < c_.einsums.size(); ++i) {
    const Tensor& t = c_.tensors[c_.einsums[i].output.tensor];
    if (t.recurrent_dim >= 0 && !t.init) {
      const Rank& r = c_.ranks[t.ranks[t.recurrent_dim]];
      fail_at(pending_[i].node, pending_[i].output.offset,
              fmt::format("tensor {} is written at {}+1 (a recurrence over {}) and needs an initial value: add init: "
                          "under tensors.{}",
                          t.name, lower(r.name), r.name, t.name));
    }
  }
  // Every tensor's size in bytes, and their sum, must fit in 63 bits: the lowering and the
  // engines add up traffic from these, and a wrap-around would be a silent wrong answer.
  int64_t total = 0;
  for (const Tensor& t : c_.tensors) {
    try {
      total = checked_add(total, t.bytes(), "the bytes of all tensors");
    } catch (const SpecError&) {
      throw;
    } catch (const Error& e) {
      std::string dims;
      for (int64_t x : t.extents) dims += (dims.empty() ? "" : " x ") + std::to_string(x);
      throw SpecError(t.location, fmt::format("tensor {} ({} elements of {}) is too large: {} (2^63 bytes is "
                                              "the limit); make its ranks smaller",
                                              t.name, dims, format_name(t.format), e.what()));
    }
  }
}

void Loader::resolve_accesses() {
  std::vector<bool> used(c_.tensors.size(), false);
  for (size_t i = 0; i < c_.einsums.size(); ++i) {
    Einsum& e = c_.einsums[i];
    used[e.output.tensor] = true;
    const SpecNode& node = pending_[i].node;
    for (size_t a = 0; a < e.inputs.size(); ++a) {
      Access& acc = e.inputs[a];
      const PendingAccess& pa = pending_[i].inputs[a];
      int ti = tensor_index(pa.tensor);
      if (ti < 0) {
        fail_at(
            node, pa.offset,
            fmt::format("unknown tensor '{}' (declare it under tensors: with its ranks, or write it with an Einsum)",
                        pa.tensor));
      }
      acc.tensor = ti;
      used[ti] = true;
      const Tensor& t = c_.tensors[ti];
      // Match indices to dimensions; a partitioned rank may take a pair (outer, inner).
      size_t j = 0;
      auto count_error = [&]() {
        std::string rs;
        for (int r : t.ranks) rs += (rs.empty() ? "" : ", ") + c_.ranks[r].name;
        fail_at(node, pa.offset,
                fmt::format("tensor {} has {} rank{} [{}] but is accessed with {} ind{}", t.name, t.ranks.size(),
                            t.ranks.size() == 1 ? "" : "s", rs, acc.indices.size(),
                            acc.indices.size() == 1 ? "ex" : "ices"));
      };
      for (size_t d = 0; d < t.ranks.size(); ++d) {
        if (j >= acc.indices.size()) count_error();
        const Rank& dr = c_.ranks[t.ranks[d]];
        AccessDim dim;
        if (dr.parts.size() == 2 && j + 1 < acc.indices.size() && acc.indices[j].is_plain() &&
            acc.indices[j].single_rank() == dr.parts[0] && acc.indices[j + 1].is_plain() &&
            acc.indices[j + 1].single_rank() == dr.parts[1]) {
          dim.index = acc.indices[j];
          dim.inner = acc.indices[j + 1];
          dim.inner_size = c_.ranks[dr.parts[1]].size;
          j += 2;
        } else {
          dim.index = acc.indices[j];
          j += 1;
        }
        acc.dims.push_back(std::move(dim));
      }
      if (j != acc.indices.size()) count_error();
      // Bounds and the loop-carried flag.
      for (size_t d = 0; d < acc.dims.size(); ++d) {
        const AccessDim& dim = acc.dims[d];
        const int64_t extent = t.extents[d];
        const std::string where = fmt::format("tensor {} at index '{}'", t.name, dim.index.text);
        if (dim.index.is_last()) {
          if (dim.index.last_rank != t.ranks[d]) {
            fail_at(
                node, pa.offset,
                fmt::format("{}: {} names the last coordinate of rank {}, but this dimension of {} is rank {}", where,
                            dim.index.text, c_.ranks[dim.index.last_rank].name, t.name, c_.ranks[t.ranks[d]].name));
          }
          continue;
        }
        if (dim.inner) {
          const Rank& dr = c_.ranks[t.ranks[d]];
          if (!dr.pad && checked_mul(c_.ranks[dr.parts[0]].size, dim.inner_size, "a partition") > extent) {
            fail_at(node, pa.offset, fmt::format("{}: the partition of {} exceeds its size", where, dr.name));
          }
          continue;
        }
        __int128 lo = dim.index.constant, hi = dim.index.constant;
        for (const IndexTerm& term : dim.index.terms) {
          __int128 span = static_cast<__int128>(term.coef) * (c_.ranks[term.rank].size - 1);
          if (span < 0) {
            lo += span;
          } else {
            hi += span;
          }
        }
        if (lo < 0 || hi >= extent) {
          fail_at(node, pa.offset,
                  fmt::format("{} reaches coordinates {} to {}, outside rank {} of size {}", where,
                              static_cast<long long>(std::max<__int128>(lo, INT64_MIN)),
                              static_cast<long long>(std::min<__int128>(hi, INT64_MAX)), c_.ranks[t.ranks[d]].name,
                              extent));
        }
        if (static_cast<int>(d) == t.recurrent_dim && dim.index.is_plain() && dim.index.single_rank() == t.ranks[d]) {
          acc.loop_carried = true;
        }
      }
    }
  }
  for (size_t ti = 0; ti < c_.tensors.size(); ++ti) {
    if (!used[ti]) {
      SourceLocation loc = c_.tensors[ti].location;
      throw SpecError(loc,
                      fmt::format("tensor '{}' is declared but no Einsum reads or writes it", c_.tensors[ti].name));
    }
  }
}

// Adds `points` per operator node of `x` to counts[op] and marks the operators seen.
void count_expr_ops(const Expr& x, int64_t points, std::vector<int64_t>& counts, std::vector<bool>& seen) {
  if (x.kind != Expr::Kind::op) return;
  const int i = static_cast<int>(x.op);
  counts[i] = checked_add(counts[i], points, "the operation count");
  seen[i] = true;
  for (const Expr& a : x.args) count_expr_ops(a, points, counts, seen);
}

void Loader::count_ops() {
  for (Einsum& e : c_.einsums) {
    const std::string what = "the iteration space of " + e.name;
    try {
      e.iteration_points = 1;
      for (int r : e.iteration_ranks) e.iteration_points = checked_mul(e.iteration_points, c_.ranks[r].size, what);
      e.output_points = 1;
      for (const IndexExpr& ix : e.output.indices)
        e.output_points = checked_mul(e.output_points, c_.ranks[ix.single_rank()].size, what);
      std::vector<int64_t> counts(static_cast<int>(Op::dequant) + 1, 0);
      std::vector<bool> seen(counts.size(), false);
      count_expr_ops(e.expr, e.iteration_points, counts, seen);
      for (size_t i = 0; i < counts.size(); ++i)
        if (seen[i]) e.map_ops.emplace_back(static_cast<Op>(i), counts[i]);
      e.reduce_ops = e.reduced_ranks.empty() ? 0 : e.iteration_points - e.output_points;
    } catch (const SpecError&) {
      throw;
    } catch (const Error& err) {
      throw SpecError(e.location, err.what());
    }
  }
}

void Loader::load_outputs() {
  if (auto outs = section("outputs")) {
    for (const SpecNode& item : outs->items()) {
      std::string name = item.as_string();
      int t = tensor_index(name);
      if (t < 0) item.fail(fmt::format("unknown tensor '{}'", name));
      if (c_.tensors[t].producer < 0)
        item.fail(fmt::format("tensor '{}' is an input, not written by any Einsum", name));
      if (std::find(c_.outputs.begin(), c_.outputs.end(), t) != c_.outputs.end())
        item.fail(fmt::format("output '{}' is listed twice", name));
      c_.outputs.push_back(t);
    }
    return;
  }
  // The results nothing else reads (a recurrence reading its own earlier slices still leaves one).
  std::vector<bool> read(c_.tensors.size(), false);
  for (const Einsum& e : c_.einsums)
    for (const Access& a : e.inputs)
      if (a.tensor != e.output.tensor) read[a.tensor] = true;
  for (size_t t = 0; t < c_.tensors.size(); ++t)
    if (c_.tensors[t].producer >= 0 && !read[t]) c_.outputs.push_back(static_cast<int>(t));
}

EinsumCascade Loader::load() {
  c_.file = docs_.back().file();
  if (auto n = section("name")) {
    c_.name = n->as_string();
  } else {
    c_.name = std::filesystem::path(c_.file).stem().string();
  }
  if (auto d = section("description")) c_.description = d->as_string();
  load_ranks();
  load_tensor_declarations();
  parse_einsums();
  build_tensors();
  resolve_accesses();
  count_ops();
  load_outputs();
  CascadeGraph graph(c_);  // validates: cycles, recurrences
  (void)graph;
  return std::move(c_);
}


}  // namespace einsim::loader_detail

namespace einsim {

EinsumCascade load_workload(const YamlDocument& doc, const WorkloadLoadOptions& options) {
  loader_detail::Loader loader(doc, options);
  return loader.load();
}

}  // namespace einsim
