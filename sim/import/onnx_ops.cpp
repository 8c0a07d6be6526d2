#include "sim/import/onnx_ops.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::import {

[[noreturn]] void fail(const OnnxNode& n, const std::string& what) {
  throw Error(fmt::format("node '{}' ({}): {}", n.name, n.op, what));
}

size_t axis_of(int64_t axis, size_t rank, const OnnxNode& n) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) fail(n, fmt::format("axis {} outside a tensor of rank {}", axis, rank));
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

// The view of input i: a computed value, a graph input, a scalar literal, or a weight (added when first read).
View input(const OnnxNode& n, size_t i, OpContext& c) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) fail(n, fmt::format("input {} is missing", i + 1));
  const std::string& name = n.inputs[i];
  if (c.w.has_view(name)) return c.w.view(name, n);
  auto k = c.model.constants.find(name);
  if (k != c.model.constants.end()) {
    if (k->second.scalar && k->second.dims.size() <= 1) {
      View v;
      v.literal = number_text(*k->second.scalar);
      for (size_t d = 0; d < k->second.dims.size(); ++d) v.dims.emplace_back();
      return v;
    }
    std::vector<OnnxDim> shape;
    for (int64_t d : k->second.dims) {
      if (d <= 0) fail(n, fmt::format("constant '{}' has a dimension of {}", name, d));
      shape.push_back({d, ""});
    }
    return c.w.add_input(name, shape);
  }
  return c.w.view(name, n);  // fails naming the node
}

std::vector<int64_t> constant_ints(const OnnxNode& n, size_t i, OpContext& c) {
  if (i >= n.inputs.size()) fail(n, fmt::format("input {} is missing", i + 1));
  auto k = c.model.constants.find(n.inputs[i]);
  if (k == c.model.constants.end() || !k->second.ints)
    fail(n, fmt::format("input '{}' must be a constant list of integers (an initializer or a Constant node)", n.inputs[i]));
  return *k->second.ints;
}

std::string out_name(const OnnxNode& n) {
  if (n.outputs.empty() || n.outputs[0].empty()) fail(n, "the node has no output");
  return n.outputs[0];
}

// out = f(operands), broadcasting from the right (numpy rules).
View elementwise(const OnnxNode& n, const std::vector<View>& ops, const Expr& f, OpContext& c, const std::string& out,
                 const std::string& suffix) {
  size_t rank = 0;
  for (const View& v : ops) rank = std::max(rank, v.rank());
  c.w.begin_einsum();
  std::vector<IterDim> it(rank);
  for (size_t d = 0; d < rank; ++d) {
    std::vector<std::vector<Atom>> cand;
    for (const View& v : ops) {
      if (d + v.rank() >= rank) cand.push_back(v.dim_atoms(d + v.rank() - rank));
    }
    it[d] = c.w.iter_for(cand, n);
  }
  std::vector<std::string> acc;
  for (const View& v : ops) {
    std::vector<const IterDim*> dims;
    for (size_t d = 0; d < v.rank(); ++d) dims.push_back(&it[d + rank - v.rank()]);
    acc.push_back(c.w.access(v, dims, n));
  }
  std::vector<const IterDim*> od;
  for (auto& d : it) od.push_back(&d);
  return c.w.end_einsum(out, n.name + suffix, od, f(acc), "", suffix.empty() ? "" : n.op);
}

// out = reduce over `axes` of f(x).
View reduce(const OnnxNode& n, const View& x, const std::set<size_t>& axes, bool keepdims, const Expr& f,
            const std::string& op, OpContext& c, const std::string& out, const std::string& suffix) {
  c.w.begin_einsum();
  std::vector<IterDim> it(x.rank());
  for (size_t d = 0; d < x.rank(); ++d) it[d] = c.w.iter_dim(x.dim_atoms(d));
  std::vector<const IterDim*> all, od;
  for (size_t d = 0; d < x.rank(); ++d) {
    all.push_back(&it[d]);
    if (!axes.count(d)) {
      od.push_back(&it[d]);
    } else if (keepdims) {
      od.push_back(nullptr);
    }
  }
  return c.w.end_einsum(out, n.name + suffix, od, f({c.w.access(x, all, n)}), op, suffix.empty() ? "" : n.op);
}

int64_t reduced_size(const View& x, const std::set<size_t>& axes) {
  int64_t s = 1;
  for (size_t a : axes) s *= x.dim_size(a);
  return s;
}

void softmax(const OnnxNode& n, OpContext& c) {
  const View x = input(n, 0, c);
  const std::set<size_t> ax = {axis_of(n.attr_int("axis", -1), x.rank(), n)};
  const std::string o = out_name(n);
  // The 3-pass cascade: max, exp and its sum, division.
  const View mx = reduce(n, x, ax, true, [](auto& a) { return a[0]; }, "max", c, o + "#max", "_max");
  const View e = elementwise(n, {x, mx}, [](auto& a) { return fmt::format("exp({} - {})", a[0], a[1]); }, c,
                             o + "#exp", "_exp");
  const View s = reduce(n, e, ax, true, [](auto& a) { return a[0]; }, "sum", c, o + "#sum", "_sum");
  elementwise(n, {e, s}, [](auto& a) { return fmt::format("{} / {}", a[0], a[1]); }, c, o, "");
}

void layer_norm(const OnnxNode& n, OpContext& c) {
  const View x = input(n, 0, c);
  const size_t first = axis_of(n.attr_int("axis", -1), x.rank(), n);
  std::set<size_t> ax;
  for (size_t d = first; d < x.rank(); ++d) ax.insert(d);
  const std::string D = std::to_string(reduced_size(x, ax));
  const std::string eps = number_text(n.attr_float("epsilon", 1e-5));
  const std::string o = out_name(n);
  const View mu = reduce(n, x, ax, true, [&](auto& a) { return fmt::format("{} / {}", a[0], D); }, "sum", c,
                         o + "#mean", "_mean");
  const View xc = elementwise(n, {x, mu}, [](auto& a) { return fmt::format("{} - {}", a[0], a[1]); }, c,
                              o + "#centered", "_center");
  const View var = reduce(n, xc, ax, true, [&](auto& a) { return fmt::format("{0} * {0} / {1}", a[0], D); }, "sum",
                          c, o + "#var", "_var");
  std::vector<View> ops = {xc, var, input(n, 1, c)};
  const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  if (bias) ops.push_back(input(n, 2, c));
  elementwise(n, ops,
              [&](auto& a) {
                return fmt::format("{} / sqrt({} + {}) * {}{}", a[0], a[1], eps, a[2], bias ? " + " + a[3] : "");
              },
              c, o, "");
}

void reduce_op(const OnnxNode& n, OpContext& c) {
  const View x = input(n, 0, c);
  std::vector<int64_t> axes = n.attr_ints("axes", {});
  if (axes.empty() && n.inputs.size() > 1 && !n.inputs[1].empty()) axes = constant_ints(n, 1, c);
  std::set<size_t> ax;
  if (axes.empty()) {
    for (size_t d = 0; d < x.rank(); ++d) ax.insert(d);
  }
  for (int64_t a : axes) ax.insert(axis_of(a, x.rank(), n));
  const bool keep = n.attr_int("keepdims", 1) != 0;
  const std::string count = std::to_string(reduced_size(x, ax));
  if (n.op == "ReduceMean") {
    reduce(n, x, ax, keep, [&](auto& a) { return fmt::format("{} / {}", a[0], count); }, "sum", c, out_name(n), "");
  } else {
    reduce(n, x, ax, keep, [](auto& a) { return a[0]; }, n.op == "ReduceMax" ? "max" : "sum", c, out_name(n), "");
  }
}

namespace {

View transposed(const View& v, const std::vector<int64_t>& perm, const OnnxNode& n) {
  if (perm.size() != v.rank()) fail(n, fmt::format("perm has {} entries for a tensor of rank {}", perm.size(), v.rank()));
  View t = v;
  std::vector<bool> seen(v.rank(), false);
  for (size_t d = 0; d < perm.size(); ++d) {
    const size_t p = axis_of(perm[d], v.rank(), n);
    if (seen[p]) fail(n, "perm repeats an axis");
    seen[p] = true;
    t.dims[d] = v.dims[p];
  }
  return t;
}

void matmul(const OnnxNode& n, View a, View b, OpContext& c, const std::string& out) {
  if (a.rank() < 2 || b.rank() < 2) fail(n, "einsim imports MatMul of operands with at least 2 dimensions");
  const size_t batch = std::max(a.rank(), b.rank()) - 2;
  c.w.begin_einsum();
  std::vector<IterDim> it(batch + 3);  // batch..., M, N, K
  for (size_t d = 0; d < batch; ++d) {
    std::vector<std::vector<Atom>> cand;
    if (d + a.rank() - 2 >= batch) cand.push_back(a.dim_atoms(d + a.rank() - 2 - batch));
    if (d + b.rank() - 2 >= batch) cand.push_back(b.dim_atoms(d + b.rank() - 2 - batch));
    it[d] = c.w.iter_for(cand, n);
  }
  if (a.dim_size(a.rank() - 1) != b.dim_size(b.rank() - 2))
    fail(n, fmt::format("inner dimensions differ: {} and {}", a.dim_size(a.rank() - 1), b.dim_size(b.rank() - 2)));
  it[batch] = c.w.iter_dim(a.dim_atoms(a.rank() - 2));
  it[batch + 1] = c.w.iter_dim(b.dim_atoms(b.rank() - 1));
  it[batch + 2] = c.w.iter_for({a.dim_atoms(a.rank() - 1), b.dim_atoms(b.rank() - 2)}, n);
  auto dims_of = [&](const View& v, size_t row, size_t col) {
    std::vector<const IterDim*> d;
    for (size_t i = 0; i + 2 < v.rank(); ++i) d.push_back(&it[i + batch + 2 - v.rank()]);
    d.push_back(&it[row]);
    d.push_back(&it[col]);
    return d;
  };
  const std::string expr = fmt::format("{} * {}", c.w.access(a, dims_of(a, batch, batch + 2), n),
                                       c.w.access(b, dims_of(b, batch + 2, batch + 1), n));
  std::vector<const IterDim*> od;
  for (size_t d = 0; d < batch + 2; ++d) od.push_back(&it[d]);
  c.w.end_einsum(out, n.name, od, expr, "sum", "");
}

void gemm(const OnnxNode& n, OpContext& c) {
  View a = input(n, 0, c), b = input(n, 1, c);
  if (a.rank() != 2 || b.rank() != 2) fail(n, "Gemm takes 2-dimensional operands");
  if (n.attr_int("transA", 0)) a = transposed(a, {1, 0}, n);
  if (n.attr_int("transB", 0)) b = transposed(b, {1, 0}, n);
  const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  const std::string o = out_name(n);
  matmul(n, a, b, c, bias ? o + "#product" : o);
  if (bias) {
    elementwise(n, {c.w.view(o + "#product", n), input(n, 2, c)},
                [](auto& x) { return fmt::format("{} + {}", x[0], x[1]); }, c, o, "_bias");
  }
}

// target[d] < 0: copy input dimension d unchanged (ONNX's 0 in a Reshape target).
void reshape_to(const OnnxNode& n, const View& x, const std::vector<int64_t>& target, OpContext& c) {
  // The ONNX order of the atoms, and each target dimension's run of them (splitting atoms as needed).
  std::vector<int> order;
  for (const auto& g : x.dims) order.insert(order.end(), g.begin(), g.end());
  std::vector<std::vector<int64_t>> pieces(x.atoms.size());
  std::vector<std::vector<std::pair<int, int>>> groups;  // (atom, piece)
  size_t ai = 0;
  int64_t rem = order.empty() ? 1 : x.atoms[order[0]].size;
  bool split = false;
  for (size_t td = 0; td < target.size(); ++td) {
    const int64_t t = target[td];
    groups.emplace_back();
    if (t < 0) {  // a copied dimension: its atoms as they are
      for (int a : x.dims[td]) {
        if (ai >= order.size() || order[ai] != a) fail(n, "a copied dimension after a split one");
        groups.back().push_back({a, static_cast<int>(pieces[a].size())});
        pieces[a].push_back(x.atoms[a].size);
        if (++ai < order.size()) rem = x.atoms[order[ai]].size;
      }
      continue;
    }
    int64_t need = t;
    while (need > 1) {
      if (ai >= order.size()) fail(n, "the target shape has more elements than the input");
      const int a = order[ai];
      if (rem <= need) {
        if (need % rem) fail(n, "a reshape einsim cannot express as an index map (sizes do not nest)");
        groups.back().push_back({a, static_cast<int>(pieces[a].size())});
        pieces[a].push_back(rem);
        need /= rem;
        if (++ai < order.size()) rem = x.atoms[order[ai]].size;
      } else {
        if (rem % need || !x.atoms[a].symbol.empty())
          fail(n, "a reshape einsim cannot express as an index map (sizes do not nest)");
        groups.back().push_back({a, static_cast<int>(pieces[a].size())});
        pieces[a].push_back(need);
        rem /= need;
        need = 1;
        split = true;
      }
    }
  }
  if (ai < order.size()) fail(n, "the target shape has fewer elements than the input");
  View base = x;
  std::vector<std::vector<int>> where(x.atoms.size());  // (atom, piece) -> atom of `base`
  if (!split) {
    for (size_t a = 0; a < x.atoms.size(); ++a) where[a] = {static_cast<int>(a)};
  } else {
    // Copy the tensor once, its split atoms as several dimensions: Y[h,e] = X[64*h + e].
    c.w.begin_einsum();
    std::vector<IterDim> it(x.atoms.size());
    View per_atom = x;
    per_atom.dims.clear();
    std::vector<const IterDim*> dims;
    for (size_t a = 0; a < x.atoms.size(); ++a) {
      std::vector<Atom> as;
      for (int64_t p : pieces[a]) as.push_back(pieces[a].size() == 1 ? x.atoms[a] : Atom{p, ""});
      it[a] = c.w.iter_dim(as);
      per_atom.dims.push_back({static_cast<int>(a)});
      dims.push_back(&it[a]);
    }
    base = c.w.end_einsum(out_name(n) + "#split", n.name + "_split", dims, c.w.access(per_atom, dims, n), "", "Reshape");
    for (size_t a = 0; a < x.atoms.size(); ++a) where[a] = base.dims[a];
  }
  View y = base;
  y.dims.clear();
  for (const auto& g : groups) {
    y.dims.emplace_back();
    for (auto [a, p] : g) y.dims.back().push_back(where[a][p]);
  }
  c.w.set_view(out_name(n), y);
}

void reshape(const OnnxNode& n, OpContext& c) {
  const View x = input(n, 0, c);
  std::vector<int64_t> shape = constant_ints(n, 1, c);
  int64_t total = 1, known = 1;
  for (size_t d = 0; d < x.rank(); ++d) total *= x.dim_size(d);
  int infer = -1;
  std::vector<bool> copied(shape.size(), false);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) {
      if (d >= x.rank()) fail(n, "a 0 in the target shape past the input's rank");
      shape[d] = x.dim_size(d);
      copied[d] = true;
    }
    if (shape[d] == -1) {
      if (infer >= 0) fail(n, "two -1 in the target shape");
      infer = static_cast<int>(d);
    } else if (shape[d] <= 0) {
      fail(n, fmt::format("target dimension {}", shape[d]));
    } else {
      known *= shape[d];
    }
  }
  if (infer >= 0) shape[infer] = total / known;
  for (size_t d = 0; d < shape.size(); ++d)
    if (copied[d]) shape[d] = -1;
  reshape_to(n, x, shape, c);
}

void flatten(const OnnxNode& n, OpContext& c) {
  const View x = input(n, 0, c);
  const int64_t axis = n.attr_int("axis", 1);
  const size_t a = axis == static_cast<int64_t>(x.rank()) ? x.rank() : axis_of(axis, x.rank(), n);
  View y = x;
  y.dims.assign(2, {});
  for (size_t d = 0; d < x.rank(); ++d) {
    auto& g = y.dims[d < a ? 0 : 1];
    g.insert(g.end(), x.dims[d].begin(), x.dims[d].end());
  }
  c.w.set_view(out_name(n), y);
}

void squeeze(const OnnxNode& n, OpContext& c, bool un) {
  const View x = input(n, 0, c);
  std::vector<int64_t> axes = n.attr_ints("axes", {});
  if (axes.empty() && n.inputs.size() > 1 && !n.inputs[1].empty()) axes = constant_ints(n, 1, c);
  View y = x;
  if (un) {
    const size_t rank = x.rank() + axes.size();
    std::set<size_t> ax;
    for (int64_t a : axes) ax.insert(axis_of(a, rank, n));
    y.dims.clear();
    size_t k = 0;
    for (size_t d = 0; d < rank; ++d) y.dims.push_back(ax.count(d) ? std::vector<int>{} : x.dims[k++]);
  } else {
    std::set<size_t> ax;
    for (int64_t a : axes) ax.insert(axis_of(a, x.rank(), n));
    y.dims.clear();
    for (size_t d = 0; d < x.rank(); ++d) {
      const bool drop = axes.empty() ? x.dim_size(d) == 1 : ax.count(d) > 0;
      if (drop && x.dim_size(d) != 1) fail(n, fmt::format("dimension {} has size {}, not 1", d, x.dim_size(d)));
      if (!drop) y.dims.push_back(x.dims[d]);
    }
  }
  c.w.set_view(out_name(n), y);
}

// Concat along `axis`. einsim's accesses stay inside their tensors and a tensor has one writer,
// so no index map reads two tensors as one: each input is copied into its slice of the result
// (one copy Einsum per input, `Y#part2[i,j] = X2[i,j]`, whose results go to DRAM), and the joined
// result is a tensor of its own of the concatenated shape, read from DRAM by its consumers (as the
// zero-padded input of a convolution, onnx_conv.cpp). One input is an identity.
void concat(const OnnxNode& n, OpContext& c) {
  if (n.inputs.empty()) fail(n, "Concat needs at least one input");
  if (!n.attributes.count("axis")) fail(n, "the axis attribute is missing (Concat requires one)");
  std::vector<View> xs;
  for (size_t i = 0; i < n.inputs.size(); ++i) xs.push_back(input(n, i, c));
  const size_t rank = xs[0].rank();
  if (rank == 0) fail(n, "input 1 is a scalar; Concat joins tensors of rank 1 or more");
  const size_t axis = axis_of(n.attr_int("axis", 0), rank, n);
  const std::string o = out_name(n);
  int64_t joined = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const View& x = xs[i];
    if (x.rank() != rank) fail(n, fmt::format("input {} has rank {}, input 1 has rank {}", i + 1, x.rank(), rank));
    for (size_t d = 0; d < rank; ++d) {
      if (d != axis && x.dim_size(d) != xs[0].dim_size(d)) {
        fail(n, fmt::format("input {} has size {} in dimension {}, input 1 has {} (only the axis, {}, may differ)",
                            i + 1, x.dim_size(d), d, xs[0].dim_size(d), axis));
      }
    }
    if (__builtin_add_overflow(joined, x.dim_size(axis), &joined)) fail(n, "the joined dimension overflows");
  }
  if (xs.size() == 1) {
    c.w.set_view(o, xs[0]);
    return;
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < xs.size(); ++i) {
    c.w.begin_einsum();
    std::vector<IterDim> it(rank);
    std::vector<const IterDim*> dims;
    for (size_t d = 0; d < rank; ++d) it[d] = c.w.iter_dim(xs[i].dim_atoms(d));
    for (auto& d : it) dims.push_back(&d);
    const View p = c.w.end_einsum(fmt::format("{}#part{}", o, i + 1), fmt::format("{}_part{}", n.name, i + 1), dims,
                                  c.w.access(xs[i], dims, n), "", "Concat");
    parts.push_back(p.tensor);
  }
  // The result's shape: the joined axis, and the other dimensions as the inputs have them (a
  // symbolic one stays symbolic when every input has that same symbol there).
  std::vector<OnnxDim> shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (d == axis) {
      shape[d] = {joined, ""};
      continue;
    }
    shape[d] = {xs[0].dim_size(d), ""};
    const std::vector<Atom> a = xs[0].dim_atoms(d);
    if (a.size() == 1 && !a[0].symbol.empty() &&
        std::all_of(xs.begin(), xs.end(), [&](const View& x) { return x.dim_atoms(d) == a; })) {
      shape[d].symbol = a[0].symbol;
    }
  }
  const View y = c.w.add_input(o, shape);
  c.notes.push_back(fmt::format("node '{}' (Concat): each input is copied into its slice ({}, written to DRAM) and "
                                "the joined result is a tensor of its own, {}, read from DRAM (einsim's accesses "
                                "stay inside their tensors; the joined axis has the fixed size {})",
                                n.name, fmt::join(parts, ", "), y.tensor, joined));
}

std::string binary(const std::string& op, const std::string& a, const std::string& b) {
  if (op == "Add") return fmt::format("{} + {}", a, b);
  if (op == "Sub") return fmt::format("{} - ({})", a, b);
  if (op == "Mul") return fmt::format("({}) * ({})", a, b);
  if (op == "Div") return fmt::format("({}) / ({})", a, b);
  if (op == "Max") return fmt::format("max({}, {})", a, b);
  return fmt::format("min({}, {})", a, b);
}

}  // namespace

bool translate_node(const OnnxNode& n, OpContext& c) {
  const std::string& op = n.op;
  const auto unary = [&](const Expr& f) { elementwise(n, {input(n, 0, c)}, f, c, out_name(n), ""); };
  if (op == "MatMul") {
    matmul(n, input(n, 0, c), input(n, 1, c), c, out_name(n));
  } else if (op == "Gemm") {
    gemm(n, c);
  } else if (op == "Conv") {
    conv(n, c);
  } else if (op == "MaxPool" || op == "AveragePool") {
    pool(n, c);
  } else if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    const View x = input(n, 0, c);
    std::set<size_t> ax;
    for (size_t d = 2; d < x.rank(); ++d) ax.insert(d);
    const std::string cnt = std::to_string(reduced_size(x, ax));
    if (op == "GlobalMaxPool") {
      reduce(n, x, ax, true, [](auto& a) { return a[0]; }, "max", c, out_name(n), "");
    } else {
      reduce(n, x, ax, true, [&](auto& a) { return fmt::format("{} / {}", a[0], cnt); }, "sum", c, out_name(n), "");
    }
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min") {
    if (n.inputs.size() != 2) fail(n, "expected two inputs");
    elementwise(n, {input(n, 0, c), input(n, 1, c)}, [&](auto& a) { return binary(op, a[0], a[1]); }, c, out_name(n), "");
  } else if (op == "Relu") {
    unary([](auto& a) { return fmt::format("relu({})", a[0]); });
  } else if (op == "Gelu") {
    unary([](auto& a) { return fmt::format("gelu({})", a[0]); });
  } else if (op == "Sigmoid") {
    unary([](auto& a) { return fmt::format("1 / (1 + exp(-{}))", a[0]); });
  } else if (op == "Tanh") {
    unary([](auto& a) { return fmt::format("2 / (1 + exp(-2 * {})) - 1", a[0]); });
  } else if (op == "Erf") {
    // erf(x) ~ tanh(1.2025 x) = 2 / (1 + exp(-2.405 x)) - 1: einsim has no erf; the operations are what count.
    unary([](auto& a) { return fmt::format("2 / (1 + exp(-2.405 * {})) - 1", a[0]); });
  } else if (op == "Exp") {
    unary([](auto& a) { return fmt::format("exp({})", a[0]); });
  } else if (op == "Sqrt") {
    unary([](auto& a) { return fmt::format("sqrt({})", a[0]); });
  } else if (op == "Neg") {
    unary([](auto& a) { return fmt::format("-{}", a[0]); });
  } else if (op == "Reciprocal") {
    unary([](auto& a) { return fmt::format("1 / {}", a[0]); });
  } else if (op == "Softmax") {
    softmax(n, c);
  } else if (op == "LayerNormalization") {
    layer_norm(n, c);
  } else if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax") {
    reduce_op(n, c);
  } else if (op == "Reshape") {
    reshape(n, c);
  } else if (op == "Flatten") {
    flatten(n, c);
  } else if (op == "Concat") {
    concat(n, c);
  } else if (op == "Transpose") {
    const View x = input(n, 0, c);
    std::vector<int64_t> rev;
    for (size_t d = x.rank(); d-- > 0;) rev.push_back(static_cast<int64_t>(d));
    c.w.set_view(out_name(n), transposed(x, n.attr_ints("perm", rev), n));
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    squeeze(n, c, op == "Unsqueeze");
  } else if (op == "Identity" || op == "Dropout" || op == "Cast") {
    c.w.set_view(out_name(n), input(n, 0, c));
  } else {
    return false;
  }
  return true;
}

}  // namespace einsim::import
