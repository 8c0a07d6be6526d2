#include "dse/map_evaluator.hpp"

#include <exception>

#include "sim/core/error.hpp"
#include "sim/cycle/simulate.hpp"

namespace einsim::dse {

MapCost evaluate_for_mapper(const EinsumCascade& cascade, const CascadeGraph& graph, const ArchSpec& arch,
                            const EvaluateOptions& options, const Mapping& mapping) {
  MapCost cost;
  try {
    const SimulationReport r = evaluate(cascade, graph, arch, mapping, options);
    cost.legal = true;
    cost.cycles = static_cast<double>(r.cycles);
    cost.energy_pj = r.energy_pj;
  } catch (const std::exception& e) {
    // An engine's internal check on a mapping the checks let through: not a mapping to keep.
    cost.error = e.what();
  }
  return cost;
}

SearchResult map_cascade(const EinsumCascade& cascade, const ArchSpec& arch, SearchOptions options) {
  const MapSpace space(cascade, arch);
  options.parallel_evaluator = options.parallel_evaluator && kMapEvaluatorThreadSafe;
  // The workload's graph and the architecture's cost tables, built once for every evaluation.
  const CascadeGraph graph(cascade);
  const EvaluateOptions eval_options = evaluate_options(Fidelity::analytical, true, &arch);
  const MapEvaluator evaluate = [&](const Mapping& m) {
    return evaluate_for_mapper(cascade, graph, arch, eval_options, m);
  };
  return search_mappings(space, evaluate, options);
}

}  // namespace einsim::dse
