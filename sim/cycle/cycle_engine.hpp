#pragma once
// The Cycle fidelity: simulates a TileProgram with one SystemC process per
// unit (each compute array, each DRAM channel). A process takes its tile
// operations in program order, waits until their inputs are ready, and then
// waits for the operation's exact cycle count, so simulation cost grows with
// the number of tiles, not cycles. Stalls, double buffering and the overlap of
// arrays come out of the event simulation.
//
// Periodic steady state: the body repeats, and each operation starts at the
// latest of its unit becoming free and its inputs becoming ready, so once the
// completion times of a whole window of steps are those of one period earlier
// shifted by the same number of cycles, every later step repeats that shift
// exactly. The engine then stops simulating and extrapolates; the result is
// identical to a full simulation, and the report says it was used. The window
// is max(lookback, period + 1) steps: why that is enough is in docs/fidelities.md
// ("The steady-state rule").
//
// Shared channels (TileUnit::channel, a half-duplex DRAM): units of one channel
// take turns on it, the oldest request first. A transfer may then wait behind one
// of a later step, so the last steps do not repeat the steady state; the engine
// cuts whole periods out of the steady state, simulates the rest step by step
// and shifts what follows the cut, which again gives a full simulation's result.
//
// Unlike the Detailed fidelity, this engine builds no SC_MODULEs: its processes
// are spawned dynamically, so one program may run it many times (sweeps).

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/cycle/trace.hpp"
#include "sim/lower/fold.hpp"
#include "sim/lower/tile_program.hpp"
#include "sim/lower/timing_result.hpp"

namespace einsim {

struct CycleOptions {
  bool extrapolate = true;  // detect a periodic steady state and extrapolate
  BoundedOps* trace = nullptr;  // when set, gets the operations of nonzero cycles as they start
  // Set (e.g. by SIGINT): the run stops at the next completed step and throws Interrupted.
  const std::atomic<bool>* stop = nullptr;
  // Called as steps complete, with the number of steps completed so far (never decreasing),
  // and with program.steps once the run is complete (an extrapolated steady state jumps
  // there). Mostly from the SystemC kernel's thread while the caller waits: it may print,
  // not touch SystemC.
  std::function<void(uint64_t steps_done)> on_steps = {};
  // With extrapolate and no trace: fold a long inner loop (sim/lower/fold.hpp), as the
  // Analytical fidelity does.
  bool fold = true;
  FoldOptions fold_options = {};
};

using CycleResult = TimingResult;

CycleResult simulate_tile_program(const TileProgram& program, const CycleOptions& options = {});

}  // namespace einsim
