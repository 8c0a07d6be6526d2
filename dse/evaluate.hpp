#pragma once
// Evaluating one point: the single place where a sweep calls an engine, so the fidelity
// that evaluates points changes here and nowhere else.
//
// Fidelities: `analytical` (the default: no SystemC, same statistics as the Cycle fidelity)
// and `cycle`, both through evaluate() (sim/eval/evaluate.hpp).

#include <functional>
#include <optional>
#include <string>

#include "dse/resolve.hpp"
#include "dse/row.hpp"
#include "dse/sweep_spec.hpp"
#include "sim/cycle/simulate.hpp"

namespace einsim::dse {

// Turns a report into the JSON `einsim simulate --json` writes (given by the command line).
using ReportWriter = std::function<std::string(const SimulationReport&)>;

// Simulates the documents of one point. Throws Error for a point einsim cannot map or run.
// With `map`, the mapping is the best of a search (at the Analytical fidelity) and a note says so.
SimulationReport evaluate_point(const PointDocuments& docs, const std::string& fidelity,
                                const std::optional<MapSettings>& map = std::nullopt);

// Evaluates one mapping at `fidelity` (analytical or cycle).
SimulationReport evaluate_at(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                             const std::string& fidelity);

// A finished row for a resolved point: its results, or status `failed` with the error
// (bad input, an impossible mapping, out of memory), or `infeasible` (iso-area, constraints).
// Never throws for the point's own faults.
Row evaluate_row(const SweepSpec& spec, const PointResolver& resolver, const ResolvedPoint& point,
                 const ReportWriter& write_report);

// The row of a point that is not evaluated (ResolvedPoint::infeasible is set).
Row infeasible_row(const ResolvedPoint& point);

}  // namespace einsim::dse
