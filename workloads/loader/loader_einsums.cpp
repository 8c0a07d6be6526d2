// Workload loader: the Einsum expressions (`Z[m,n] = A[m,k] * B[k,n]`) into expression trees.

#include "workloads/loader/loader.hpp"

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

IndexExpr Loader::parse_index(TokenStream& ts) {
  IndexExpr ix;
  const Token& head = ts.peek();
  if (head.kind == Token::Kind::ident && c_.find_rank(head.text) >= 0) {
    ts.next();
    const Token& after = ts.peek();
    if (!(after.kind == Token::Kind::punct && (after.text == "," || after.text == "]"))) {
      ts.fail(head, fmt::format("the rank name {} (the last coordinate) must be an index on its own", head.text));
    }
    ix.last_rank = c_.find_rank(head.text);
    return ix;
  }
  std::map<int, int64_t> coefs;
  std::vector<int> order;
  int sign = ts.accept("-") ? -1 : 1;
  for (;;) {
    int64_t coef = sign;
    int idx_rank = -1;
    for (;;) {
      const Token& t = ts.next();
      if (t.kind == Token::Kind::number) {
        coef *= parse_integer_literal(ts, t);
      } else if (t.kind == Token::Kind::ident) {
        auto param = std::find_if(c_.parameters.begin(), c_.parameters.end(),
                                  [&](const auto& pv) { return pv.first == t.text; });
        if (param != c_.parameters.end()) {
          if (param->second > kMaxCoefficient || param->second < -kMaxCoefficient) {
            ts.fail(t, fmt::format("parameter {} = {} is too large for an index coefficient", t.text, param->second));
          }
          coef *= param->second;
        } else {
          int r = -1;
          for (size_t k = 0; k < c_.ranks.size(); ++k)
            if (lower(c_.ranks[k].name) == t.text) r = static_cast<int>(k);
          if (r < 0) {
            if (c_.find_rank(t.text) >= 0) {
              ts.fail(t, fmt::format("the rank name {} (the last coordinate) must be an index on its own", t.text));
            }
            if (t.text != lower(t.text)) ts.fail(t, fmt::format("unknown rank '{}'", t.text));
            std::string known;
            for (const auto& rk : c_.ranks) known += (known.empty() ? "" : ", ") + lower(rk.name);
            ts.fail(t, fmt::format("unknown rank for index '{}' (an index is the lower-case name of a rank: {})",
                                   t.text, known));
          }
          if (idx_rank >= 0) ts.fail(t, "an index term multiplies two indices; indices must be affine");
          idx_rank = r;
        }
      } else {
        ts.fail(t, fmt::format("expected an index, found {}", TokenStream::describe(t)));
      }
      if (coef > kMaxCoefficient || coef < -kMaxCoefficient) ts.fail(t, "index coefficient or offset is too large");
      if (!ts.accept("*")) break;
    }
    if (idx_rank < 0) {
      ix.constant += coef;
      if (ix.constant > kMaxCoefficient || ix.constant < -kMaxCoefficient)
        ts.fail(ts.peek(), "index offset is too large");
    } else {
      if (!coefs.count(idx_rank)) order.push_back(idx_rank);
      coefs[idx_rank] += coef;
      if (coefs[idx_rank] > kMaxCoefficient || coefs[idx_rank] < -kMaxCoefficient) {
        ts.fail(ts.peek(), "index coefficient is too large");
      }
    }
    if (ts.accept("+")) {
      sign = 1;
    } else if (ts.accept("-")) {
      sign = -1;
    } else {
      break;
    }
  }
  for (int r : order)
    if (coefs[r] != 0) ix.terms.push_back({r, coefs[r]});
  return ix;
}

Access Loader::parse_access_indices(TokenStream& ts, std::string& text) {
  Access a;
  ts.expect("[", "to open the indices");
  if (ts.accept("]")) return a;
  for (;;) {
    size_t from = ts.peek().pos;
    IndexExpr ix = parse_index(ts);
    ix.text = text.substr(from, ts.peek().pos - from);
    while (!ix.text.empty() && std::isspace(static_cast<unsigned char>(ix.text.back()))) ix.text.pop_back();
    a.indices.push_back(std::move(ix));
    if (ts.accept("]")) break;
    if (!ts.accept(","))
      ts.fail(ts.peek(), fmt::format("expected ',' or ']' in the indices, found {}", TokenStream::describe(ts.peek())));
  }
  return a;
}

struct FunctionInfo {
  const char* name;
  Op op;
  int arity;
};
constexpr FunctionInfo kFunctions[] = {
    {"exp", Op::exp, 1},         {"max", Op::max, 2},   {"min", Op::min, 2},   {"abs", Op::abs, 1},
    {"sqrt", Op::sqrt, 1},       {"relu", Op::relu, 1}, {"gelu", Op::gelu, 1}, {"shift_add", Op::shift_add, 2},
    {"dequant", Op::dequant, 3},
};

Expr Loader::binary_node(TokenStream& ts, Op op, Expr left, Expr right) {
  if (++expr_nodes_ > kMaxExprNodes) ts.fail(ts.peek(), "expression too long (more than 4096 operators)");
  Expr n;
  n.kind = Expr::Kind::op;
  n.op = op;
  n.args.push_back(std::move(left));
  n.args.push_back(std::move(right));
  return n;
}

Expr Loader::parse_expr(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  if (depth > kMaxExprDepth) ts.fail(ts.peek(), "expression nested too deeply");
  Expr left = parse_term(ts, e, p, depth);
  for (;;) {
    Op op;
    if (ts.accept("+")) {
      op = Op::add;
    } else if (ts.accept("-")) {
      op = Op::sub;
    } else {
      return left;
    }
    Expr right = parse_term(ts, e, p, depth);
    left = binary_node(ts, op, std::move(left), std::move(right));
  }
}

Expr Loader::parse_term(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  Expr left = parse_unary(ts, e, p, depth);
  for (;;) {
    Op op;
    if (ts.accept("*")) {
      op = Op::mul;
    } else if (ts.accept("/")) {
      op = Op::div;
    } else {
      return left;
    }
    Expr right = parse_unary(ts, e, p, depth);
    left = binary_node(ts, op, std::move(left), std::move(right));
  }
}

Expr Loader::parse_unary(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  if (depth > kMaxExprDepth) ts.fail(ts.peek(), "expression nested too deeply");
  if (ts.accept("-")) {
    Expr n;
    n.kind = Expr::Kind::op;
    if (++expr_nodes_ > kMaxExprNodes) ts.fail(ts.peek(), "expression too long (more than 4096 operators)");
    n.op = Op::neg;
    n.args.push_back(parse_unary(ts, e, p, depth + 1));
    return n;
  }
  return parse_primary(ts, e, p, depth);
}

Expr Loader::parse_primary(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  const Token t = ts.next();
  Expr n;
  if (t.kind == Token::Kind::number) {
    char* end = nullptr;
    n.value = std::strtod(t.text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(n.value)) ts.fail(t, fmt::format("bad number '{}'", t.text));
    return n;
  }
  if (t.kind == Token::Kind::punct && t.text == "(") {
    n = parse_expr(ts, e, p, depth + 1);
    ts.expect(")", "to close '('");
    return n;
  }
  if (t.kind != Token::Kind::ident) ts.fail(t, fmt::format("expected a value, found {}", TokenStream::describe(t)));
  const Token& after = ts.peek();
  if (after.kind == Token::Kind::punct && after.text == "(") {
    const FunctionInfo* f = nullptr;
    for (const auto& fi : kFunctions)
      if (t.text == fi.name) f = &fi;
    if (!f) {
      std::string known;
      for (const auto& fi : kFunctions) known += (known.empty() ? "" : ", ") + std::string(fi.name);
      ts.fail(t, fmt::format("unknown function '{}' (expected one of: {})", t.text, known));
    }
    ts.next();
    n.kind = Expr::Kind::op;
    if (++expr_nodes_ > kMaxExprNodes) ts.fail(ts.peek(), "expression too long (more than 4096 operators)");
    n.op = f->op;
    if (!(ts.peek().kind == Token::Kind::punct && ts.peek().text == ")")) {
      for (;;) {
        n.args.push_back(parse_expr(ts, e, p, depth + 1));
        if (!ts.accept(",")) break;
      }
    }
    ts.expect(")", "to close the arguments");
    if (static_cast<int>(n.args.size()) != f->arity) {
      ts.fail(t, fmt::format("{} takes {} argument{}, found {}", f->name, f->arity, f->arity == 1 ? "" : "s",
                             n.args.size()));
    }
    return n;
  }
  if (after.kind == Token::Kind::punct && after.text == "[") {
    std::string text = ts.node().as_string();
    Access a = parse_access_indices(ts, text);
    a.text = text.substr(t.pos, ts.peek(0).pos - t.pos);
    while (!a.text.empty() && std::isspace(static_cast<unsigned char>(a.text.back()))) a.text.pop_back();
    n.kind = Expr::Kind::access;
    n.access = static_cast<int>(e.inputs.size());
    e.inputs.push_back(std::move(a));
    p.inputs.push_back({t.text, t.pos});
    return n;
  }
  // A bare name: a parameter or a rank size, as a constant.
  for (const auto& [name, v] : c_.parameters) {
    if (name == t.text) {
      n.value = static_cast<double>(v);
      return n;
    }
  }
  if (int r = c_.find_rank(t.text); r >= 0) {
    n.value = static_cast<double>(c_.ranks[r].size);
    return n;
  }
  ts.fail(t, fmt::format("unknown name '{}' (a tensor access needs indices, e.g. {}[...]; a bare name must be a "
                         "parameter or a rank)",
                         t.text, t.text));
}

void Loader::parse_einsums() {
  auto list = section("einsums");
  if (!list) bodies_.back().fail("missing required key 'einsums'");
  auto items = list->items();
  if (items.empty()) list->fail("a workload needs at least one Einsum");
  if (items.size() > kMaxEinsums) {
    list->fail(fmt::format("{} Einsums, more than the {} one workload may hold (loading and analysis take about "
                           "4 KiB and 25 us per Einsum; split the network into several workloads)",
                           items.size(), kMaxEinsums));
  }
  for (const SpecNode& item : items) {
    Einsum e;
    std::optional<SpecNode> text_node;
    if (item.is_map()) {
      item.check_keys({"name", "expr", "reduce", "description"});
      text_node = item.at("expr");
      e.description = item.as_string_or("description", "");
      std::string reduce = item.as_string_or("reduce", "sum");
      if (reduce == "sum") {
        e.reduce = ReduceOp::sum;
      } else if (reduce == "max") {
        e.reduce = ReduceOp::max;
      } else if (reduce == "min") {
        e.reduce = ReduceOp::min;
      } else if (reduce == "prod") {
        e.reduce = ReduceOp::prod;
      } else {
        item.at("reduce").fail(fmt::format("unknown reduce operator '{}' (expected sum, max, min or prod)", reduce));
      }
    } else {
      text_node = item;
    }
    const SpecNode& node = *text_node;
    PendingEinsum p{node, item, {}, {}};
    e.text = node.as_string();
    e.location = node.location();
    TokenStream ts(node, e.text);
    expr_nodes_ = 0;
    const Token out = ts.next();
    if (out.kind != Token::Kind::ident)
      ts.fail(out, fmt::format("expected the output tensor, found {}", TokenStream::describe(out)));
    std::string text = e.text;
    e.output = parse_access_indices(ts, text);
    e.output.text = text.substr(out.pos, ts.peek().pos - out.pos);
    while (!e.output.text.empty() && std::isspace(static_cast<unsigned char>(e.output.text.back())))
      e.output.text.pop_back();
    p.output = {out.text, out.pos};
    ts.expect("=", "after the output");
    e.expr = parse_expr(ts, e, p, 0);
    if (ts.peek().kind != Token::Kind::end)
      ts.fail(ts.peek(), fmt::format("unexpected {}", TokenStream::describe(ts.peek())));
    e.name = item.is_map() ? item.as_string_or("name", out.text) : out.text;

    // Output indices: plain or x+1, each rank once; each appears on the right.
    std::set<int> rhs;
    std::vector<int> rhs_order;
    for (const Access& a : e.inputs)
      for (const IndexExpr& ix : a.indices)
        for (const IndexTerm& term : ix.terms)
          if (rhs.insert(term.rank).second) rhs_order.push_back(term.rank);
    std::set<int> out_ranks;
    size_t cursor = out.pos;
    for (const IndexExpr& ix : e.output.indices) {
      size_t at = e.text.find(ix.text, cursor);
      if (at == std::string::npos) at = out.pos;
      cursor = at + ix.text.size();
      if (!(ix.is_plain() || ix.is_plain_plus_one())) {
        fail_at(node, at, fmt::format("output index '{}' must be a plain index (m) or a recurrence (m+1)", ix.text));
      }
      int r = ix.single_rank();
      if (!out_ranks.insert(r).second) fail_at(node, at, fmt::format("output index '{}' is given twice", ix.text));
      if (ix.is_plain_plus_one()) {
        if (e.recurrent_rank >= 0) fail_at(node, at, "an Einsum can recur over one rank only");
        e.recurrent_rank = r;
      }
      if (!rhs.count(r)) {
        fail_at(node, at,
                fmt::format("output index '{}' appears nowhere on the right-hand side", lower(c_.ranks[r].name)));
      }
      e.iteration_ranks.push_back(r);
    }
    for (int r : rhs_order) {
      if (!out_ranks.count(r)) {
        e.iteration_ranks.push_back(r);
        e.reduced_ranks.push_back(r);
      }
    }
    c_.einsums.push_back(std::move(e));
    pending_.push_back(std::move(p));
  }
}


}  // namespace einsim::loader_detail
