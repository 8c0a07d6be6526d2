// The Analytical and Cycle engines on random tile programs: identical results.
#include <catch2/catch.hpp>
#include <random>

#include "sim/analytical/analytical_engine.hpp"
#include "sim/cycle/cycle_engine.hpp"

using namespace einsim;

namespace {

// A random valid program: 2-4 units (optionally two sharing a channel), ops with
// random cycles, latencies, periods and dependencies, each holding buffer space
// from its start until its result is visible.
TileProgram random_program(std::mt19937_64& rng) {
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  TileProgram p;
  const uint64_t units = pick(2, 4);
  const bool shared = pick(0, 1);
  for (uint64_t u = 0; u < units; ++u)
    p.units.push_back({"u" + std::to_string(u), u < 2 ? UnitKind::dram : UnitKind::array,
                       shared && u < 2 ? 7u : kNoChannel});
  p.buffers = {{"GB", 0}, {"L1", 0}};
  const uint64_t n = pick(1, 6);
  for (uint64_t j = 0; j < n; ++j) {
    TileOp op;
    op.name = "op" + std::to_string(j);
    op.unit = static_cast<uint32_t>(pick(0, units - 1));
    op.cycles = pick(0, 5) == 0 ? 0 : pick(1, 60);
    op.latency = pick(0, 2) == 0 ? pick(1, 20) : 0;
    op.every = static_cast<uint32_t>(pick(0, 2) == 0 ? pick(2, 4) : 1);
    op.phase = static_cast<uint32_t>(pick(0, op.every - 1));
    if (pick(0, 6) == 0) op.last_step = pick(0, 3);
    const uint64_t deps = pick(0, 3);
    for (uint64_t d = 0; d < deps; ++d) {
      const uint32_t distance = static_cast<uint32_t>(j == 0 || pick(0, 1) ? pick(1, 3) : 0);
      const uint32_t target = static_cast<uint32_t>(distance == 0 ? pick(0, j - 1) : pick(0, n - 1));
      op.deps.push_back({target, distance});
    }
    const uint32_t b = static_cast<uint32_t>(pick(0, 1));
    const uint64_t bytes = pick(1, 1000);
    if (op.cycles + op.latency > 0) {  // a release at the alloc's own time would come first
      op.allocs = {{b, bytes}};
      op.releases = {{b, bytes}};
    }
    op.useful_ops = pick(0, 100);
    op.dram_read_bytes = op.unit == 0 ? pick(0, 500) : 0;
    op.dram_write_bytes = op.unit == 1 ? pick(0, 500) : 0;
    p.body.push_back(op);
  }
  p.steps = pick(0, 3) == 0 ? pick(1, 30) : pick(100, 3000);
  return p;
}

}  // namespace

TEST_CASE("analytical and cycle engines agree exactly on random tile programs") {
  std::mt19937_64 rng(20261205);
  int extrapolated = 0, shared = 0;
  for (int i = 0; i < 400; ++i) {
    const TileProgram p = random_program(rng);
    for (bool extrapolate : {true, false}) {
      if (!extrapolate && p.steps > 1000) continue;
      INFO("program " << i << " extrapolate " << extrapolate << " steps " << p.steps);
      const TimingResult a = evaluate_tile_program(p, {extrapolate});
      const CycleResult c = simulate_tile_program(p, {extrapolate});
      REQUIRE(a.cycles == c.cycles);
      REQUIRE(a.extrapolated == c.extrapolated);
      REQUIRE(a.simulated_steps == c.simulated_steps);
      REQUIRE(a.period_cycles == c.period_cycles);
      REQUIRE(a.dram_read_bytes == c.dram_read_bytes);
      REQUIRE(a.dram_write_bytes == c.dram_write_bytes);
      for (size_t u = 0; u < a.units.size(); ++u) {
        INFO("unit " << u << " first_start " << a.units[u].first_start << " vs " << c.units[u].first_start
                     << " last_end " << a.units[u].last_end << " vs " << c.units[u].last_end);
        std::string desc;
        for (const TileOp& op : p.body) {
          desc += op.name + " unit " + std::to_string(op.unit) + " cycles " + std::to_string(op.cycles) + " lat " +
                  std::to_string(op.latency) + " every " + std::to_string(op.every) + " phase " +
                  std::to_string(op.phase) + " last " + std::to_string(op.last_step) + " deps";
          for (const TileDep& d : op.deps) desc += " " + std::to_string(d.op) + "@" + std::to_string(d.distance);
          desc += "\n";
        }
        INFO(desc);
        REQUIRE(a.units[u].busy_cycles == c.units[u].busy_cycles);
        REQUIRE(a.units[u].stall_cycles == c.units[u].stall_cycles);
        REQUIRE(a.units[u].idle_cycles == c.units[u].idle_cycles);
        REQUIRE(a.units[u].operations == c.units[u].operations);
      }
      for (size_t b = 0; b < a.buffers.size(); ++b) {
        INFO("buffer " << b);
        REQUIRE(a.buffers[b].peak_bytes == c.buffers[b].peak_bytes);
      }
      extrapolated += a.extrapolated;
      shared += p.units[0].channel != kNoChannel;
    }
  }
  CHECK(extrapolated > 50);
  CHECK(shared > 50);
}
