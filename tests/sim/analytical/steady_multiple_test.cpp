// The steady-state rule's multiples of the period (sim/lower/steady_state.hpp): a body whose
// operations all run every step but whose timing alternates between two steps is extrapolated
// over a span of 2 steps, in both engines, with the full evaluation's result.
#include <catch2/catch.hpp>

#include "sim/analytical/analytical_engine.hpp"
#include "sim/cycle/cycle_engine.hpp"

using namespace einsim;

namespace {

// Two loads on the read channel (20 cycles each, visible 100 cycles after they end), a compute
// of 16 cycles on the array after both, and a 20-cycle write after it. A load waits for the
// compute two steps back (two buffer slots), and the compute for the write two steps back.
TileProgram alternating(uint64_t steps) {
  TileProgram p;
  p.units = {{"rd", UnitKind::dram}, {"wr", UnitKind::dram}, {"pe", UnitKind::array}};
  TileOp a, b, compute, write;
  a.name = "load a";
  a.unit = 0;
  a.cycles = 20;
  a.latency = 100;
  a.deps = {{2, 2}};
  b = a;
  b.name = "load b";
  compute.name = "compute";
  compute.unit = 2;
  compute.cycles = 16;
  compute.deps = {{0, 0}, {1, 0}, {3, 2}};
  write.name = "write";
  write.unit = 1;
  write.cycles = 20;
  write.deps = {{2, 0}};
  p.body = {a, b, compute, write};
  p.steps = steps;
  return p;
}

}  // namespace

TEST_CASE("a timing that alternates between two steps is extrapolated over two steps", "[sim][analytical][cycle]") {
  // By hand. Step 0: loads 0-20 and 20-40 (visible at 120 and 140), compute 140-156, write
  // 156-176. Step 1: loads 40-60 and 60-80 (visible 160, 180), compute 180-196, write 196-216.
  // Step 2's first load waits for compute 0 (156): loads 156-176 and 176-196, compute 296-312;
  // step 3's for compute 1 (196): loads 196-216 and 216-236, compute 336-352, write 352-372.
  // From there every two steps take 156 cycles: compute 2k ends at 156 + 156k, and the write
  // of step 2k+1 at 216 + 156k. With N = 2K steps the last write ends at 60 + 78 N.
  // Consecutive steps are 40 and then 116 cycles apart: no steady state over one step.
  const uint64_t steps = 20000;
  const uint64_t expected = 60 + 78 * steps;
  const TileProgram p = alternating(steps);

  const TimingResult a = evaluate_tile_program(p);
  CHECK(a.cycles == expected);
  CHECK(a.extrapolated);
  CHECK(a.period_steps == 2);
  CHECK(a.period_cycles == 156);
  CHECK(a.simulated_steps < 50);
  AnalyticalOptions full;
  full.extrapolate = false;
  const TimingResult af = evaluate_tile_program(p, full);
  CHECK(af.cycles == expected);
  CHECK(af.simulated_steps == steps);

  const CycleResult c = simulate_tile_program(p);
  CHECK(c.cycles == expected);
  CHECK(c.extrapolated);
  CHECK(c.period_steps == 2);
  CHECK(c.simulated_steps == a.simulated_steps);
  for (size_t u = 0; u < p.units.size(); ++u) {
    CHECK(a.units[u].busy_cycles == af.units[u].busy_cycles);
    CHECK(a.units[u].stall_cycles == af.units[u].stall_cycles);
    CHECK(a.units[u].idle_cycles == af.units[u].idle_cycles);
    CHECK(a.units[u].last_end == af.units[u].last_end);
    CHECK(c.units[u].stall_cycles == af.units[u].stall_cycles);
  }
  // The array: 16 of every 156 cycles busy per two steps.
  CHECK(a.units[2].busy_cycles == 16 * steps);
}
