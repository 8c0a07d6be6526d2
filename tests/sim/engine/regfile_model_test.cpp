// The register-file access model (sim/engine/regfile_model.hpp). Every
// expected count is the model's formula written out here for the test's shape:
//   ws: reads 3 MKN, writes 2 MKN + KN (weight written once per fold, read per
//       MAC; inputs and partial sums: a write and a read per PE they visit)
//   os: reads 3 MKN, writes 3 MKN (accumulator read and written per MAC;
//       inputs and weights: a write and a read per PE they visit)
//   is: reads 3 MKN, writes 2 MKN + MK
//   fused tiles: per point, (operands + 1) reads and as many writes.

#include "sim/engine/regfile_model.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

using namespace einsim;

namespace {

// Z[b,m,n] = A[b,m,k] x B[b,k,n] in int8 with an int32 output (batch 1: no B rank).
EinsumCascade gemm(int64_t batch, int64_t m, int64_t k, int64_t n) {
  const bool b = batch > 1;
  auto doc = YamlDocument::load_string(fmt::format(R"(workload:
  name: gemm
  ranks: {{{}M: {}, K: {}, N: {}}}
  format: int8
  tensors:
    A: {{ranks: [{}M, K]}}
    B: {{ranks: [{}K, N]}}
    Z: {{format: int32}}
  einsums:
    - Z[{}m,n] = A[{}m,k] * B[{}k,n]
)",
                                                   b ? fmt::format("G: {}, ", batch) : "", m, k, n, b ? "G, " : "",
                                                   b ? "G, " : "", b ? "g," : "", b ? "g," : "", b ? "g," : ""),
                                       "gemm.yaml");
  return load_workload(doc);
}

// An R x C array of `pe` (and a 1D lane array) with a register file of `rf` per PE.
ArchSpec arch_with_rf(int64_t rows, int64_t cols, const std::string& rf = "capacity: 64 B",
                      const std::string& pe = "mac_int8") {
  auto doc = YamlDocument::load_string(fmt::format(R"(architecture:
  name: rf_test
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: 100 GB/s}}
    - {{name: SRAM, kind: sram, capacity: 64 MiB}}
    - {{name: RF, kind: regfile, {}}}
  arrays:
    - {{name: pe2d, rows: {}, cols: {}, pe: {}}}
    - {{name: pe1d, lanes: 8, pe: vector_fp16}}
)",
                                                   rf, rows, cols, pe),
                                       "rf_arch.yaml");
  return load_architecture(doc);
}

const RegfileTraffic* width(const RegfileGroupCounts& c, int64_t bits) {
  for (const auto& t : c.traffic)
    if (t.bits == bits) return &t;
  return nullptr;
}

}  // namespace

TEST_CASE("systolic register-file accesses follow the dataflow formulas", "[sim][regfile]") {
  const uint64_t M = 12, K = 5, N = 7;
  const EinsumCascade w = gemm(1, M, K, N);
  for (auto [r, c] : {std::pair<int64_t, int64_t>{4, 3}, {16, 16}, {1, 1}}) {
    const ArchSpec a = arch_with_rf(r, c);
    for (const char* df : {"ws", "os", "is"}) {
      const Mapping m = preset_mapping(df, w, a);
      REQUIRE(m.groups.size() == 1);
      const auto counts = regfile_counts(w, a, m.groups[0]);
      INFO(df << " on " << r << "x" << c);
      REQUIRE(counts.size() == 1);
      const RegfileGroupCounts& g = counts[0];
      CHECK(g.level == 2);
      const std::string d = df;
      const uint64_t macs = M * K * N;
      // int8 inputs and weights, int32 partial sums / accumulators.
      const RegfileTraffic* b8 = width(g, 8);
      const RegfileTraffic* b32 = width(g, 32);
      REQUIRE(b8);
      REQUIRE(b32);
      CHECK(g.traffic.size() == 2);
      CHECK(g.reads() == 3 * macs);
      if (d == "ws") {
        CHECK(g.writes() == 2 * macs + K * N);
        CHECK(b8->reads == 2 * macs);       // weights and inputs
        CHECK(b8->writes == macs + K * N);  // inputs hop; each weight is written once
        CHECK(b32->reads == macs);          // partial sums hop down the columns
        CHECK(b32->writes == macs);
        CHECK(g.peak_bits_per_pe == 8);  // the weight
      } else if (d == "os") {
        CHECK(g.writes() == 3 * macs);
        CHECK(b8->reads == 2 * macs);
        CHECK(b8->writes == 2 * macs);
        CHECK(b32->reads == macs);  // the accumulator, once per MAC
        CHECK(b32->writes == macs);
        CHECK(g.peak_bits_per_pe == 32);  // the accumulator
      } else {
        CHECK(g.writes() == 2 * macs + M * K);
        CHECK(b8->writes == macs + M * K);  // weights hop; each input is written once
        CHECK(b32->writes == macs);
        CHECK(g.peak_bits_per_pe == 8);  // the input
      }
    }
  }
}

TEST_CASE("a batched systolic GEMM counts every batch element", "[sim][regfile]") {
  const uint64_t Bt = 3, M = 6, K = 4, N = 5;
  const EinsumCascade w = gemm(Bt, M, K, N);
  const ArchSpec a = arch_with_rf(4, 4);
  const auto ws = regfile_counts(w, a, preset_mapping("ws", w, a).groups[0]);
  REQUIRE(ws.size() == 1);
  CHECK(ws[0].reads() == Bt * 3 * M * K * N);
  CHECK(ws[0].writes() == Bt * (2 * M * K * N + K * N));
}

TEST_CASE("fused tiles read and write operands and result once per point", "[sim][regfile]") {
  auto wdoc = YamlDocument::load_string(R"(workload:
  name: mm_exp
  ranks: {M: 8, K: 4, N: 6}
  format: fp16
  tensors:
    A: {ranks: [M, K]}
    B: {ranks: [K, N]}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
    - Y[m,n] = exp(Z[m,n])
)",
                                        "mm_exp.yaml");
  const EinsumCascade w = load_workload(wdoc);
  const std::string mapping = R"(mapping:
  name: fused
  groups:
    - name: g
      loops: [M]
      place:
        Z: {array: pe2d, rows: K, cols: N}
        Y: {array: pe1d, lanes: N}
)";
  const uint64_t M = 8, K = 4, N = 6;
  // Z: M x K x N points, 2 operands; Y: M x N points, 1 operand. All fp16, but the fp16
  // MAC accumulates in fp32: Z's result is kept in fp32 in the 2D array's PEs.
  const uint64_t z_points = M * K * N, y_points = M * N;
  SECTION("a register file in every PE of both arrays") {
    const ArchSpec a = arch_with_rf(4, 6, "capacity: 64 B", "mac_fp16");
    const Mapping m = load_mapping(YamlDocument::load_string(mapping, "m.yaml"), w, a);
    const auto counts = regfile_counts(w, a, m.groups[0]);
    REQUIRE(counts.size() == 1);
    CHECK(counts[0].reads() == 3 * z_points + 2 * y_points);
    CHECK(counts[0].writes() == 3 * z_points + 2 * y_points);
    const RegfileTraffic* b16 = width(counts[0], 16);
    const RegfileTraffic* b32 = width(counts[0], 32);
    REQUIRE(b16);
    REQUIRE(b32);
    CHECK(b16->reads == 2 * z_points + 2 * y_points);
    CHECK(b32->reads == z_points);
    // Z holds A, B (2 B each) and its fp32 accumulator (4 B); Y holds Z and Y (2 B each).
    CHECK(counts[0].peak_bits_per_pe == 16 + 16 + 32);
  }
  SECTION("a register file in the 2D array's PEs only") {
    const ArchSpec a = arch_with_rf(4, 6, "capacity: 64 B, array: pe2d", "mac_fp16");
    const Mapping m = load_mapping(YamlDocument::load_string(mapping, "m.yaml"), w, a);
    const auto counts = regfile_counts(w, a, m.groups[0]);
    REQUIRE(counts.size() == 1);
    CHECK(counts[0].reads() == 3 * z_points);
    CHECK(counts[0].writes() == 3 * z_points);
  }
  SECTION("a register file too small for one point's operands and result") {
    const ArchSpec a = arch_with_rf(4, 6, "capacity: 7 B", "mac_fp16");
    const Mapping m = load_mapping(YamlDocument::load_string(mapping, "m.yaml"), w, a);
    try {
      regfile_counts(w, a, m.groups[0]);
      FAIL("expected a SpecError");
    } catch (const SpecError& e) {
      INFO(e.what());
      CHECK(e.location().file == "rf_arch.yaml");
      CHECK(e.location().yaml_path == "architecture.storage[2].capacity");
      CHECK(std::string(e.what()).find("register file 'RF' holds 7 B per PE") != std::string::npos);
      CHECK(std::string(e.what()).find("Einsum Z on pe2d") != std::string::npos);
      CHECK(std::string(e.what()).find("at least 8 B") != std::string::npos);
    }
  }
}

TEST_CASE("a register file too small for the stationary value is an error at its capacity", "[sim][regfile]") {
  const EinsumCascade w = gemm(1, 8, 8, 8);
  // 2 B per PE holds an int8 weight (ws) or input (is), not an int32 accumulator (os).
  const ArchSpec a = arch_with_rf(4, 4, "capacity: 2 B");
  CHECK(regfile_counts(w, a, preset_mapping("ws", w, a).groups[0]).size() == 1);
  CHECK(regfile_counts(w, a, preset_mapping("is", w, a).groups[0]).size() == 1);
  try {
    regfile_counts(w, a, preset_mapping("os", w, a).groups[0]);
    FAIL("expected a SpecError");
  } catch (const SpecError& e) {
    INFO(e.what());
    CHECK(e.location().yaml_path == "architecture.storage[2].capacity");
    CHECK(e.location().line == 8);
    CHECK(std::string(e.what()).find("an accumulator (int32, 4 B)") != std::string::npos);
    CHECK(std::string(e.what()).find("os dataflow") != std::string::npos);
  }
}

TEST_CASE("without a register file there is nothing to count", "[sim][regfile]") {
  const EinsumCascade w = gemm(1, 8, 8, 8);
  auto doc = YamlDocument::load_string(R"(architecture:
  name: no_rf
  technology: {table: horowitz45, node_nm: 45}
  clock: 1 GHz
  storage:
    - {name: DRAM, kind: dram, bandwidth: 100 GB/s}
    - {name: SRAM, kind: sram, capacity: 64 MiB}
  arrays:
    - {name: pe2d, rows: 4, cols: 4, pe: mac_int8}
)",
                                       "no_rf.yaml");
  const ArchSpec a = load_architecture(doc);
  CHECK(regfile_counts(w, a, preset_mapping("ws", w, a).groups[0]).empty());
  // A register file bound to another array sees none of this array's work.
  const ArchSpec other = arch_with_rf(4, 4, "capacity: 64 B, array: pe1d");
  CHECK(regfile_counts(w, other, preset_mapping("ws", w, other).groups[0]).empty());
}
