// A systolic GEMM with an epilogue: MixPE's group-wise dequantization, the
// scale of each group of K applied in the PEs as the group's partial sums
// finish, so the pair runs as one GEMM over all of K. Expected cycles are
// SCALE-Sim's fold formulas with K = K1 x K0, bytes the tensors' sizes.

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <string>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "sim/cycle/simulate.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

// Out[m,n] = sum_k1 S[k1,n] x PS[m,k1,n], PS[m,k1,n] = sum_k0 A[m,k1,k0] W[k1,k0,n]:
// M = 64, K = 256 in K1 = 4 groups of K0 = 64, N = 48; fp16 activations and scales, int4 weights.
EinsumCascade groupwise(int64_t k0 = 64, bool shift_add = true) {
  return load_workload(YamlDocument::load_string(fmt::format(R"(workload:
  name: groupwise
  ranks: {{M: 64, K: 256, N: 48}}
  partitions: {{K: {{into: [K1, K0], K0: {}}}}}
  format: fp16
  tensors:
    A: {{ranks: [M, K]}}
    W: {{ranks: [K, N], format: int4}}
    S: {{ranks: [K1, N]}}
    Out: {{format: fp32}}
  einsums:
    - {}
    - Out[m,n] = PS[m,k1,n] * S[k1,n]
)", k0, shift_add ? "PS[m,k1,n] = shift_add(A[m,k1,k0], W[k1,k0,n])" : "PS[m,k1,n] = A[m,k1,k0] * W[k1,k0,n]"),
                                                 "groupwise.yaml"));
}

ArchSpec mixpe_16x16(const char* pe = "mixpe_w4a16") {
  return load_architecture(YamlDocument::load_string(fmt::format(R"(architecture:
  name: mixpe_small
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: unlimited, latency_cycles: 0}}
    - name: SRAM
      kind: sram
      partitions: {{inputs: 1 MiB, weights: 1 MiB, outputs: 1 MiB}}
  arrays:
    - {{name: pe2d, rows: 16, cols: 16, pe: {}}}
)", pe), "mixpe_small.yaml"));
}

Mapping with_epilogue(const EinsumCascade& w, const ArchSpec& a, const char* dataflow) {
  return load_mapping(YamlDocument::load_string(fmt::format(R"(mapping:
  groups:
    - systolic: {{einsum: PS, array: pe2d, dataflow: {}, epilogue: Out}}
)", dataflow), "epilogue.yaml"), w, a);
}

bool has_note(const std::vector<std::string>& notes, const std::string& text) {
  for (const auto& n : notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a GEMM with a group-wise epilogue runs as one GEMM over all of K", "[sim][cycle][epilogue]") {
  const EinsumCascade w = groupwise();
  const ArchSpec a = mixpe_16x16();
  struct Case {
    const char* dataflow;
    uint64_t cycles;
  };
  // SCALE-Sim on 16 x 16 with K = 4 x 64 = 256 (no DRAM limit: the folds back to back):
  //   os: Sr = M = 64 (4 row folds), Sc = N = 48 (3), T = K = 256: 12 folds of 16 + 16 + 256 - 2 = 286;
  //   ws: Sr = K (16), Sc = N (3), T = M = 64: 48 folds of 2 x 16 + 16 + 64 - 2 = 110;
  //   is: Sr = K (16), Sc = M (4), T = N = 48: 64 folds of 2 x 16 + 16 + 48 - 2 = 94.
  for (Case cs : {Case{"os", 12 * 286}, Case{"ws", 48 * 110}, Case{"is", 64 * 94}}) {
    INFO(cs.dataflow);
    const SimulationReport r = simulate_cycle(w, a, with_epilogue(w, a, cs.dataflow));
    CHECK(r.cycles == cs.cycles);
    // A, W and the scales read once, Out written once; PS never leaves the array.
    CHECK(r.dram_read_bytes == 64u * 256u * 2u + 256u * 48u / 2u + 4u * 48u * 2u);
    CHECK(r.dram_write_bytes == 64u * 48u * 4u);
    CHECK(r.spills.empty());
    // One dequantization per output and group, four shift-and-add bit-planes per MAC.
    CHECK(r.arrays[0].actions[PeAction::dequant] == 64u * 48u * 4u);
    CHECK(r.arrays[0].actions[PeAction::shift_add] == 64u * 256u * 48u * 4u);
    // The epilogue takes no array cycles of its own.
    REQUIRE(r.einsums.size() == 2);
    CHECK(r.einsums[1].name == "Out");
    CHECK(r.einsums[1].busy_cycles == 0);
  }
}

TEST_CASE("without the epilogue the partial sums go through DRAM", "[sim][cycle][epilogue]") {
  const EinsumCascade w = groupwise();
  const ArchSpec a = mixpe_16x16();
  const Mapping separate = load_mapping(YamlDocument::load_string(R"(mapping:
  groups:
    - systolic: {einsum: PS, array: pe2d, dataflow: os}
    - systolic: {einsum: Out, array: pe2d, dataflow: os}
)", "separate.yaml"), w, a);
  const SimulationReport r = simulate_cycle(w, a, separate);
  // PS: 64 x 4 x 48 fp16 partial sums written by the first group and read back by the second.
  REQUIRE(r.spills.size() == 1);
  CHECK(r.spills[0].tensor == "PS");
  CHECK(r.spills[0].written_bytes == 64u * 4u * 48u * 2u);
  CHECK(r.dram_write_bytes == 64u * 4u * 48u * 2u + 64u * 48u * 4u);
  // Per group the os GEMM is 64 x 64 x 48: 4 x 3 folds of 16 + 16 + 64 - 2 = 94, for 4 groups;
  // then Out as a 64 x 4 x 1 GEMM for each of the 48 columns: 4 x 1 folds of 16 + 16 + 4 - 2 = 34.
  CHECK(r.cycles == 4u * 12u * 94u + 48u * 4u * 34u);
}

TEST_CASE("the MixPE presets map the scale-and-sum as the GEMM's epilogue", "[mappings][epilogue]") {
  const EinsumCascade w = groupwise();
  const ArchSpec a = mixpe_16x16();
  for (const char* df : {"ws", "os", "is"}) {
    const Mapping m = preset_mapping(df, w, a);
    REQUIRE(m.groups.size() == 1);
    CHECK(m.groups[0].epilogue == 1);  // Out, the second Einsum
    CHECK(has_note(m.notes, "Out runs in the PEs of pe2d as the epilogue of PS"));
  }
  // Other PEs have no dequantization unit: two groups (a mapping file may still ask for the epilogue).
  const EinsumCascade mul = groupwise(64, false);
  const ArchSpec fp16 = mixpe_16x16("mac_fp16");
  CHECK(preset_mapping("os", mul, fp16).groups.size() == 2);
  CHECK(simulate_cycle(mul, fp16, with_epilogue(mul, fp16, "os")).cycles == 12 * 286);
  // ws with groups of 24 values of K on 16 rows: a row fold would hold parts of two groups.
  const EinsumCascade odd = load_workload(YamlDocument::load_string(R"(workload:
  name: odd
  ranks: {M: 64, K: 96, N: 48}
  partitions: {K: {into: [K1, K0], K0: 24}}
  format: fp16
  tensors: {A: {ranks: [M, K]}, W: {ranks: [K, N], format: int4}, S: {ranks: [K1, N]}, Out: {format: fp32}}
  einsums:
    - PS[m,k1,n] = shift_add(A[m,k1,k0], W[k1,k0,n])
    - Out[m,n] = PS[m,k1,n] * S[k1,n]
)", "odd.yaml"));
  const Mapping ws = preset_mapping("ws", odd, a);
  CHECK(ws.groups.size() == 2);
  CHECK(has_note(ws.notes, "a group of 24 values of K is not a whole number of row folds"));
  CHECK(preset_mapping("os", odd, a).groups.size() == 1);
  CHECK_THROWS_WITH(with_epilogue(odd, a, "ws"), Catch::Contains("is not a whole number of row folds") &&
                                                     Catch::Contains("epilogue.yaml:3:"));
}

TEST_CASE("an epilogue must only scale and sum the GEMM's groups", "[mappings][epilogue]") {
  const ArchSpec a = mixpe_16x16();
  auto load = [&](const std::string& einsums, const std::string& outputs = "[Out]", const std::string& scale = "S") {
    return load_workload(YamlDocument::load_string(fmt::format(R"(workload:
  name: bad
  ranks: {{M: 64, K: 256, N: 48}}
  partitions: {{K: {{into: [K1, K0], K0: 64}}}}
  format: fp16
  tensors: {{A: {{ranks: [M, K]}}, W: {{ranks: [K, N], format: int4}}, {}: {{ranks: {}}}}}
  einsums:
    - PS[m,k1,n] = shift_add(A[m,k1,k0], W[k1,k0,n])
{}
  outputs: {}
)", scale, scale == "R" ? "[M]" : "[K1, N]", einsums, outputs), "bad.yaml"));
  };
  auto why = [&](const EinsumCascade& w) {
    try {
      with_epilogue(w, a, "os");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // PS read by a second Einsum must leave the array.
  CHECK_THAT(why(load("    - Out[m,n] = PS[m,k1,n] * S[k1,n]\n    - T[m,k1,n] = PS[m,k1,n] + PS[m,k1,n]\n",
                      "[Out, T]")),
             Catch::Contains("T reads PS too"));
  // A scale per row of A is not held per column and group.
  CHECK_THAT(why(load("    - Out[m,n] = PS[m,k1,n] * R[m]\n", "[Out]", "R")), Catch::Contains("reads R over rank M"));
  // Summing over N, not a batch rank of PS.
  CHECK_THAT(why(load("    - Out[m,k1] = PS[m,k1,n] * S[k1,n]\n")),
             Catch::Contains("reduces rank N, which is not a batch rank of PS"));
  // An Einsum that does not read the GEMM's result at all.
  const EinsumCascade other = load("    - Out[m,n] = PS[m,k1,n] * S[k1,n]\n    - T[k1,n] = S[k1,n] + S[k1,n]\n", "[Out, T]");
  CHECK_THROWS_WITH(load_mapping(YamlDocument::load_string(
                                     "mapping:\n  groups:\n    - systolic: {einsum: PS, array: pe2d, dataflow: os, "
                                     "epilogue: T}\n    - systolic: {einsum: Out, array: pe2d, dataflow: os}\n",
                                     "t.yaml"),
                                 other, a),
                    Catch::Contains("Einsum T cannot be the epilogue of PS: T does not read PS once"));
  // The mapping check on its own knows the key.
  CHECK_NOTHROW(check_mapping_document(YamlDocument::load_string(
      "mapping:\n  groups:\n    - systolic: {einsum: PS, array: pe2d, dataflow: os, epilogue: Out}\n", "c.yaml")));
}
