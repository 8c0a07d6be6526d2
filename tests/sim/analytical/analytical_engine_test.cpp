#include "sim/analytical/analytical_engine.hpp"

#include <catch2/catch.hpp>

using namespace einsim;

namespace {

// A DRAM load feeding a compute op through a buffer with `slots` tile slots:
// load(s) waits for compute(s - slots) to free its slot; compute(s) waits for load(s).
TileProgram load_compute(uint64_t load, uint64_t compute, uint64_t steps, uint32_t slots, uint64_t tile_bytes = 100) {
  TileProgram p;
  p.units = {{"DRAM", UnitKind::dram}, {"pe2d", UnitKind::array}};
  p.buffers = {{"GB", 0}};
  TileOp l;
  l.name = "load";
  l.unit = 0;
  l.cycles = load;
  l.deps = {{1, slots}};
  l.allocs = {{0, tile_bytes}};
  l.dram_read_bytes = tile_bytes;
  TileOp c;
  c.name = "compute";
  c.unit = 1;
  c.cycles = compute;
  c.deps = {{0, 0}};
  c.releases = {{0, tile_bytes}};
  c.useful_ops = 10;
  p.body = {l, c};
  p.steps = steps;
  return p;
}

}  // namespace

TEST_CASE("analytical: compute-bound double buffering takes the first load plus every compute") {
  // load(s) ends at (s+1)L while L <= C; compute(s) runs back to back from L: L + steps x C.
  const uint64_t L = 30, C = 70, steps = 100000;
  const TimingResult r = evaluate_tile_program(load_compute(L, C, steps, 2));
  CHECK(r.cycles == L + steps * C);
  CHECK(r.extrapolated);
  CHECK(r.simulated_steps < 100);
  CHECK(r.units[1].busy_cycles == steps * C);
  CHECK(r.units[1].stall_cycles == 0);
  CHECK(r.units[1].idle_cycles == L);
  CHECK(r.units[0].busy_cycles == steps * L);
  CHECK(r.dram_read_bytes == steps * 100);
  // Two slots held at once at most: the tile being computed and the next one loaded.
  CHECK(r.buffers[0].peak_bytes == 200);
}

TEST_CASE("analytical: bandwidth-bound streaming takes every load plus the last compute") {
  const uint64_t L = 90, C = 20, steps = 5000;
  const TimingResult r = evaluate_tile_program(load_compute(L, C, steps, 2));
  CHECK(r.cycles == steps * L + C);
  // compute(s) runs at [(s+1)L, (s+1)L + C]: stalls L - C between tiles.
  CHECK(r.units[1].stall_cycles == (steps - 1) * (L - C));
  CHECK(r.units[1].idle_cycles == L);
}

TEST_CASE("analytical: one slot serializes load and compute") {
  // load(s) waits for compute(s-1): every step takes L + C.
  const uint64_t L = 15, C = 25, steps = 777;
  const TimingResult full = evaluate_tile_program(load_compute(L, C, steps, 1), {false});
  CHECK(full.cycles == steps * (L + C));
  CHECK_FALSE(full.extrapolated);
  CHECK(full.buffers[0].peak_bytes == 100);
  const TimingResult fast = evaluate_tile_program(load_compute(L, C, steps, 1));
  CHECK(fast.cycles == full.cycles);
  CHECK(fast.extrapolated);
}

TEST_CASE("analytical: a half-duplex channel serves reads and writes one at a time") {
  // Read R cycles, compute C, write W: reads and writes share one channel. Steady state
  // per step: the channel carries R + W, the array C; with R + W > C the channel bounds it.
  TileProgram p;
  p.units = {{"rd", UnitKind::dram, 0}, {"wr", UnitKind::dram, 0}, {"pe", UnitKind::array}};
  p.buffers = {{"GB", 0}};
  TileOp rd, c, wr;
  rd.name = "rd";
  rd.unit = 0;
  rd.cycles = 40;
  rd.deps = {{1, 2}};
  c.name = "c";
  c.unit = 2;
  c.cycles = 30;
  c.deps = {{0, 0}};
  wr.name = "wr";
  wr.unit = 1;
  wr.cycles = 20;
  wr.deps = {{1, 0}};
  p.body = {rd, c, wr};
  p.steps = 10000;
  const TimingResult full = evaluate_tile_program(p, {false});
  const TimingResult fast = evaluate_tile_program(p);
  CHECK(fast.cycles == full.cycles);
  CHECK(fast.units[2].stall_cycles == full.units[2].stall_cycles);
  // The channel is never idle once started and carries 60 cycles a step; the last write
  // follows the last compute: between steps x 60 and steps x 60 + 30 + 20.
  CHECK(full.cycles >= p.steps * 60);
  CHECK(full.cycles <= p.steps * 60 + 50);
  CHECK(full.units[0].busy_cycles + full.units[1].busy_cycles == p.steps * 60);
}

TEST_CASE("analytical: a dependency cycle is reported, not hung") {
  TileProgram p = load_compute(10, 10, 10, 2);
  p.body[0].deps = {{1, 0}};  // load(s) waits for compute(s), which waits for load(s)
  CHECK_THROWS(evaluate_tile_program(p));
}

TEST_CASE("analytical: space taken and given back by zero-cycle operations at one instant never goes negative") {
  // A load of zero cycles (unlimited DRAM bandwidth) takes 64 bytes at t = 0 and a
  // bookkeeping operation of zero cycles that depends on it gives them back at t = 0; an
  // operation that takes and gives back 32 bytes itself in zero cycles. Releases go first
  // at an instant, so within it the occupancy dips below zero; once the instant is
  // complete it is 0 again, and space held for no time is no occupancy: peak 0.
  TileProgram p;
  p.units = {{"dram_rd", UnitKind::dram}, {"array", UnitKind::array}};
  p.buffers = {{"GB", 0}};
  p.steps = 1;
  TileOp load;
  load.name = "load";
  load.unit = 0;
  load.allocs = {{0, 64}};
  TileOp drop;
  drop.name = "drop";
  drop.unit = 1;
  drop.deps = {{0, 0}};
  drop.releases = {{0, 64}};
  TileOp self;
  self.name = "self";
  self.unit = 1;
  self.allocs = {{0, 32}};
  self.releases = {{0, 32}};
  p.body = {load, drop, self};
  const TimingResult r = evaluate_tile_program(p, {false});
  REQUIRE(r.buffers.size() == 1);
  CHECK(r.buffers[0].peak_bytes == 0);
  CHECK(r.cycles == 0);
}
