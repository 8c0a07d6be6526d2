// The cascade DAG: topological order, producers and consumers, loop-carried edges, Graphviz.

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/workloads/workload_test_util.hpp"
#include "workloads/cascade_graph.hpp"

using namespace einsim;
using einsim::testing::load_library;
using einsim::testing::load_text;

namespace {

std::vector<std::string> order_names(const EinsumCascade& c, const CascadeGraph& g) {
  std::vector<std::string> out;
  for (int e : g.topological_order()) out.push_back(c.einsums[e].name);
  return out;
}

}  // namespace

TEST_CASE("the topological order puts producers first and keeps file order otherwise", "[workloads][graph]") {
  // Written out of order: D needs C, C needs B.
  auto c = load_text(R"(workload:
  ranks: {M: 2}
  tensors:
    A: {ranks: [M]}
  einsums:
    - D[m] = C[m] + B[m]
    - C[m] = B[m] * 2
    - B[m] = A[m] + 1
    - E[m] = A[m] - 1
)");
  CascadeGraph g(c);
  CHECK(order_names(c, g) == std::vector<std::string>{"B", "C", "D", "E"});
  CHECK(boost::num_vertices(g.dag()) == 4);
  CHECK(boost::num_edges(g.dag()) == 3);  // B->C, B->D, C->D
  CHECK(g.producer(c.find_tensor("A")) == -1);
  CHECK(g.producer(c.find_tensor("C")) == 1);
  CHECK(g.consumers(c.find_tensor("B")) == std::vector<int>{0, 1});
  CHECK(g.consumers(c.find_tensor("A")) == std::vector<int>{2, 3});
  CHECK(g.consumers(c.find_tensor("D")).empty());
  for (int e = 0; e < 4; ++e) CHECK(g.topological_order()[g.position(e)] == e);
}

TEST_CASE("the FuseMax cascade has loop-carried edges and three recurrence groups", "[workloads][graph]") {
  auto c = load_library("attention_fusemax.yaml");
  CascadeGraph g(c);
  // Loop-carried: RM -> RM, RM -> PRM (RM[m1]), RD -> SPD, RNV -> SPNV.
  std::vector<std::pair<std::string, std::string>> loops;
  for (const auto& l : g.loop_edges()) {
    loops.emplace_back(c.einsums[l.from].name, c.einsums[l.to].name);
    CHECK(c.ranks[l.rank].name == "M1");
  }
  std::sort(loops.begin(), loops.end());
  CHECK(loops ==
        std::vector<std::pair<std::string, std::string>>{{"RD", "SPD"}, {"RM", "PRM"}, {"RM", "RM"}, {"RNV", "SPNV"}});
  // The DAG: 12 Einsums; edges carry tensors, e.g. QK feeds LM and SLN.
  CHECK(boost::num_vertices(g.dag()) == 12);
  CHECK(g.consumers(c.find_tensor("QK")) == std::vector<int>{1, 3});
  CHECK(g.consumers(c.find_tensor("RM")) == std::vector<int>{2, 3, 5});
  CHECK(g.producer(c.find_tensor("AV")) == 11);
  // File order is already a topological order here.
  std::vector<int> expect(12);
  for (int i = 0; i < 12; ++i) expect[i] = i;
  CHECK(g.topological_order() == expect);
  // Groups stepped along M1: {RM}, {SPD, RD}, {SPNV, RNV}.
  std::vector<std::vector<std::string>> loops_groups;
  for (const auto& grp : g.groups()) {
    if (grp.rank < 0) continue;
    CHECK(c.ranks[grp.rank].name == "M1");
    std::vector<std::string> names;
    for (int e : grp.einsums) names.push_back(c.einsums[e].name);
    loops_groups.push_back(names);
  }
  CHECK(loops_groups == std::vector<std::vector<std::string>>{{"RM"}, {"SPD", "RD"}, {"SPNV", "RNV"}});
}

TEST_CASE("the Graphviz output names tensors on edges and dashes loop-carried ones", "[workloads][graph]") {
  auto c = load_library("attention_fusemax.yaml");
  CascadeGraph g(c);
  std::string dot = g.to_dot();
  CHECK(dot.rfind("digraph \"attention_fusemax\" {", 0) == 0);
  CHECK(dot.find("e0 -> e1 [label=\"QK\"]") != std::string::npos);
  CHECK(dot.find("e2 -> e2 [style=dashed, label=\"RM (loop over M1)\"]") != std::string::npos);
  CHECK(dot.find("label=\"Q\"") != std::string::npos);
  CHECK(dot.find("style=bold, label=\"AV\"") != std::string::npos);
  CHECK(dot.back() == '\n');
}

TEST_CASE("recurrences that cannot be stepped together are errors", "[workloads][graph]") {
  std::string err = einsim::testing::load_error(R"(workload:
  ranks: {N: 4}
  tensors:
    X: {ranks: [N]}
    R: {init: 0}
  einsums:
    - R[n+1] = R[n] + S[] + X[n]
    - {expr: "S[] = R[n]", reduce: max}
)");
  CHECK(err.find("S is part of the recurrence over N but its output has no index n") != std::string::npos);
}
