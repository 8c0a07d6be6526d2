#include "sim/cycle/cycle_engine.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <tuple>

using namespace einsim;

namespace {

TileOp make_op(const char* name, uint32_t unit, uint64_t cycles) {
  TileOp op;
  op.name = name;
  op.unit = unit;
  op.cycles = cycles;
  return op;
}

// A DRAM load feeding a compute op through a buffer with `slots` tile slots:
// load(s) waits for compute(s - slots) to free its slot; compute(s) waits for load(s).
TileProgram load_compute(uint64_t load, uint64_t compute, uint64_t steps, uint32_t slots,
                         uint64_t tile_bytes = 100) {
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

// The reference: instances in (step, body) order; each starts when its unit is
// free and its dependencies are complete. Written independently of the engine.
uint64_t reference_cycles(const TileProgram& p, std::vector<uint64_t>* busy = nullptr) {
  const size_t n = p.body.size();
  std::vector<std::vector<uint64_t>> comp(p.steps, std::vector<uint64_t>(n, 0));
  std::vector<uint64_t> unit_free(p.units.size(), 0);
  uint64_t total = 0;
  if (busy) busy->assign(p.units.size(), 0);
  for (uint64_t s = 0; s < p.steps; ++s) {
    for (size_t j = 0; j < n; ++j) {
      const TileOp& op = p.body[j];
      if (!TileProgram::runs_on(op, s)) continue;
      uint64_t start = unit_free[op.unit];
      for (const TileDep& d : op.deps) {
        const TileOp& dop = p.body[d.op];
        int64_t t = static_cast<int64_t>(s) - d.distance;
        // most recent instance at a step <= t
        while (t >= 0 && !TileProgram::runs_on(dop, static_cast<uint64_t>(t))) --t;
        if (t >= 0) start = std::max(start, comp[t][d.op]);
      }
      comp[s][j] = start + op.cycles + op.latency;
      unit_free[op.unit] = start + op.cycles;
      total = std::max(total, comp[s][j]);
      if (busy) (*busy)[op.unit] += op.cycles;
    }
  }
  return total;
}

}  // namespace

TEST_CASE("one unit runs its operations back to back", "[sim][cycle]") {
  TileProgram p;
  p.units = {{"pe2d", UnitKind::array}};
  TileOp a = make_op("a", 0, 3);
  TileOp b = make_op("b", 0, 5);
  b.deps = {{0, 0}};
  p.body = {a, b};
  p.steps = 10;
  CycleResult r = simulate_tile_program(p);
  CHECK(r.cycles == 10 * (3 + 5));
  REQUIRE(r.units.size() == 1);
  CHECK(r.units[0].busy_cycles == 80);
  CHECK(r.units[0].stall_cycles == 0);
  CHECK(r.units[0].idle_cycles == 0);
}

TEST_CASE("a double-buffered load and compute pipeline hides the shorter stage", "[sim][cycle]") {
  const uint64_t steps = 50;
  SECTION("compute bound") {
    // load 4, compute 10: total = first load + steps x compute.
    CycleResult r = simulate_tile_program(load_compute(4, 10, steps, 2), {false});
    CHECK(r.cycles == 4 + steps * 10);
    CHECK(r.units[1].stall_cycles == 0);
    CHECK(r.units[1].idle_cycles == 4);
    CHECK(r.dram_read_bytes == steps * 100);
    CHECK(r.units[1].useful_ops == steps * 10);
  }
  SECTION("memory bound") {
    // load 10, compute 4: total = steps x load + last compute; compute waits 6 cycles per step.
    CycleResult r = simulate_tile_program(load_compute(10, 4, steps, 2), {false});
    CHECK(r.cycles == steps * 10 + 4);
    CHECK(r.units[1].stall_cycles == (steps - 1) * (10 - 4));
    CHECK(r.units[0].stall_cycles == 0);
  }
  SECTION("single buffering serializes load and compute") {
    // load(s) waits for compute(s-1): each step costs load + compute.
    CycleResult r = simulate_tile_program(load_compute(4, 10, steps, 1), {false});
    CHECK(r.cycles == steps * (4 + 10));
  }
}

TEST_CASE("peak buffer occupancy counts the tiles held at once", "[sim][cycle]") {
  // Compute bound with two slots: while tile s is computed, tile s+1 is already loaded.
  CycleResult two = simulate_tile_program(load_compute(4, 10, 20, 2, 64), {false});
  REQUIRE(two.buffers.size() == 1);
  CHECK(two.buffers[0].peak_bytes == 2 * 64);
  CycleResult one = simulate_tile_program(load_compute(4, 10, 20, 1, 64), {false});
  CHECK(one.buffers[0].peak_bytes == 64);
  // Three slots, memory never the bottleneck: at most three tiles are held.
  CycleResult three = simulate_tile_program(load_compute(1, 10, 20, 3, 64), {false});
  CHECK(three.buffers[0].peak_bytes == 3 * 64);
}

TEST_CASE("latency delays the consumer but frees the unit", "[sim][cycle]") {
  // Twelve slots hide the latency: the first tile arrives at 4 + 100, then compute bound.
  TileProgram deep = load_compute(4, 10, 30, 12);
  deep.body[0].latency = 100;
  CHECK(simulate_tile_program(deep, {false}).cycles == 4 + 100 + 30 * 10);
  // Two slots do not: load(s) starts when compute(s-2) ends (E[s-2]), its data arrives 104
  // later, and compute(s) ends 10 after that. E[0] = 114, E[1] = 124, so
  // E[2k] = 114 (k + 1) and E[2k+1] = 114 (k + 1) + 10; the last step is 29 = 2 x 14 + 1.
  TileProgram p = load_compute(4, 10, 30, 2);
  p.body[0].latency = 100;
  CycleResult r = simulate_tile_program(p, {false});
  CHECK(r.cycles == 114 * 15 + 10);
  CHECK(r.cycles == reference_cycles(p));
}

TEST_CASE("the steady state is extrapolated exactly", "[sim][cycle]") {
  for (auto [load, compute] : {std::pair<uint64_t, uint64_t>{4, 10}, {10, 4}, {7, 7}}) {
    TileProgram p = load_compute(load, compute, 100000, 2);
    CycleResult fast = simulate_tile_program(p, {true});
    INFO("load " << load << " compute " << compute);
    CHECK(fast.extrapolated);
    CHECK(fast.simulated_steps < 100);
    CHECK(fast.period_cycles == std::max(load, compute));
    CHECK(fast.cycles == reference_cycles(p));
    CycleResult full = simulate_tile_program(p, {false});
    CHECK_FALSE(full.extrapolated);
    CHECK(full.cycles == fast.cycles);
    CHECK(full.units[1].stall_cycles == fast.units[1].stall_cycles);
    CHECK(full.units[0].idle_cycles == fast.units[0].idle_cycles);
    CHECK(full.buffers[0].peak_bytes == fast.buffers[0].peak_bytes);
  }
}

TEST_CASE("operations on every k-th step model an outer loop", "[sim][cycle]") {
  // Per outer iteration: load Q once (every 8 steps), then 8 inner steps of load K + compute,
  // and a final divide on the vector unit after the 8th compute.
  TileProgram p;
  p.units = {{"DRAM", UnitKind::dram}, {"pe2d", UnitKind::array}, {"pe1d", UnitKind::array}};
  TileOp q = make_op("loadQ", 0, 16);
  q.every = 8;
  q.phase = 0;
  q.deps = {{3, 1}};  // the previous outer iteration's divide frees Q's buffer
  TileOp k = make_op("loadK", 0, 2);
  k.deps = {{2, 2}};
  TileOp c = make_op("qk", 1, 5);
  c.deps = {{0, 0}, {1, 0}};
  TileOp d = make_op("div", 2, 3);
  d.every = 8;
  d.phase = 7;
  d.deps = {{2, 0}};
  p.body = {q, k, c, d};
  p.steps = 8 * 1000;
  CycleResult fast = simulate_tile_program(p, {true});
  CHECK(fast.cycles == reference_cycles(p));
  CHECK(fast.period_steps == 8);
  CycleResult full = simulate_tile_program(p, {false});
  CHECK(full.cycles == fast.cycles);
  CHECK(full.units[2].busy_cycles == 1000 * 3);
  CHECK(fast.units[0].busy_cycles == 1000 * 16 + 8000 * 2);
}

TEST_CASE("random tile programs match an independent recurrence", "[sim][cycle]") {
  std::mt19937_64 rng(20261123);
  auto pick = [&](uint64_t n) { return rng() % n; };
  for (int trial = 0; trial < 60; ++trial) {
    TileProgram p;
    const size_t units = 1 + pick(4);
    for (size_t u = 0; u < units; ++u) p.units.push_back({"u" + std::to_string(u), UnitKind::array});
    const size_t n = 1 + pick(7);
    for (size_t j = 0; j < n; ++j) {
      TileOp op;
      op.name = "op" + std::to_string(j);
      op.unit = static_cast<uint32_t>(pick(units));
      op.cycles = pick(20);
      op.latency = pick(4) == 0 ? pick(30) : 0;
      op.every = pick(3) == 0 ? 1 + static_cast<uint32_t>(pick(4)) : 1;
      op.phase = static_cast<uint32_t>(pick(op.every));
      if (pick(6) == 0) op.last_step = pick(5);  // a head operation (a load done once)
      if (j > 0) op.deps.push_back({static_cast<uint32_t>(pick(j)), 0});
      if (pick(2)) op.deps.push_back({static_cast<uint32_t>(pick(n)), 1 + static_cast<uint32_t>(pick(3))});
      p.body.push_back(op);
    }
    // Tie the first op to the last so no unit runs unboundedly ahead (a finite buffer).
    p.body[0].deps.push_back({static_cast<uint32_t>(n - 1), 1 + static_cast<uint32_t>(pick(3))});
    p.steps = 1 + pick(400);
    std::vector<uint64_t> busy;
    const uint64_t expected = reference_cycles(p, &busy);
    INFO("trial " << trial);
    for (bool extrapolate : {false, true}) {
      CycleResult r = simulate_tile_program(p, {extrapolate});
      CHECK(r.cycles == expected);
      for (size_t u = 0; u < units; ++u) CHECK(r.units[u].busy_cycles == busy[u]);
    }
  }
}

TEST_CASE("a unit with no tie to the others may run ahead without limit", "[sim][cycle]") {
  TileProgram p = load_compute(1, 10, 5000, 2);
  p.body[0].deps.clear();  // loads never wait for a free slot: an unbounded buffer
  CycleResult r = simulate_tile_program(p, {true});
  CHECK(r.cycles == 1 + 5000 * 10);
  CHECK(r.cycles == reference_cycles(p));
  // Every tile is loaded long before it is consumed: the buffer holds almost all of them.
  CHECK(r.buffers[0].peak_bytes > 4000 * 100);
}

namespace {

// Two DRAM units sharing one channel (a half-duplex DRAM) around a compute unit:
// load(s) -> compute(s) -> write(s), with `slots` load slots.
TileProgram load_compute_write(uint64_t load, uint64_t compute, uint64_t write, uint64_t steps, bool shared) {
  TileProgram p;
  p.units = {{"DRAM.read", UnitKind::dram}, {"DRAM.write", UnitKind::dram}, {"pe2d", UnitKind::array}};
  if (shared) p.units[0].channel = p.units[1].channel = 0;
  TileOp l = make_op("load", 0, load);
  l.deps = {{1, 2}};  // double buffered: the slot of tile s - 2 is free once it is computed
  TileOp c = make_op("compute", 2, compute);
  c.deps = {{0, 0}};
  TileOp w = make_op("write", 1, write);
  w.deps = {{1, 0}};
  p.body = {l, c, w};
  p.steps = steps;
  return p;
}

}  // namespace

TEST_CASE("units sharing a channel take turns on it", "[sim][cycle][channel]") {
  // Independent transfers on two units: apart they overlap, on one channel they add up.
  TileProgram p;
  p.units = {{"a", UnitKind::dram}, {"b", UnitKind::dram}};
  p.body = {make_op("x", 0, 5), make_op("y", 1, 3)};
  p.steps = 40;
  CHECK(simulate_tile_program(p, {false}).cycles == 40 * 5);
  p.units[0].channel = p.units[1].channel = 7;
  CycleResult r = simulate_tile_program(p, {false});
  CHECK(r.cycles == 40 * (5 + 3));
  CHECK(r.units[0].busy_cycles == 40 * 5);
  CHECK(r.units[1].busy_cycles == 40 * 3);
  // Operations of zero cycles move nothing and never wait for the channel.
  p.body[1].cycles = 0;
  CHECK(simulate_tile_program(p, {false}).cycles == 40 * 5);
}

TEST_CASE("a shared channel serves the oldest request first", "[sim][cycle][channel]") {
  // load 10, compute 4, write 6 over 30 steps. Full duplex: loads back to back, the last
  // compute and write after the last load: 30 x 10 + 4 + 6.
  CHECK(simulate_tile_program(load_compute_write(10, 4, 6, 30, false), {false}).cycles == 30 * 10 + 4 + 6);
  // Half duplex: load 0 and 1 run back to back; from then on write s - 2 (asked for when
  // compute s - 2 ended) is older than load s (asked for when load s - 1 ended), and load s
  // older than write s - 1: the channel alternates, never idle, and the last write follows
  // the last compute (10 + 4 <= 6 + 10 after the last load). 30 x (10 + 6).
  CHECK(simulate_tile_program(load_compute_write(10, 4, 6, 30, true), {false}).cycles == 30 * (10 + 6));
}

TEST_CASE("shared channels keep the steady-state extrapolation exact", "[sim][cycle][channel]") {
  for (auto [load, compute, write] :
       {std::tuple<uint64_t, uint64_t, uint64_t>{10, 4, 6}, {4, 10, 3}, {7, 7, 7}, {2, 9, 12}, {9, 1, 1}}) {
    TileProgram p = load_compute_write(load, compute, write, 5000, true);
    CycleResult fast = simulate_tile_program(p, {true});
    CycleResult full = simulate_tile_program(p, {false});
    INFO("load " << load << " compute " << compute << " write " << write);
    CHECK(fast.extrapolated);
    CHECK(fast.cycles == full.cycles);
    for (size_t u = 0; u < p.units.size(); ++u) {
      CHECK(fast.units[u].busy_cycles == full.units[u].busy_cycles);
      CHECK(fast.units[u].stall_cycles == full.units[u].stall_cycles);
      CHECK(fast.units[u].idle_cycles == full.units[u].idle_cycles);
    }
  }
  // Random programs whose first two units share a channel.
  std::mt19937_64 rng(77);
  auto pick = [&](uint64_t n) { return rng() % n; };
  for (int trial = 0; trial < 40; ++trial) {
    TileProgram p;
    const size_t units = 2 + pick(3);
    for (size_t u = 0; u < units; ++u) p.units.push_back({"u" + std::to_string(u), UnitKind::array});
    p.units[0].channel = p.units[1].channel = 0;
    const size_t n = 2 + pick(6);
    for (size_t j = 0; j < n; ++j) {
      TileOp op;
      op.name = "op" + std::to_string(j);
      op.unit = static_cast<uint32_t>(j < 2 ? j : pick(units));
      op.cycles = 1 + pick(20);
      op.latency = pick(4) == 0 ? pick(30) : 0;
      op.every = pick(3) == 0 ? 1 + static_cast<uint32_t>(pick(4)) : 1;
      op.phase = static_cast<uint32_t>(pick(op.every));
      if (j > 0) op.deps.push_back({static_cast<uint32_t>(pick(j)), 0});
      if (pick(2)) op.deps.push_back({static_cast<uint32_t>(pick(n)), 1 + static_cast<uint32_t>(pick(3))});
      p.body.push_back(op);
    }
    p.body[0].deps.push_back({static_cast<uint32_t>(n - 1), 1 + static_cast<uint32_t>(pick(3))});
    p.steps = 200 + pick(3000);
    CycleResult fast = simulate_tile_program(p, {true});
    CycleResult full = simulate_tile_program(p, {false});
    INFO("trial " << trial << " extrapolated " << fast.extrapolated);
    CHECK(fast.cycles == full.cycles);
    for (size_t u = 0; u < units; ++u) {
      CHECK(fast.units[u].busy_cycles == full.units[u].busy_cycles);
      CHECK(fast.units[u].stall_cycles == full.units[u].stall_cycles);
    }
  }
}

TEST_CASE("cycle: space taken and given back by zero-cycle operations at one instant never goes negative") {
  // As in the Analytical engine's test: a zero-cycle load takes 64 bytes at t = 0, a
  // zero-cycle operation depending on it gives them back at t = 0, and one takes and
  // gives back 32 bytes itself. Space held for no time is no occupancy: peak 0, no error.
  TileProgram p;
  p.units = {{"dram_rd", UnitKind::dram}, {"array", UnitKind::array}};
  p.buffers = {{"GB", 0}};
  TileOp load = make_op("load", 0, 0);
  load.allocs = {{0, 64}};
  TileOp drop = make_op("drop", 1, 0);
  drop.deps = {{0, 0}};
  drop.releases = {{0, 64}};
  TileOp self = make_op("self", 1, 0);
  self.allocs = {{0, 32}};
  self.releases = {{0, 32}};
  p.body = {load, drop, self};
  p.steps = 1;
  CycleResult r = simulate_tile_program(p, {false});
  REQUIRE(r.buffers.size() == 1);
  CHECK(r.buffers[0].peak_bytes == 0);
  CHECK(r.cycles == 0);
}
