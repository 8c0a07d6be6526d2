#pragma once
// `einsim simulate` at the Cycle fidelity: lower the mapped cascade to tile
// programs, simulate each group in turn, and gather cycles, utilization,
// buffer peaks, DRAM traffic, energy and area into one report.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arch/pe/action_counts.hpp"
#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/cycle/trace.hpp"
#include "sim/engine/regfile_model.hpp"
#include "sim/eval/evaluate.hpp"
#include "sim/eval/simulation_report.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

struct SimulateOptions {
  bool extrapolate = true;
  TraceRecorder* trace = nullptr;  // when set, gets every group's tile operations
  // Set (e.g. by SIGINT): the run stops between steps and throws Interrupted.
  const std::atomic<bool>* stop = nullptr;
  // Progress in steps of the lowered groups' tile programs: (steps done, steps in all
  // groups), done never decreasing; a group whose steady state is extrapolated counts as
  // done at once. Called with (0, total) once the cascade is lowered.
  std::function<void(uint64_t done, uint64_t total)> progress = {};
};

// The Cycle fidelity's timing stage for evaluate(): one group's tile program in SystemC.
TimingResult cycle_timer(const TileProgram& program, bool extrapolate);

// The cost stage for evaluate(): energy and area from the architecture's technology table.
void cost_stage(const ArchSpec& arch, SimulationReport& report);

// The cost stage with `arch`'s technology tables found and read now, once: for many
// evaluations of one architecture. Given another architecture, it resolves that one's.
CostStage cost_stage_for(const ArchSpec& arch);

// evaluate()'s options for a fidelity, with the Cycle timer and the cost stage plugged in
// (with `arch`, the cost stage of cost_stage_for(*arch)).
EvaluateOptions evaluate_options(Fidelity fidelity, bool extrapolate = true, const ArchSpec* arch = nullptr);

// Throws Error for an impossible mapping (e.g. a buffer too small for its tiles).
// The Cycle fidelity through evaluate().
SimulationReport simulate_cycle(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                const SimulateOptions& options = {});

}  // namespace einsim
