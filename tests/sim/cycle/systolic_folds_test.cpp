// Systolic groups fold by fold: every fold of a batch element loads the operand
// blocks it really needs and writes what it finishes, so a DRAM-bound GEMM's
// cycles follow a recurrence over its folds. Expected bytes and cycles come
// from SCALE-Sim's fold mapping and the engine's rules, written out here.

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/cycle/cycle_engine.hpp"
#include "sim/lower/lowering.hpp"
#include "sim/cycle/simulate.hpp"
#include "tests/sim/cycle/cycle_test_support.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

// Z[g,m,n] = A[g,m,k] * B[g,k,n]: `batch` GEMMs of A (M x K) and B (K x N) in `format`, Z in int32.
EinsumCascade batched_gemm(int64_t batch, int64_t m, int64_t k, int64_t n, const char* format = "int8") {
  auto doc = YamlDocument::load_string(fmt::format(R"(workload:
  name: batched_gemm
  ranks: {{G: {}, M: {}, K: {}, N: {}}}
  format: {}
  tensors:
    A: {{ranks: [G, M, K]}}
    B: {{ranks: [G, K, N]}}
    Z: {{format: int32}}
  einsums:
    - Z[g,m,n] = A[g,m,k] * B[g,k,n]
)", batch, m, k, n, format), "batched_gemm.yaml");
  return load_workload(doc);
}

// An R x C int8 systolic array at 1 GHz: `bandwidth` GB/s is that many bytes per cycle.
ArchSpec small_systolic(int64_t rows, int64_t cols, const char* bandwidth, int64_t latency, const char* inputs,
                        const char* weights, const char* outputs, const char* duplex = "full") {
  auto doc = YamlDocument::load_string(fmt::format(R"(architecture:
  name: small_systolic
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: {}, latency_cycles: {}, duplex: {}}}
    - name: SRAM
      kind: sram
      partitions: {{inputs: {}, weights: {}, outputs: {}}}
  arrays:
    - {{name: pe2d, rows: {}, cols: {}, pe: mac_int8}}
)", bandwidth, latency, duplex, inputs, weights, outputs, rows, cols), "small_systolic.yaml");
  return load_architecture(doc);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

LoweredGroup lower_one(const EinsumCascade& w, const ArchSpec& a, const char* dataflow) {
  const CascadeGraph graph(w);
  std::vector<LoweredGroup> groups = lower_mapping(w, graph, a, preset_mapping(dataflow, w, a));
  REQUIRE(groups.size() == 1);
  return groups.front();
}

uint64_t body_reads(const TileProgram& p) {
  uint64_t n = 0;
  for (const TileOp& op : p.body) n += p.instances(op) * op.dram_read_bytes;
  return n;
}

uint64_t body_writes(const TileProgram& p) {
  uint64_t n = 0;
  for (const TileOp& op : p.body) n += p.instances(op) * op.dram_write_bytes;
  return n;
}

bool noted(const LoweredGroup& g, const std::string& what) {
  return std::any_of(g.notes.begin(), g.notes.end(), [&](const std::string& n) { return n.find(what) != n.npos; });
}

}  // namespace

TEST_CASE("a DRAM-bound ws GEMM's cycles follow its folds' own transfers", "[sim][cycle][systolic][folds]") {
  // ws maps Sr = K onto the rows and Sc = N onto the columns, T = M streams: K = 30 on 4 rows
  // is 8 row folds (7 of 4 rows, one of 2), N = 11 on 3 columns 4 column folds (3, 3, 3, 2);
  // fold i is row fold i % 8 of column fold i / 8 and takes 2R + C + T - 2 = 29 cycles.
  const int64_t M = 20, K = 30, N = 11, R = 4, C = 3;
  const int64_t row_folds = 8, col_folds = 4, fold_cycles = 2 * R + C + M - 2;
  const int64_t bytes_per_cycle = 2, latency = 5;
  for (const bool inputs_fit : {false, true}) {
    for (const int64_t batch : {1, 3}) {
      // A is M x K = 600 int8 bytes per batch element: more than a 128 B input partition, so every
      // fold loads its M x rows_used block of A again; a 1 KiB partition holds A, and only the first
      // column fold loads it. Each fold loads its rows_used x cols_used block of B; the last row fold
      // of a column fold writes the M x cols_used int32 outputs (no partial sums spill: the output
      // partition holds M x C of them).
      const EinsumCascade w = batched_gemm(batch, M, K, N);
      const ArchSpec a = small_systolic(R, C, "2 GB/s", latency, inputs_fit ? "1 KiB" : "128 B", "1 KiB", "64 KiB");
      struct Fold {
        int64_t load = 0, write = 0;
      };
      std::vector<Fold> folds;
      for (int64_t g = 0; g < batch; ++g) {
        for (int64_t c = 0; c < col_folds; ++c) {
          for (int64_t r = 0; r < row_folds; ++r) {
            const int64_t rows_used = std::min(R, K - r * R), cols_used = std::min(C, N - c * C);
            Fold f;
            f.load = (inputs_fit && c > 0 ? 0 : M * rows_used) + rows_used * cols_used;
            if (r == row_folds - 1) f.write = M * cols_used * 4;
            folds.push_back(f);
          }
        }
      }
      // The engine: a fold's load starts once the read channel is free and the fold two back has
      // ended (double buffering) and takes ceil(bytes / bytes per cycle); its data arrive `latency`
      // later; a fold starts once its data are in and the fold before it has ended; a write starts
      // once the write channel is free and its fold has ended. A fold that loads nothing waits for
      // no load.
      int64_t read_free = 0, write_free = 0, total = 0;
      std::vector<int64_t> fold_end;
      for (size_t i = 0; i < folds.size(); ++i) {
        int64_t ready = 0;
        if (folds[i].load > 0) {
          const int64_t start = std::max(read_free, i >= 2 ? fold_end[i - 2] : 0);
          read_free = start + ceil_div(folds[i].load, bytes_per_cycle);
          ready = read_free + latency;
        }
        const int64_t start = std::max(i >= 1 ? fold_end[i - 1] : 0, ready);
        fold_end.push_back(start + fold_cycles);
        total = std::max(total, fold_end.back());
        if (folds[i].write > 0) {
          write_free = std::max(write_free, fold_end.back()) + ceil_div(folds[i].write, bytes_per_cycle);
          total = std::max(total, write_free);
        }
      }
      INFO((inputs_fit ? "A fits" : "A reloaded") << ", batch " << batch);
      const SimulationReport rep = simulate_cycle(w, a, preset_mapping("ws", w, a));
      CHECK(rep.cycles == static_cast<uint64_t>(total));
      CHECK(rep.arrays[0].busy_cycles == static_cast<uint64_t>(batch * row_folds * col_folds * fold_cycles));
      CHECK(rep.arrays[0].stall_cycles > 0);  // DRAM-bound: the array waits for its operands
      const int64_t a_reads = inputs_fit ? M * K : M * K * col_folds;
      CHECK(rep.dram_read_bytes == static_cast<uint64_t>(batch * (a_reads + K * N)));
      CHECK(rep.dram_write_bytes == static_cast<uint64_t>(batch * M * N * 4));
      CHECK(rep.levels[1].peak_occupancy_bytes <= static_cast<uint64_t>(*a.storage[1].capacity_bytes));
    }
  }
}

TEST_CASE("the folds' transfers add up to the group's exact DRAM bytes", "[sim][cycle][systolic][folds]") {
  struct Shape {
    int64_t batch, m, k, n, r, c;
  };
  struct Memory {
    const char* inputs;
    const char* weights;
    const char* outputs;
    int64_t in_bytes, w_bytes, out_bytes;  // the same in bytes
  };
  // Partitions that hold everything; that hold nothing (every reuse rule fails, partial sums spill).
  const Memory big{"1 MiB", "1 MiB", "1 MiB", 1 << 20, 1 << 20, 1 << 20};
  const Memory tiny{"16 B", "16 B", "16 B", 16, 16, 16};
  for (const char* format : {"int8", "int4"}) {
    const int64_t bits = std::string(format) == "int8" ? 8 : 4;
    for (Shape s : {Shape{1, 64, 32, 48, 8, 8}, Shape{2, 37, 29, 23, 8, 4}, Shape{1, 5, 7, 3, 1, 1},
                    Shape{3, 33, 12, 70, 16, 1}}) {
      for (const Memory& mem : {big, tiny}) {
        const EinsumCascade w = batched_gemm(s.batch, s.m, s.k, s.n, format);
        const ArchSpec a = small_systolic(s.r, s.c, "4 GB/s", 3, mem.inputs, mem.weights, mem.outputs);
        for (const char* df : {"ws", "os", "is"}) {
          const std::string d = df;
          const int64_t sr = d == "os" ? s.m : s.k, sc = d == "is" ? s.m : s.n;
          const int64_t row_folds = ceil_div(sr, s.r), col_folds = ceil_div(sc, s.c);
          auto bytes = [](int64_t elements, int64_t b) { return (elements * b + 7) / 8; };
          const int64_t in = bytes(s.m * s.k, bits), wt = bytes(s.k * s.n, bits), out = s.m * s.n * 4;
          // SCALE-Sim's reuse: ws and os read A once if it fits its partition, else once per column
          // fold; ws reads B once; os reads B once if a K x C block of it fits, else once per row
          // fold; is reads A once and B once if it fits, else once per column fold. ws and is spill
          // their int32 partial sums between row folds when a column fold's outputs do not fit.
          int64_t a_reads = 0, b_reads = 0, spill = 0;
          if (d == "ws") {
            a_reads = in <= mem.in_bytes ? in : in * col_folds;
            b_reads = wt;
            if (s.m * std::min(s.n, s.c) * 4 > mem.out_bytes && row_folds > 1) spill = out * (row_folds - 1);
          } else if (d == "os") {
            a_reads = in <= mem.in_bytes ? in : in * col_folds;
            b_reads = bytes(s.k * std::min(s.n, s.c), bits) <= mem.w_bytes ? wt : wt * row_folds;
          } else {
            a_reads = in;
            b_reads = wt <= mem.w_bytes ? wt : wt * col_folds;
            if (std::min(s.m, s.c) * s.n * 4 > mem.out_bytes && row_folds > 1) spill = out * (row_folds - 1);
          }
          INFO(df << " " << format << " " << s.batch << " x " << s.m << "x" << s.k << "x" << s.n << " on " << s.r
                  << "x" << s.c << ", partitions " << mem.inputs);
          const LoweredGroup g = lower_one(w, a, df);
          const TileProgram& p = g.program;
          CHECK(p.steps == static_cast<uint64_t>(s.batch));  // one step per batch element, folds unrolled
          uint64_t fold_ops = 0;
          for (const TileOp& op : p.body) fold_ops += op.unit == 2 && op.cycles > 0;
          CHECK(fold_ops == static_cast<uint64_t>(row_folds * col_folds));
          CHECK(g.dram_read_bytes == static_cast<uint64_t>(s.batch * (a_reads + b_reads + spill)));
          CHECK(g.dram_write_bytes == static_cast<uint64_t>(s.batch * (out + spill)));
          CHECK(body_reads(p) == g.dram_read_bytes);
          CHECK(body_writes(p) == g.dram_write_bytes);
          CHECK(g.tensor_dram_reads.at(w.find_tensor("A")) == static_cast<uint64_t>(s.batch * a_reads));
          CHECK(g.tensor_dram_reads.at(w.find_tensor("B")) == static_cast<uint64_t>(s.batch * b_reads));
          CHECK(g.tensor_dram_writes.at(w.find_tensor("Z")) == static_cast<uint64_t>(s.batch * out));
          // Buffer space taken is given back.
          int64_t held = 0;
          for (const TileOp& op : p.body) {
            for (const auto& u : op.allocs) held += static_cast<int64_t>(u.bytes);
            for (const auto& u : op.releases) held -= static_cast<int64_t>(u.bytes);
          }
          CHECK(held == 0);
        }
      }
    }
  }
}

TEST_CASE("partial folds load fewer bytes than full ones", "[sim][cycle][systolic][folds]") {
  // ws, K = 10 on 4 rows (4, 4, 2), N = 5 on 3 columns (3, 2), A (M = 6) reloaded per column fold:
  // fold (r, c) loads 6 x rows_used bytes of A and rows_used x cols_used of B.
  const EinsumCascade w = batched_gemm(1, 6, 10, 5);
  const ArchSpec a = small_systolic(4, 3, "1 GB/s", 0, "16 B", "1 KiB", "1 KiB");
  const LoweredGroup g = lower_one(w, a, "ws");
  std::vector<uint64_t> loads;
  for (const TileOp& op : g.program.body)
    if (op.unit == kDramReadUnit) loads.push_back(op.dram_read_bytes);
  const std::vector<uint64_t> expected = {24 + 12, 24 + 12, 12 + 6, 24 + 8, 24 + 8, 12 + 4};
  CHECK(loads == expected);
}

TEST_CASE("extrapolating a DRAM-bound systolic GEMM gives a full simulation's cycles",
          "[sim][cycle][systolic][folds]") {
  const EinsumCascade w = batched_gemm(40, 20, 30, 11);
  for (const char* duplex : {"full", "half"}) {
    for (const char* df : {"ws", "os", "is"}) {
      const ArchSpec a = small_systolic(4, 3, "2 GB/s", 5, "128 B", "128 B", "64 KiB", duplex);
      const Mapping m = preset_mapping(df, w, a);
      const SimulationReport fast = simulate_cycle(w, a, m, {true});
      const SimulationReport full = simulate_cycle(w, a, m, {false});
      INFO(df << ", " << duplex << " duplex: " << fast.cycles << " vs " << full.cycles);
      test::check_same_simulation(fast, full);
      CHECK(fast.arrays[0].stall_cycles > 0);
    }
  }
}

TEST_CASE("a GEMM with too many folds to list moves averaged transfers and says so", "[sim][cycle][systolic][folds]") {
  // ws on a 1 x 1 array: K x N folds. 64 x 64 = 4096 are listed one by one; 65 x 64 = 4160 are not.
  REQUIRE(kMaxUnrolledFolds == 4096);
  const ArchSpec unlimited = small_systolic(1, 1, "unlimited", 0, "1 MiB", "1 MiB", "1 MiB");
  const ArchSpec slow = small_systolic(1, 1, "1 GB/s", 0, "1 MiB", "1 MiB", "1 MiB");
  const int64_t M = 3, fold_cycles = 2 * 1 + 1 + M - 2;
  for (const int64_t K : {64, 65}) {
    const int64_t N = 64, folds = K * N;
    const EinsumCascade w = batched_gemm(1, M, K, N);
    const LoweredGroup g = lower_one(w, slow, "ws");
    const bool listed = folds <= 4096;
    INFO("K = " << K);
    CHECK(noted(g, "more than 4096") == !listed);
    CHECK(g.program.steps == static_cast<uint64_t>(listed ? 1 : folds));
    CHECK(g.dram_read_bytes == static_cast<uint64_t>(M * K + K * N));
    CHECK(g.dram_write_bytes == static_cast<uint64_t>(M * N * 4));
    // With unlimited bandwidth the folds run back to back either way.
    const SimulationReport r = simulate_cycle(w, unlimited, preset_mapping("ws", w, unlimited));
    CHECK(r.cycles == static_cast<uint64_t>(folds * fold_cycles));
    CHECK(std::any_of(r.notes.begin(), r.notes.end(),
                      [](const std::string& n) { return n.find("more than 4096") != n.npos; }) == !listed);
    // A slow DRAM, one byte per cycle: the read channel alone takes a cycle per byte read.
    const SimulationReport s = simulate_cycle(w, slow, preset_mapping("ws", w, slow));
    CHECK(s.cycles >= s.dram_read_bytes);
    CHECK(s.dram_read_bytes == g.dram_read_bytes);
  }
}
