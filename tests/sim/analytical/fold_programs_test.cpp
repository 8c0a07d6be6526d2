// Folding a long inner loop (sim/lower/fold.hpp) in both engines: the folded result equals
// the full evaluation's on random nested programs, and a hand-timed nest of 2^22 inner steps
// per outer iteration is evaluated from a few hundred steps.
#include <optional>
#include <catch2/catch.hpp>
#include <random>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/analytical/analytical_engine.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/lower/lowering.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"
#include "sim/cycle/cycle_engine.hpp"

using namespace einsim;

namespace {

// The default settings (short loops folded already: the full evaluation stays affordable in a
// test) and longer evaluations with more iterations kept at the loop's ends.
constexpr FoldOptions kDefault{};
constexpr FoldOptions kLong{64, 128, 16, 48, 12, 0, 0, 0};

// A random nest: an outer loop (1-4 iterations) around an inner loop of 150-400 iterations of
// `small` (1-3) steps. Operations run every step, every inner iteration, once per outer
// iteration (near its start or its end) or once in the program; dependencies reach back a
// few steps or whole outer iterations (buffer slots). Each op holds buffer space while it runs.
TileProgram random_nest(std::mt19937_64& rng) {
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  TileProgram p;
  const uint64_t units = pick(2, 4);
  const bool shared = pick(0, 2) == 0;
  for (uint64_t u = 0; u < units; ++u)
    p.units.push_back({"u" + std::to_string(u), u < 2 ? UnitKind::dram : UnitKind::array,
                       shared && u < 2 ? 7u : kNoChannel});
  p.buffers = {{"GB", 0}, {"L1", 0}};
  const uint64_t small = pick(1, 3), ratio = pick(150, 400), big = small * ratio, outer = pick(1, 4);
  p.steps = outer * big;
  const uint64_t n = pick(2, 6);
  for (uint64_t j = 0; j < n; ++j) {
    TileOp op;
    op.name = "op" + std::to_string(j);
    op.unit = static_cast<uint32_t>(pick(0, units - 1));
    op.cycles = pick(0, 5) == 0 ? 0 : pick(1, 60);
    op.latency = pick(0, 2) == 0 ? pick(1, 20) : 0;
    switch (pick(0, 5)) {
      case 0:
      case 1: op.every = 1; break;
      case 2: op.every = static_cast<uint32_t>(small); break;
      case 3:
      case 4: op.every = static_cast<uint32_t>(big); break;
      default: op.every = static_cast<uint32_t>(p.steps); break;
    }
    if (op.every > small) {  // near the start or the end of its loop
      const uint64_t back = pick(0, 3) * small + pick(0, small - 1);
      op.phase = static_cast<uint32_t>(pick(0, 1) ? back : op.every - 1 - back);
    } else {
      op.phase = static_cast<uint32_t>(pick(0, op.every - 1));
    }
    if (pick(0, 8) == 0) op.last_step = pick(0, 3);
    const uint64_t deps = pick(0, 3);
    for (uint64_t d = 0; d < deps; ++d) {
      uint32_t distance = static_cast<uint32_t>(j == 0 || pick(0, 1) ? pick(1, 3) : 0);
      if (distance > 0 && pick(0, 3) == 0) distance = static_cast<uint32_t>(pick(1, 2) * big + pick(0, 2));
      const uint32_t target = static_cast<uint32_t>(distance == 0 ? pick(0, j - 1) : pick(0, n - 1));
      op.deps.push_back({target, distance});
    }
    const uint32_t b = static_cast<uint32_t>(pick(0, 1));
    const uint64_t bytes = pick(1, 1000);
    if (op.cycles + op.latency > 0) {
      op.allocs = {{b, bytes}};
      op.releases = {{b, bytes}};
    }
    op.useful_ops = pick(0, 100);
    op.dram_read_bytes = op.unit == 0 ? pick(0, 500) : 0;
    op.dram_write_bytes = op.unit == 1 ? pick(0, 500) : 0;
    p.body.push_back(op);
  }
  return p;
}

void require_same(const TimingResult& folded, const TimingResult& full) {
  REQUIRE(folded.cycles == full.cycles);
  REQUIRE(folded.dram_read_bytes == full.dram_read_bytes);
  REQUIRE(folded.dram_write_bytes == full.dram_write_bytes);
  REQUIRE(folded.units.size() == full.units.size());
  for (size_t u = 0; u < full.units.size(); ++u) {
    INFO("unit " << u);
    REQUIRE(folded.units[u].operations == full.units[u].operations);
    REQUIRE(folded.units[u].busy_cycles == full.units[u].busy_cycles);
    REQUIRE(folded.units[u].useful_ops == full.units[u].useful_ops);
    REQUIRE(folded.units[u].first_start == full.units[u].first_start);
    REQUIRE(folded.units[u].last_end == full.units[u].last_end);
    REQUIRE(folded.units[u].stall_cycles == full.units[u].stall_cycles);
    REQUIRE(folded.units[u].idle_cycles == full.units[u].idle_cycles);
  }
  REQUIRE(folded.buffers.size() == full.buffers.size());
  for (size_t b = 0; b < full.buffers.size(); ++b) REQUIRE(folded.buffers[b].peak_bytes == full.buffers[b].peak_bytes);
}

}  // namespace

TEST_CASE("fold: both engines give the full evaluation's result on random nested programs") {
  const FoldOptions settings = GENERATE(kDefault, kLong);
  std::mt19937_64 rng(20261206);
  int folded = 0, foldable_count = 0;
  const int programs = 150;
  for (int i = 0; i < programs; ++i) {
    const TileProgram p = random_nest(rng);
    INFO("program " << i << " steps " << p.steps);
    const std::optional<FoldOptions> retry = fold_retry(settings);
    const bool foldable = find_fold_level(p, settings).has_value() || (retry && find_fold_level(p, *retry));
    AnalyticalOptions fa;
    fa.fold_options = settings;
    AnalyticalOptions full_a;
    full_a.extrapolate = false;
    const TimingResult a_fold = evaluate_tile_program(p, fa);
    const TimingResult a_full = evaluate_tile_program(p, full_a);
    // Folded when the loop can be cut and the four folded evaluations lie on one line.
    const bool used = a_fold.folded_iterations > 0;
    REQUIRE((!used || foldable));
    folded += used;
    foldable_count += foldable;
    require_same(a_fold, a_full);
    CycleOptions fc;
    fc.fold_options = settings;
    const CycleResult c_fold = simulate_tile_program(p, fc);
    require_same(c_fold, a_full);
    REQUIRE(c_fold.simulated_steps == a_fold.simulated_steps);
  }
  // Most random nests reach their inner steady state and are folded; the rest fell back.
  INFO(folded << " of " << programs << " programs folded, " << foldable_count << " could be");
  CHECK(folded >= programs / 2);
}

TEST_CASE("fold: 2^22 inner steps per outer iteration, timed by hand") {
  // Per outer iteration: a load (10 cycles on the read channel), 2^22 computes of 3 cycles on
  // the array, each after the iteration's load, and a write of the last compute's result (5
  // cycles on the write channel); a load waits for the write two outer iterations back (two
  // buffer slots).
  const uint64_t inner = uint64_t{1} << 22, outer = 3;
  TileProgram p;
  p.units = {{"rd", UnitKind::dram}, {"wr", UnitKind::dram}, {"pe", UnitKind::array}};
  p.buffers = {{"GB", 0}};
  TileOp load, compute, write;
  load.name = "load";
  load.unit = 0;
  load.cycles = 10;
  load.every = static_cast<uint32_t>(inner);
  load.deps = {{2, static_cast<uint32_t>(inner + 1)}};
  compute.name = "compute";
  compute.unit = 2;
  compute.cycles = 3;
  compute.deps = {{0, 0}};
  write.name = "write";
  write.unit = 1;
  write.cycles = 5;
  write.every = static_cast<uint32_t>(inner);
  write.phase = static_cast<uint32_t>(inner - 1);
  write.deps = {{1, 0}};
  p.body = {load, compute, write};
  p.steps = outer * inner;
  // Load 0 ends at 10, load 1 right after it (no write to wait for), load i >= 2 once write
  // i-2 is done, 3 x 2^22 cycles before the array needs it: the array starts at 10 and never
  // waits. Its last compute ends at 10 + 3 x outer x 2^22, and the last write 5 cycles later.
  const uint64_t expected = 10 + 3 * outer * inner + 5;
  const TimingResult a = evaluate_tile_program(p);
  CHECK(a.cycles == expected);
  CHECK(a.simulated_steps < 2000);  // four folded evaluations of a few hundred steps
  CHECK(a.units[2].busy_cycles == 3 * outer * inner);
  CHECK(a.units[2].stall_cycles == 0);
  const CycleResult c = simulate_tile_program(p);
  CHECK(c.cycles == expected);
  CHECK(c.simulated_steps == a.simulated_steps);
}

namespace {

std::string lib(const std::string& f) { return std::string(EINSIM_SOURCE_DIR) + "/" + f; }

std::vector<LoweredGroup> lowered(const std::string& workload, const std::string& arch, const std::string& dataflow,
                                  const std::vector<std::string>& sets) {
  YamlDocument w = YamlDocument::load_file(lib(workload));
  for (const auto& s : sets) w.apply_override(s);
  const EinsumCascade c = load_workload(w);
  const ArchSpec a = load_architecture(YamlDocument::load_file(lib(arch)));
  return lower_mapping(c, CascadeGraph(c), a, preset_mapping(dataflow, c, a));
}

}  // namespace

TEST_CASE("fold: the bundled attention cascades at long sequences, folded and in full") {
  struct Case {
    std::string workload, arch, dataflow;
  };
  const std::vector<Case> cases = {
      {"workloads/library/attention_fusemax.yaml", "arch/library/fusemax_cloud.yaml", "fusemax"},
      {"workloads/library/attention_3pass.yaml", "arch/library/flat_cloud.yaml", "flat"},
      {"workloads/library/attention_2pass.yaml", "arch/library/flat_cloud.yaml", "flat"},
  };
  const FoldOptions settings = GENERATE(kDefault, kLong);
  int folded = 0;
  for (const Case& k : cases) {
    // 2^18 keys: 1,024 key tiles per query tile, short enough to evaluate without folding.
    for (const auto& g : lowered(k.workload, k.arch, k.dataflow, {"ranks.M=262144", "ranks.B=1", "ranks.H=2"})) {
      INFO(k.workload << " group " << g.name << " steps " << g.program.steps);
      AnalyticalOptions eager, full;
      eager.fold_options = settings;
      full.fold = false;
      const TimingResult f = evaluate_tile_program(g.program, eager);
      folded += f.folded_iterations > 0;
      require_same(f, evaluate_tile_program(g.program, full));
      CycleOptions c;
      c.fold_options = settings;
      require_same(simulate_tile_program(g.program, c), f);
    }
  }
  CHECK(folded >= 1);  // FuseMax's 1-pass group at least
}
