// The capacity check made before timing (sim/eval/capacity_check.hpp) on hand-built
// tile programs: its need is the peak over the first steps, never above a full run's.
#include <catch2/catch.hpp>

#include "sim/analytical/analytical_engine.hpp"
#include "sim/core/error.hpp"
#include "sim/eval/capacity_check.hpp"

using namespace einsim;

namespace {

// A double-buffered stream: step s loads a tile of `tile` bytes into the buffer (DRAM
// unit, 10 cycles), the array computes on it (4 cycles) and releases it. An outer
// operand of `outer` bytes is loaded once every `every` steps and released by the
// compute of the last step of its period.
TileProgram stream(uint64_t steps, uint64_t tile, uint64_t outer, uint32_t every, uint64_t capacity) {
  TileProgram p;
  p.units = {{"dram_rd", UnitKind::dram}, {"array", UnitKind::array}};
  p.buffers = {{"GB", capacity}};
  p.steps = steps;
  TileOp big;
  big.name = "load_outer";
  big.unit = 0;
  big.cycles = 20;
  big.every = every;
  big.allocs = {{0, outer}};
  TileOp load;
  load.name = "load";
  load.unit = 0;
  load.cycles = 10;
  load.allocs = {{0, tile}};
  TileOp compute;
  compute.name = "compute";
  compute.unit = 1;
  compute.cycles = 4;
  compute.deps = {{1, 0}};
  compute.releases = {{0, tile}};
  TileOp done;
  done.name = "release_outer";
  done.unit = 1;
  done.every = every;
  done.phase = every - 1;
  done.deps = {{2, 0}};
  done.releases = {{0, outer}};
  p.body = {big, load, compute, done};
  return p;
}

}  // namespace

TEST_CASE("the capacity check covers a period of the allocating operations, not the whole program",
          "[eval][capacity]") {
  // Allocations at phases 0 with periods 1 and 8: one step for the first instances,
  // then a period of 8 more.
  CHECK(capacity_check_steps(stream(1000000, 64, 4096, 8, 0)) == 1 + 8);
  // A program shorter than that is checked whole.
  CHECK(capacity_check_steps(stream(5, 64, 4096, 8, 0)) == 5);
  // Periods are capped at 2^14 steps, so the cost does not grow with the loop counts.
  CHECK(capacity_check_steps(stream(uint64_t{1} << 40, 64, 4096, 1u << 20, 0)) == 1 + 16384);
}

TEST_CASE("the need found before timing is the peak of the first steps and never above a full run's",
          "[eval][capacity]") {
  const TileProgram p = stream(4096, 64, 4096, 8, 0);
  const std::vector<BufferStats> need = buffer_needs(p);
  REQUIRE(need.size() == 1);
  // The outer operand and the tiles of the steps in flight: loads take 10 cycles and the
  // compute 4, so the DRAM unit (serial) sets the pace and each tile is released before
  // the next load ends. The outer load (20 cycles) precedes step 0's tile load; the
  // next period's outer load is taken while the current one is still held:
  //   2 outer + 1 tile at least, and at most 2 outer + 2 tiles.
  CHECK(need[0].peak_bytes >= 2 * 4096 + 64);
  CHECK(need[0].peak_bytes <= 2 * 4096 + 2 * 64);
  const TimingResult full = evaluate_tile_program(p, {false});
  CHECK(need[0].peak_bytes <= full.buffers[0].peak_bytes);
}

TEST_CASE("a buffer too small for the need is refused with the level, the need and the capacity",
          "[eval][capacity]") {
  const std::vector<BufferStats> needs = {{"GB", 1000, 1500}};
  SourceLocation at;
  at.file = "m.yaml";
  at.line = 4;
  at.column = 7;
  at.yaml_path = "mapping.groups[0]";
  try {
    check_buffer_fits(needs, "attention", at);
    FAIL("no error");
  } catch (const SpecError& e) {
    const std::string what = e.what();
    CHECK(what.find("m.yaml:4:7") != std::string::npos);
    CHECK(what.find("mapping.groups[0]") != std::string::npos);
    CHECK(what.find("buffer GB") != std::string::npos);
    CHECK(what.find("1500 bytes") != std::string::npos);
    CHECK(what.find("1000 bytes") != std::string::npos);
  }
  // Monotone: the need does not depend on the capacity; every capacity at or above it passes.
  for (uint64_t cap : {1500u, 1501u, 4096u}) CHECK_NOTHROW(check_buffer_fits({{"GB", cap, 1500}}, "g", at));
  for (uint64_t cap : {1u, 1000u, 1499u}) CHECK_THROWS_AS(check_buffer_fits({{"GB", cap, 1500}}, "g", at), SpecError);
  // No capacity (0): unbounded.
  CHECK_NOTHROW(check_buffer_fits({{"GB", 0, 1500}}, "g", at));
}
