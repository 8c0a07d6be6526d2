#include "workloads/cascade_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/strong_components.hpp>
#include <functional>
#include <map>
#include <queue>
#include <set>

namespace einsim {
namespace {

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

CascadeGraph::CascadeGraph(const EinsumCascade& c) : cascade_(&c), dag_(c.einsums.size()) {
  const int n = static_cast<int>(c.einsums.size());
  consumers_.assign(c.tensors.size(), {});
  std::set<std::pair<int, int>> dag_edges;  // (from, to) already added, per tensor below
  std::set<std::tuple<int, int, int>> seen;
  for (int e = 0; e < n; ++e) {
    for (const Access& a : c.einsums[e].inputs) {
      auto& cons = consumers_[a.tensor];
      if (cons.empty() || cons.back() != e) cons.push_back(e);  // e grows: a duplicate can only be the last
      const int p = c.tensors[a.tensor].producer;
      if (p < 0) continue;
      if (!seen.insert({p, e, a.tensor * 2 + (a.loop_carried ? 1 : 0)}).second) continue;
      if (a.loop_carried) {
        const Tensor& t = c.tensors[a.tensor];
        loop_edges_.push_back({p, e, a.tensor, t.ranks[t.recurrent_dim]});
      } else {
        boost::add_edge(p, e, CascadeEdgeProperty{a.tensor}, dag_);
      }
    }
  }

  // Kahn's algorithm, smallest file index first among ready Einsums.
  std::vector<int> indeg(n, 0);
  for (auto [ei, ee] = boost::edges(dag_); ei != ee; ++ei) ++indeg[boost::target(*ei, dag_)];
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int v = 0; v < n; ++v)
    if (indeg[v] == 0) ready.push(v);
  while (!ready.empty()) {
    int v = ready.top();
    ready.pop();
    order_.push_back(v);
    for (auto [oi, oe] = boost::out_edges(v, dag_); oi != oe; ++oi) {
      int w = static_cast<int>(boost::target(*oi, dag_));
      if (--indeg[w] == 0) ready.push(w);
    }
  }
  if (static_cast<int>(order_.size()) != n) {
    // Find one cycle among the Einsums left: walk predecessors with remaining in-degree.
    std::vector<bool> left(n, false);
    for (int v = 0; v < n; ++v) left[v] = indeg[v] > 0;
    int start = -1;
    for (int v = 0; v < n && start < 0; ++v)
      if (left[v]) start = v;
    std::vector<int> walk;
    std::map<int, size_t> at;
    int v = start;
    while (!at.count(v)) {
      at[v] = walk.size();
      walk.push_back(v);
      int next = -1;
      for (auto [ii, ie] = boost::in_edges(v, dag_); ii != ie && next < 0; ++ii) {
        int u = static_cast<int>(boost::source(*ii, dag_));
        if (left[u]) next = u;
      }
      v = next;
    }
    // walk[at[v]..] follows edges backwards; print it forwards.
    std::vector<int> cycle(walk.begin() + static_cast<long>(at[v]), walk.end());
    std::reverse(cycle.begin(), cycle.end());
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    std::string text;
    for (int u : cycle) text += c.einsums[u].name + " -> ";
    text += c.einsums[cycle.front()].name;
    throw SpecError(c.einsums[cycle.front()].location, "cycle in the cascade: " + text);
  }
  position_.assign(n, 0);
  for (int i = 0; i < n; ++i) position_[order_[i]] = i;

  // Recurrences: strongly connected components of DAG + loop-carried edges.
  CascadeDag full(n);
  for (auto [ei, ee] = boost::edges(dag_); ei != ee; ++ei)
    boost::add_edge(boost::source(*ei, dag_), boost::target(*ei, dag_), full);
  for (const LoopEdge& l : loop_edges_) boost::add_edge(l.from, l.to, full);
  std::vector<int> comp(n, 0);
  const int ncomp = n == 0 ? 0 : static_cast<int>(boost::strong_components(full, comp.data()));
  std::vector<Group> groups(ncomp);
  for (int v : order_) groups[comp[v]].einsums.push_back(v);
  std::vector<std::set<int>> loop_ranks(ncomp);  // ranks of the loop edges inside each component
  for (const LoopEdge& l : loop_edges_)
    if (comp[l.from] == comp[l.to]) loop_ranks[comp[l.from]].insert(l.rank);
  for (int g = 0; g < ncomp; ++g) {
    const std::set<int>& ranks = loop_ranks[g];
    if (ranks.empty()) continue;
    const Einsum& first = c.einsums[groups[g].einsums.front()];
    if (ranks.size() > 1) {
      throw SpecError(first.location, fmt::format("recurrences over different ranks ({} and {}) feed each other",
                                                  c.ranks[*ranks.begin()].name, c.ranks[*ranks.rbegin()].name));
    }
    const int x = *ranks.begin();
    groups[g].rank = x;
    std::set<int> members(groups[g].einsums.begin(), groups[g].einsums.end());
    for (int e : groups[g].einsums) {
      const Einsum& ein = c.einsums[e];
      bool keeps = false;
      for (const IndexExpr& ix : ein.output.indices) keeps = keeps || ix.single_rank() == x;
      if (!keeps) {
        throw SpecError(ein.location, fmt::format("{} is part of the recurrence over {} but its output has no index {}",
                                                  ein.name, c.ranks[x].name, lower(c.ranks[x].name)));
      }
      for (const Access& a : ein.inputs) {
        const Tensor& t = c.tensors[a.tensor];
        if (t.producer < 0 || !members.count(t.producer)) continue;
        for (size_t d = 0; d < t.ranks.size(); ++d) {
          if (t.ranks[d] != x) continue;
          const IndexExpr& ix = a.dims[d].index;
          bool ok = !a.dims[d].inner &&
                    (ix.is_plain() || (ix.is_plain_plus_one() && static_cast<int>(d) == t.recurrent_dim)) &&
                    ix.single_rank() == x;
          if (!ok) {
            throw SpecError(ein.location,
                            fmt::format("cannot step the recurrence over {}: {} reads {} at '{}' (inside a recurrence, "
                                        "read its tensors at {} or {}+1)",
                                        c.ranks[x].name, ein.name, t.name, ix.text, lower(c.ranks[x].name),
                                        lower(c.ranks[x].name)));
          }
        }
      }
    }
  }
  // Order groups: Kahn over the condensation, smallest first position first.
  std::vector<std::set<int>> succ(ncomp);
  std::vector<int> gin(ncomp, 0);
  for (auto [ei, ee] = boost::edges(full); ei != ee; ++ei) {
    int a = comp[boost::source(*ei, full)], b = comp[boost::target(*ei, full)];
    if (a != b && succ[a].insert(b).second) ++gin[b];
  }
  auto key = [&](int g) { return position_[groups[g].einsums.front()]; };
  auto cmp = [&](int a, int b) { return key(a) > key(b); };
  std::priority_queue<int, std::vector<int>, decltype(cmp)> gready(cmp);
  for (int g = 0; g < ncomp; ++g)
    if (gin[g] == 0) gready.push(g);
  while (!gready.empty()) {
    int g = gready.top();
    gready.pop();
    groups_.push_back(groups[g]);
    for (int s : succ[g])
      if (--gin[s] == 0) gready.push(s);
  }
  if (static_cast<int>(groups_.size()) != ncomp) throw InternalError("CascadeGraph: condensation is not acyclic");
}

int CascadeGraph::producer(int tensor) const { return cascade_->tensors[tensor].producer; }

std::string CascadeGraph::to_dot() const {
  const EinsumCascade& c = *cascade_;
  std::string out =
      fmt::format("digraph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n", dot_escape(c.name));
  for (int e : order_) {
    out += fmt::format("  e{} [shape=box, label=\"{}\\n{}\"];\n", e, dot_escape(c.einsums[e].name),
                       dot_escape(c.einsums[e].text));
  }
  for (size_t t = 0; t < c.tensors.size(); ++t) {
    if (c.tensors[t].producer < 0) {
      out += fmt::format("  t{} [shape=ellipse, label=\"{}\"];\n", t, dot_escape(c.tensors[t].name));
      for (int e : consumers_[t])
        out += fmt::format("  t{} -> e{} [label=\"{}\"];\n", t, e, dot_escape(c.tensors[t].name));
    }
  }
  for (auto [ei, ee] = boost::edges(dag_); ei != ee; ++ei) {
    out += fmt::format("  e{} -> e{} [label=\"{}\"];\n", boost::source(*ei, dag_), boost::target(*ei, dag_),
                       dot_escape(c.tensors[dag_[*ei].tensor].name));
  }
  for (const LoopEdge& l : loop_edges_) {
    out += fmt::format("  e{} -> e{} [style=dashed, label=\"{} (loop over {})\"];\n", l.from, l.to,
                       dot_escape(c.tensors[l.tensor].name), dot_escape(c.ranks[l.rank].name));
  }
  for (int t : c.outputs) {
    out += fmt::format("  t{} [shape=ellipse, style=bold, label=\"{}\"];\n  e{} -> t{};\n", t,
                       dot_escape(c.tensors[t].name), c.tensors[t].producer, t);
  }
  out += "}\n";
  return out;
}

}  // namespace einsim
