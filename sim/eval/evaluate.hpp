#pragma once
// One evaluation pipeline for `einsim simulate` at every fidelity:
//   lower (sim/lower: tile programs, traffic, actions)
//   -> time (Analytical here; Cycle or Detailed plugged in by the caller)
//   -> account (buffers, register files, spills)
//   -> cost (energy and area; plugged in by the caller)
//   -> one SimulationReport.
// Only the timing stage differs between fidelities. No SystemC and no
// process-wide state here: evaluations may run at once on many threads (the
// Analytical fidelity; the Cycle timer serializes its own runs).

#include <functional>
#include <string_view>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/eval/simulation_report.hpp"
#include "sim/lower/lowering.hpp"
#include "sim/lower/timing_result.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

enum class Fidelity { analytical, cycle, detailed };

std::string_view fidelity_name(Fidelity f);

// Times one lowered group. `extrapolate`: the periodic steady state may be extrapolated.
using GroupTimer = std::function<TimingResult(const LoweredGroup& group, bool extrapolate)>;
// Fills energy and area (and their notes) of a report whose counts are complete.
using CostStage = std::function<void(const ArchSpec& arch, SimulationReport& report)>;

struct EvaluateOptions {
  Fidelity fidelity = Fidelity::analytical;
  bool extrapolate = true;
  GroupTimer timer;          // empty: the Analytical fidelity (evaluate_tile_program)
  CostStage cost;  // empty: no energy or area
  // Called once with every lowered group before the first is timed (e.g. to size a progress
  // meter from the groups' steps). May be empty.
  std::function<void(const std::vector<LoweredGroup>& groups)> lowered = {};
};

// Throws Error for an impossible mapping (e.g. a buffer too small for its tiles, a
// register file too small for what its PEs keep).
SimulationReport evaluate(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                          const EvaluateOptions& options = {});
// The same with the cascade's graph built before (CascadeGraph(cascade)): callers that
// evaluate one workload many times (the mapper, benchmarks) build it once.
SimulationReport evaluate(const EinsumCascade& cascade, const CascadeGraph& graph, const ArchSpec& arch,
                          const Mapping& mapping, const EvaluateOptions& options = {});

}  // namespace einsim
