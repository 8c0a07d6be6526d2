#pragma once
// The Analytical fidelity: evaluates a TileProgram with the Cycle fidelity's
// semantics, in plain C++ without SystemC and without process-wide state (any
// number of evaluations may run at once on threads).
//
// Each operation starts at the latest of its unit becoming free (the unit takes
// its operations in program order, step by step) and its inputs becoming
// visible: start = max(free(unit), completion(deps)), a max-plus recurrence,
// evaluated directly in program order. Units that share a channel (a
// half-duplex DRAM) take turns on it, oldest request first (of two made at the
// same time, the unit that did not use the channel last); those grants are
// decided in time order, one at a time, once every operation that needs no grant
// has been evaluated. The periodic steady state is detected exactly as the
// Cycle engine detects it (the same window, the same checks, the same step), and
// the rest is extrapolated in closed form: the completion of each operation's
// last instance is that of its instance in the last checked period plus whole
// periods' cycles. With shared channels, whole periods are cut out of the
// program and the remainder is evaluated step by step, as in the Cycle engine.
// docs/fidelities.md lists where the two fidelities may differ.

#include "sim/lower/fold.hpp"
#include "sim/lower/tile_program.hpp"
#include "sim/lower/timing_result.hpp"

namespace einsim {

struct AnalyticalOptions {
  bool extrapolate = true;  // detect a periodic steady state and extrapolate
  bool fold = true;         // with extrapolate: fold a long inner loop (sim/lower/fold.hpp)
  FoldOptions fold_options = {};
  // The first folded evaluation of this program, made before (by the capacity check): reused
  // (its program is moved out).
  FoldedFirst* folded_first = nullptr;
};

// Throws InternalError for an invalid program or a dependency deadlock.
TimingResult evaluate_tile_program(const TileProgram& program, const AnalyticalOptions& options = {});

}  // namespace einsim
