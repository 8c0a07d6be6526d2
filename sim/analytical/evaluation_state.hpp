#pragma once
// What one Analytical evaluation works on: the program's operations packed for the inner
// loops, and every vector of its state, in a workspace this thread keeps between
// evaluations (sim/analytical/analytical_engine.cpp).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/analytical/occupancy_log.hpp"
#include "sim/lower/tile_program.hpp"

namespace einsim::analytical {

// When an operation runs, copied out of the TileOp (what the inner loops read, packed together).
struct Schedule {
  uint64_t last_step = UINT64_MAX;
  uint32_t every = 1, phase = 0;
};

// An operation as the evaluation reads it: its schedule, times, and where its dependencies and
// buffer changes are in the flat arrays.
struct OpInfo : Schedule {
  uint64_t cycles = 0, latency = 0;
  uint32_t unit = 0;
  uint32_t deps_begin = 0, deps_end = 0, uses_begin = 0, uses_end = 0;
};

// A dependency with the schedule of the operation it waits for.
struct DepInfo : Schedule {
  uint32_t op = 0, distance = 0;
};

// A buffer change of an operation: taken at its start (an allocation) or given back at its completion.
struct UseInfo {
  int64_t delta = 0;
  uint32_t buffer = 0;
  uint32_t stream = 0;  // of the occupancy changes: 2 x unit, + 1 for those at completion
  bool at_start = true;
};

// A shared channel: when it is free next, and the unit that used it last (ties go to the other).
struct Channel {
  uint64_t free_at = 0;
  uint32_t last_unit = kNoChannel;
};

// The memory of an evaluation, kept per thread from one evaluation to the next: a folded
// program is evaluated in a few hundred operations, and allocating these vectors anew each
// time took a tenth of it. Every vector is empty (its capacity kept) when an evaluation takes it.
struct Workspace {
  std::vector<OpInfo> ops;    // the program's operations, packed
  std::vector<DepInfo> deps;  // their dependencies, [ops[j].deps_begin, deps_end)
  std::vector<UseInfo> uses;  // their buffer changes, [ops[j].uses_begin, uses_end)
  std::vector<uint64_t> active_count;            // operations run at each phase of the period
  std::vector<std::vector<uint32_t>> unit_ops;   // per unit: its operations, in program order
  std::vector<std::vector<uint64_t>> head_comp;  // operations of the first steps only: completions by step
  std::vector<uint64_t> comp, recorded, step_start;  // the ring of recent steps: completions, counts, latest start
  std::vector<uint64_t> first_start, free, ustep, last_comp;  // per unit (per operation for last_comp)
  std::vector<size_t> uk;                                     // per unit: its next operation in unit_ops
  std::vector<uint32_t> since;       // [q * ops + j]: steps since op j last ran, at phase q
  std::vector<uint32_t> dep_shift;   // per dependency: its distance mod the period
  std::vector<uint64_t> next_phase;  // [u * period + q]: steps from phase q to one where unit u runs something
  std::vector<uint64_t> uphase;      // per unit: its step's phase in the period
  std::vector<uint32_t> run_begin, run_ops, pos;  // the operations unit u runs at phase q, and where u is in them
  std::vector<bool> has_req;         // per unit: waiting for its channel
  std::vector<uint64_t> req_time;    // per unit: since when
  std::vector<int> unit_channel;     // per unit: its channel's index, or -1
  std::vector<Channel> channels;
  OccupancyLog occupancy{0, 0};
  std::vector<uint32_t> ids;       // scratch of the set-up
  std::vector<size_t> per_step;    // scratch of the set-up
  std::vector<char> active;        // scratch of the set-up

  // Every vector emptied, its capacity kept.
  void clear();

  // Bytes held, roughly: a workspace grown by a very long program is not kept.
  size_t bytes() const;
};

// This thread's spare workspaces. An evaluation takes one (its vectors moved in: the evaluation
// reads them directly) and gives it back when it ends; two may be out at once (the second pass
// of a program with shared channels). A workspace grown by a very long program is let go.
Workspace take_workspace();
void give_back(Workspace&& w);

}  // namespace einsim::analytical
