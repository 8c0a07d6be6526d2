// Folding a long inner loop (sim/lower/fold.hpp): which loop is folded and how step
// indices move. Expected values are hand counts.

#include <catch2/catch.hpp>

#include "sim/lower/fold.hpp"

using namespace einsim;

namespace {

TileOp op(const char* name, uint32_t unit, uint64_t cycles, uint32_t every, uint32_t phase) {
  TileOp o;
  o.name = name;
  o.unit = unit;
  o.cycles = cycles;
  o.every = every;
  o.phase = phase;
  return o;
}

// An outer loop of `outer` iterations around an inner loop of `inner` steps: a load at the
// start of each outer iteration, a compute every step, a write at the end of the outer
// iteration; the load waits for the write two outer iterations back (two buffer slots).
TileProgram nest(uint64_t outer, uint32_t inner) {
  TileProgram p;
  p.units = {{"rd", UnitKind::dram}, {"wr", UnitKind::dram}, {"pe", UnitKind::array}};
  p.buffers = {{"GB", 0}};
  TileOp load = op("load", 0, 10, inner, 0);
  load.deps = {{2, inner + 1}};
  TileOp compute = op("compute", 2, 3, 1, 0);
  compute.deps = {{0, 0}};
  TileOp write = op("write", 1, 5, inner, inner - 1);
  write.deps = {{1, 0}};
  p.body = {load, compute, write};
  p.steps = outer * inner;
  return p;
}

}  // namespace

TEST_CASE("fold: the loop with the most inner iterations is chosen") {
  const auto level = find_fold_level(nest(3, 100000));
  REQUIRE(level);
  CHECK(level->small == 1);
  CHECK(level->big == 100000);
  CHECK(level->ratio == 100000);
}

TEST_CASE("fold: short loops and loops that are not nested are left alone") {
  CHECK_FALSE(find_fold_level(nest(3, 60)));  // a period of 60 steps, under 64
  CHECK(find_fold_level(nest(3, 64)));
  TileProgram p = nest(3, 100000);
  p.body[1].every = 3;  // 3 does not divide 100000: not a nest of loops
  CHECK_FALSE(find_fold_level(p));
  p = nest(3, 100000);
  p.body[2].phase = 50000;  // an operation in the middle of the loop has no place once it is cut
  CHECK_FALSE(find_fold_level(p));
  p = nest(3, 100000);
  p.body[2].phase = 100000 - 5;  // five steps from the end: more than the 4 iterations kept there
  CHECK_FALSE(find_fold_level(p));
}

TEST_CASE("fold: phases, distances and the length move with the loop's end") {
  const TileProgram p = nest(3, 100000);
  const FoldLevel level = *find_fold_level(p);
  const TileProgram f = fold_program(p, level, 12);
  CHECK(f.steps == 3 * 12);
  CHECK(f.body[0].every == 12);
  CHECK(f.body[0].phase == 0);
  CHECK(f.body[0].deps[0].distance == 13);  // one outer iteration and one step back
  CHECK(f.body[1].every == 1);
  CHECK(f.body[2].every == 12);
  CHECK(f.body[2].phase == 11);  // the last step of the outer iteration
}
