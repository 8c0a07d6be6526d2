// Throughput of the Cycle fidelity engine: tile operations simulated per
// second, with and without steady-state extrapolation, on a synthetic program
// shaped like FuseMax's attention pipeline (a DRAM channel, a 2D and a 1D
// array, 12 operations per key tile, an outer loop over query tiles).
//
//   build/tests/bench/bench_cycle_engine [key_tiles] [outer_iterations]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/cycle/cycle_engine.hpp"

using namespace einsim;

namespace {

TileProgram fusemax_like(uint32_t key_tiles, uint64_t outer) {
  TileProgram p;
  p.units = {{"DRAM", UnitKind::dram}, {"pe2d", UnitKind::array}, {"pe1d", UnitKind::array}};
  p.buffers = {{"GB", 16u << 20}};
  auto op = [&](const char* name, uint32_t unit, uint64_t cycles) {
    TileOp o;
    o.name = name;
    o.unit = unit;
    o.cycles = cycles;
    p.body.push_back(o);
    return static_cast<uint32_t>(p.body.size() - 1);
  };
  uint32_t q = op("load_Q", 0, 64);
  p.body[q].every = key_tiles;
  uint32_t kv = op("load_KV", 0, 80);
  p.body[kv].allocs = {{0, 65536}};
  uint32_t qk = op("QK+LM", 1, 65);
  uint32_t rm = op("RM", 2, 1);
  uint32_t sln = op("SLN+SLD", 1, 8);
  uint32_t prm = op("PRM+SPD", 2, 8);
  uint32_t slnv = op("SLNV", 1, 64);
  uint32_t spnv = op("SPNV", 2, 64);
  uint32_t rnv = op("RD+RNV", 2, 65);
  p.body[rnv].releases = {{0, 65536}};
  uint32_t av = op("AV", 2, 64);
  p.body[av].every = key_tiles;
  p.body[av].phase = key_tiles - 1;
  p.body[q].deps = {{av, 1}};
  p.body[kv].deps = {{rnv, 2}};
  p.body[qk].deps = {{q, 0}, {kv, 0}};
  p.body[rm].deps = {{qk, 0}};
  p.body[sln].deps = {{rm, 0}};
  p.body[prm].deps = {{rm, 0}};
  p.body[slnv].deps = {{sln, 0}};
  p.body[spnv].deps = {{prm, 0}, {rnv, 1}};
  p.body[rnv].deps = {{slnv, 0}, {spnv, 0}};
  p.body[av].deps = {{rnv, 0}};
  p.steps = uint64_t(key_tiles) * outer;
  return p;
}

}  // namespace

int bench_main(int argc, char** argv) {
  const uint32_t key_tiles = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 256;
  const uint64_t outer = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200;
  TileProgram p = fusemax_like(key_tiles, outer);
  uint64_t ops = 0;
  for (const auto& op : p.body) ops += p.instances(op);
  std::printf("program: %zu ops in the body, %llu steps, %llu tile operations\n", p.body.size(),
              static_cast<unsigned long long>(p.steps), static_cast<unsigned long long>(ops));
  for (bool extrapolate : {false, true}) {
    auto t0 = std::chrono::steady_clock::now();
    CycleResult r = simulate_tile_program(p, {extrapolate});
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-13s cycles %llu  simulated steps %llu  wall %.3f s  %.2e tile ops/s%s\n",
                extrapolate ? "extrapolate:" : "full:", static_cast<unsigned long long>(r.cycles),
                static_cast<unsigned long long>(r.simulated_steps), s,
                (extrapolate ? double(r.simulated_steps) / p.steps * ops : double(ops)) / s,
                extrapolate ? "" : "");
  }
  return 0;
}
