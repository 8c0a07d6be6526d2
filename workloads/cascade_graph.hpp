#pragma once
// The dependencies of a cascade as a Boost.Graph DAG of Einsums: an edge
// p -> c carries a tensor that Einsum p writes and Einsum c reads. Reads of
// a recurrent tensor at x (written at x+1) are loop-carried and kept apart,
// so they never form cycles.
//
// Usage:
//   CascadeGraph g(cascade);          // throws SpecError on a cycle
//   for (int e : g.topological_order()) ...
//   std::cout << g.to_dot();

#include <boost/graph/adjacency_list.hpp>
#include <string>
#include <vector>

#include "workloads/einsum_cascade.hpp"

namespace einsim {

// The tensor an edge of the cascade DAG carries.
struct CascadeEdgeProperty {
  int tensor = -1;
};

using CascadeDag =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property, CascadeEdgeProperty>;

// The Einsum DAG of a cascade, its order, and its recurrences.
class CascadeGraph {
 public:
  // A loop-carried dependence: `to` reads at x what `from` wrote at x+1.
  struct LoopEdge {
    int from = -1;
    int to = -1;
    int tensor = -1;
    int rank = -1;  // the recurrent rank
  };
  // Einsums evaluated together: one Einsum (rank -1), or the Einsums of one
  // recurrence, stepped together along `rank`.
  struct Group {
    std::vector<int> einsums;  // in topological order
    int rank = -1;
  };

  // Throws SpecError for a cycle ("cycle in the cascade: A -> B -> A") and for
  // recurrences that cannot be stepped together.
  explicit CascadeGraph(const EinsumCascade& cascade);

  const CascadeDag& dag() const { return dag_; }
  // Einsums in dependency order; among ready Einsums, file order first.
  const std::vector<int>& topological_order() const { return order_; }
  // Position of each Einsum in topological_order().
  int position(int einsum) const { return position_[einsum]; }
  // The Einsum writing a tensor, or -1 for inputs.
  int producer(int tensor) const;
  // The Einsums reading a tensor (DAG or loop-carried), in file order.
  const std::vector<int>& consumers(int tensor) const { return consumers_[tensor]; }
  const std::vector<LoopEdge>& loop_edges() const { return loop_edges_; }
  // Evaluation groups in dependency order.
  const std::vector<Group>& groups() const { return groups_; }
  // Graphviz: Einsums as boxes, input and output tensors as ellipses, edges
  // labelled with tensor names; loop-carried edges dashed.
  std::string to_dot() const;

 private:
  const EinsumCascade* cascade_;
  CascadeDag dag_;
  std::vector<int> order_;
  std::vector<int> position_;
  std::vector<std::vector<int>> consumers_;
  std::vector<LoopEdge> loop_edges_;
  std::vector<Group> groups_;
};

}  // namespace einsim
