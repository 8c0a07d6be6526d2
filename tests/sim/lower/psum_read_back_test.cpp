// Partial sums accumulated in the buffer over several steps are read back before each addition
// but the first (read-modify-write), as Timeloop counts them. Hand counts below.

#include <catch2/catch.hpp>

#include "tests/sim/lower/lower_test_support.hpp"

using namespace einsim;
using namespace einsim::test;

TEST_CASE("AlexNet layer 1: outputs held across the DRAM's loop over C are read back twice", "[sim][lower][psum]") {
  const EinsumCascade w = library_workload("alexnet_conv1.yaml");
  const ArchSpec a = library_arch("eyeriss_like.yaml");
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, library_mapping("eyeriss_alexnet_conv1.yaml", w, a)).at(0);
  // 96 x 55 x 55 = 290,400 outputs of 2 bytes. C = 3 is looped at the DRAM, inside the loops over
  // K and P and outside the buffer's loop over Q: each output is written once per channel
  // (871,200 writes) and read back on the second and third (580,800 reads), then read once more
  // to go to DRAM (290,400).
  const uint64_t outputs = 96u * 55u * 55u;
  CHECK(outputs == 290400u);
  CHECK(g.buffer_psum_read_bytes == 2u * outputs * 2u);
  CHECK(g.tensor_dram_writes.at(w.find_tensor("O")) == outputs * 2u);
  // Buffer writes: the outputs' 3 contributions, and the fills of I and F (90 tiles each).
  const uint64_t fills = 90u * (51u * 227u + 16u * 121u) * 2u;
  CHECK(g.buffer_write_bytes == 3u * outputs * 2u + fills);
  // Buffer reads: per step (450) the step's input window (one channel, 51 rows, 4 * 10 + 11 = 51
  // columns) and filter tile (16 x 121), the read-backs and the drain.
  CHECK(g.program.steps == 450u);
  CHECK(g.buffer_read_bytes == 450u * (51u * 51u + 16u * 121u) * 2u + 2u * outputs * 2u + outputs * 2u);
}

TEST_CASE("a GEMM's output accumulated over a loop over K is read back K tiles - 1 times", "[sim][lower][psum]") {
  const ArchSpec a = mac_16x16();
  const EinsumCascade w = load_workload(YamlDocument::load_string(R"(workload:
  name: gemm
  ranks: {M: 64, K: 64, N: 16}
  format: int8
  tensors:
    A: {ranks: [M, K]}
    B: {ranks: [K, N]}
    Z: {format: int32}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
)", "gemm.yaml"));
  for (const char* level : {"", ", level: GB"}) {
    INFO("K looped" << (*level ? " in the buffer" : " at the DRAM"));
    const Mapping m = mapping_text(fmt::format(R"(mapping:
  name: gemm
  groups:
    - name: gemm
      loops: [{{rank: M, tile: 16}}, {{rank: K, tile: 16{}}}]
      place: {{Z: {{array: pe2d, rows: K, cols: N}}}}
)", level), w, a);
    const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, m).at(0);
    // Z: 64 x 16 int32 = 4096 B, accumulated over 4 tiles of K: written 4 times, read back 3.
    CHECK(g.buffer_psum_read_bytes == 3u * 64u * 16u * 4u);
    CHECK(g.dram_write_bytes == 64u * 16u * 4u);
  }
  // K inside a step: nothing to read back.
  const Mapping inner = mapping_text(R"(mapping:
  name: gemm
  groups:
    - name: gemm
      loops: [{rank: M, tile: 16}]
      place: {Z: {array: pe2d, rows: K, cols: N}}
)", w, a);
  CHECK(lower_mapping(w, CascadeGraph(w), a, inner).at(0).buffer_psum_read_bytes == 0);
}
