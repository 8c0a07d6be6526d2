// Tiles at two storage levels: the DRAM's loops bring tiles into a group's
// buffer, the buffer's loops cut them into the tiles the arrays compute.
// Expected bytes and cycles are worked out by hand from the shapes below.

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "sim/lower/lowering.hpp"
#include "sim/cycle/simulate.hpp"
#include "tests/sim/cycle/cycle_test_support.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

// Z[m,n] = A[m,k] x B[k,n]: M = 256, K = 32, N = 64, int8 operands, int32 results (or as given).
EinsumCascade gemm(const char* z_format = "int32") {
  return load_workload(YamlDocument::load_string(fmt::format(R"(workload:
  name: gemm
  ranks: {{M: 256, K: 32, N: 64}}
  format: int8
  tensors:
    A: {{ranks: [M, K]}}
    B: {{ranks: [K, N]}}
    Z: {{format: {}}}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
)", z_format), "gemm.yaml"));
}

// A 32 x 16 int8 MAC array under a 1 MiB buffer; DRAM bandwidth as given, no latency.
ArchSpec array_32x16(const char* bandwidth = "unlimited") {
  return load_architecture(YamlDocument::load_string(fmt::format(R"(architecture:
  name: tiles
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: {}, latency_cycles: 0}}
    - {{name: GB, kind: sram, capacity: 1 MiB}}
  arrays:
    - {{name: pe2d, rows: 32, cols: 16, pe: mac_int8}}
)", bandwidth), "tiles.yaml"));
}

// K on the array's rows, N on its columns, M in time; loops as given.
Mapping gemm_mapping(const EinsumCascade& w, const ArchSpec& a, const std::string& loops) {
  return load_mapping(YamlDocument::load_string(fmt::format(R"(mapping:
  name: gemm
  groups:
    - name: gemm
      loops: {}
      place: {{Z: {{array: pe2d, rows: K, cols: N}}}}
)", loops), "gemm_map.yaml"), w, a);
}

const char* kOneLevel = "[{rank: M, tile: 64}, {rank: N, tile: 16}]";
const char* kTwoLevels = "[{rank: M, tile: 64}, {rank: N, tile: 16, level: GB}]";

uint64_t tensor_reads(const LoweredGroup& g, const EinsumCascade& w, const char* name) {
  const int t = w.find_tensor(name);
  return g.tensor_dram_reads.count(t) ? g.tensor_dram_reads.at(t) : 0;
}

EinsumCascade fusemax_attention(int64_t b, int64_t h, int64_t m) {
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_fusemax.yaml");
  doc.apply_override(fmt::format("ranks.B={}", b));
  doc.apply_override(fmt::format("ranks.H={}", h));
  doc.apply_override(fmt::format("ranks.M={}", m));
  return load_workload(doc);
}

ArchSpec fusemax_cloud(const std::vector<std::string>& sets = {}) {
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml");
  for (const auto& s : sets) doc.apply_override(s);
  return load_architecture(doc);
}

Mapping library_mapping(const char* name, const EinsumCascade& w, const ArchSpec& a) {
  return load_mapping(YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/mappings/library/" + name), w, a);
}

}  // namespace

TEST_CASE("a buffer's loop keeps a tile in the buffer across its sub-tiles", "[sim][cycle][tiles]") {
  const EinsumCascade w = gemm();
  const ArchSpec a = array_32x16();
  const CascadeGraph graph(w);
  // 4 tiles of 64 rows of A x 4 tiles of 16 columns of B: 16 steps either way. A step puts K = 32
  // on the 32 rows and 16 columns of N on the 16 columns, and streams its 64 rows of M: 64 cycles.
  const LoweredGroup one = lower_mapping(w, graph, a, gemm_mapping(w, a, kOneLevel)).at(0);
  const LoweredGroup two = lower_mapping(w, graph, a, gemm_mapping(w, a, kTwoLevels)).at(0);
  CHECK(one.program.steps == 16);
  CHECK(two.program.steps == 16);
  // One level: the buffer holds a step's tiles, so B's 32 x 16 tile is loaded at every step:
  // 16 x 512 B, B four times over. A's 64 x 32 tile changes every 4 steps: A once.
  CHECK(tensor_reads(one, w, "A") == 256u * 32u);
  CHECK(tensor_reads(one, w, "B") == 16u * 32u * 16u);
  // Two levels: the DRAM's loop over M brings 64 rows of A and, with no DRAM loop over K or N,
  // all of B, loaded once; the buffer's loop over N cuts B into the steps' column tiles.
  CHECK(tensor_reads(two, w, "A") == 256u * 32u);
  CHECK(tensor_reads(two, w, "B") == 32u * 64u);
  CHECK(two.dram_read_bytes == 256u * 32u + 32u * 64u);
  // Z leaves whole either way: 256 x 64 int32 values. With two levels a buffer tile of Z is the
  // 64 x 64 results of the 4 column steps, written once after the last of them.
  CHECK(one.dram_write_bytes == 256u * 64u * 4u);
  CHECK(two.dram_write_bytes == 256u * 64u * 4u);
  const int z = w.find_tensor("Z");
  uint64_t writes = 0, write_bytes = 0;
  for (const TileOp& op : two.program.body) {
    if (op.dram_write_bytes == 0) continue;
    writes += two.program.instances(op);
    write_bytes = op.dram_write_bytes;
  }
  CHECK(writes == 4);
  CHECK(write_bytes == 64u * 64u * 4u);
  CHECK(two.tensor_dram_writes.at(z) == 256u * 64u * 4u);
  // The array reads the same step tiles from the buffer whichever level brought them.
  CHECK(one.buffer_read_bytes - one.dram_write_bytes == two.buffer_read_bytes - two.dram_write_bytes);
  CHECK(one.buffer_read_bytes - one.dram_write_bytes == 16u * (64u * 32u + 32u * 16u));

  // Simulated with unlimited bandwidth, the steps run back to back: 16 x 64 cycles.
  const SimulationReport r1 = simulate_cycle(w, a, gemm_mapping(w, a, kOneLevel));
  const SimulationReport r2 = simulate_cycle(w, a, gemm_mapping(w, a, kTwoLevels));
  CHECK(r1.cycles == 16 * 64);
  CHECK(r2.cycles == 16 * 64);
  CHECK(r2.dram_read_bytes == 256u * 32u + 32u * 64u);
  // The buffer holds all of B (2 KiB), up to two 64 x 32 tiles of A in flight (double buffering)
  // and up to two 64 x 64 int32 tiles of Z (the next opens before the last is written).
  const uint64_t b_all = 32 * 64, a_tile = 64 * 32, z_tile = 64 * 64 * 4;
  CHECK(r2.levels[1].peak_occupancy_bytes >= b_all + a_tile + z_tile);
  CHECK(r2.levels[1].peak_occupancy_bytes <= b_all + 2 * a_tile + 2 * z_tile);
  // One level holds less: at most two of each step tile (B 32 x 16, A 64 x 32, Z 64 x 16 int32).
  CHECK(r1.levels[1].peak_occupancy_bytes <= 2 * (32 * 16 + a_tile + 64 * 16 * 4));
}

TEST_CASE("fewer DRAM reads make a DRAM-bound group faster", "[sim][cycle][tiles]") {
  // N outer, M inner, int8 results, DRAM at 2 B per cycle each way (latency 0).
  const EinsumCascade w = gemm("int8");
  const ArchSpec a = array_32x16("2 GB/s");
  // One level: A's 64 x 32 tile (2 KiB, 1024 cycles) is loaded at each of the 16 steps, B's
  // 32 x 16 tile (512 B) at each of the 4 column tiles: 34,816 B, 17,408 cycles of reads back to
  // back (double buffering keeps the channel busy; a step computes in 64 cycles). The last step
  // computes after the last load, then writes its 64 x 16 results (1 KiB, 512 cycles).
  const SimulationReport r1 = simulate_cycle(w, a, gemm_mapping(w, a, "[{rank: N, tile: 16}, {rank: M, tile: 64}]"));
  CHECK(r1.dram_read_bytes == 16u * 64u * 32u + 4u * 32u * 16u);
  CHECK(r1.cycles == (16 * 64 * 32 + 4 * 32 * 16) / 2 + 64 + 512);
  // Two levels: the DRAM's loop over N brings all of A once (8 KiB) and B's column tile; the
  // buffer's loop over M cuts them. Step 0 waits for A and the first B tile (4,352 cycles), the
  // 4 steps of a column tile take 256 cycles, and then the column's 256 x 16 results (4 KiB,
  // 2,048 cycles) leave: the writes of the 4 column tiles run back to back from there on (each
  // column tile's steps and the next B tile are done before the write channel is free again).
  const SimulationReport r2 =
      simulate_cycle(w, a, gemm_mapping(w, a, "[{rank: N, tile: 16}, {rank: M, tile: 64, level: GB}]"));
  CHECK(r2.dram_read_bytes == 256u * 32u + 4u * 32u * 16u);
  CHECK(r2.dram_write_bytes == 256u * 64u);
  CHECK(r2.cycles == (256 * 32 + 32 * 16) / 2 + 4 * 64 + 4 * (256 * 16) / 2);
  CHECK(r2.arrays[0].stall_cycles > 0);
}

TEST_CASE("FuseMax with the queries of a head in the buffer reads K and V once per head", "[sim][cycle][tiles]") {
  // B = 1, H = 2, P = 1024 queries, M = 2048 keys, E = F = 64, fp16. One level (the preset): K and
  // V are read for each of the 4 tiles of 256 queries; two levels: once per head.
  const EinsumCascade w = fusemax_attention(1, 2, 2048);
  const ArchSpec a = fusemax_cloud({"storage.DRAM.bandwidth=unlimited", "storage.DRAM.latency_cycles=0"});
  const Mapping one = preset_mapping("fusemax", w, a);
  const Mapping two = library_mapping("fusemax_buffer_tiles.yaml", w, a);
  const CascadeGraph graph(w);
  const LoweredGroup g1 = lower_mapping(w, graph, a, one).at(0);
  const LoweredGroup g2 = lower_mapping(w, graph, a, two).at(0);
  const uint64_t kv = 2u * 64u * 2048u * 2u;  // H x E x M fp16 values
  const uint64_t q = 2u * 64u * 1024u * 2u;
  CHECK(tensor_reads(g1, w, "K") == 4 * kv);
  CHECK(tensor_reads(g1, w, "V") == 4 * kv);
  CHECK(tensor_reads(g2, w, "K") == kv);
  CHECK(tensor_reads(g2, w, "V") == kv);
  CHECK(tensor_reads(g1, w, "Q") == q);
  CHECK(tensor_reads(g2, w, "Q") == q);
  // AV leaves once either way, in tiles of 256 or of 1024 queries.
  const int av = w.find_tensor("AV");
  CHECK(g1.tensor_dram_writes.at(av) == 2u * 64u * 1024u * 2u);
  CHECK(g2.tensor_dram_writes.at(av) == 2u * 64u * 1024u * 2u);
  // The arrays compute the same step tiles in the same order: with DRAM never limiting, the same
  // cycles and busy cycles.
  const SimulationReport r1 = simulate_cycle(w, a, one);
  const SimulationReport r2 = simulate_cycle(w, a, two);
  CHECK(r1.cycles == r2.cycles);
  for (size_t i = 0; i < r1.arrays.size(); ++i) CHECK(r1.arrays[i].busy_cycles == r2.arrays[i].busy_cycles);
  // The buffer now holds K and V of all 2048 keys (256 KiB each), double-buffered.
  CHECK(r2.levels[1].peak_occupancy_bytes >= 2 * 64 * 2048 * 2);
  CHECK(r2.levels[1].peak_occupancy_bytes > r1.levels[1].peak_occupancy_bytes);
}

TEST_CASE("two-level tiles extrapolate to the cycles of a full simulation", "[sim][cycle][tiles]") {
  const EinsumCascade w = fusemax_attention(4, 8, 2048);
  const ArchSpec a = fusemax_cloud();
  const Mapping m = library_mapping("fusemax_buffer_tiles.yaml", w, a);
  const SimulationReport fast = simulate_cycle(w, a, m, {true});
  const SimulationReport full = simulate_cycle(w, a, m, {false});
  test::check_same_simulation(fast, full);
}

TEST_CASE("K and V of all keys outgrow the buffer at long sequences", "[sim][cycle][tiles]") {
  // At 64K keys K and V of a head are 8 MiB each, double-buffered 32 MiB: more than 16 MiB.
  const EinsumCascade w = fusemax_attention(1, 1, 65536);
  const ArchSpec a = fusemax_cloud();
  CHECK_THROWS_WITH(simulate_cycle(w, a, library_mapping("fusemax_buffer_tiles.yaml", w, a)),
                    Catch::Contains("GB") && Catch::Contains("too small"));
}

TEST_CASE("loops at two levels are checked", "[mappings][tiles]") {
  const EinsumCascade w = gemm();
  const ArchSpec a = array_32x16();
  auto fails = [&](const std::string& loops) {
    try {
      gemm_mapping(w, a, loops);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_NOTHROW(gemm_mapping(w, a, "[{rank: M, tile: 128}, {rank: M, tile: 64, level: GB}, {rank: N, level: GB}]"));
  CHECK_NOTHROW(gemm_mapping(w, a, "[{rank: M, tile: 64, level: DRAM}, {rank: N, tile: 16, level: GB}]"));
  CHECK_THAT(fails("[{rank: N, tile: 16, level: GB}, {rank: M, tile: 64}]"),
             Catch::Contains("the DRAM's loop over M is inside a loop of the buffer GB") &&
                 Catch::Contains("gemm_map.yaml:5:"));
  CHECK_THAT(fails("[{rank: M, tile: 64, level: RF}]"),
             Catch::Contains("belong to the DRAM (DRAM), to the group's buffer (GB) or to a register file, not to 'RF'"));
  CHECK_THAT(fails("[{rank: M, tile: 128}, {rank: M, tile: 48, level: GB}]"),
             Catch::Contains("tile 48 does not divide the DRAM's tile of M (128)"));
  CHECK_THAT(fails("[M, {rank: M, tile: 2, level: GB}]"), Catch::Contains("takes one coordinate a step"));
  CHECK_THAT(fails("[{rank: M, tile: 64}, {rank: M, tile: 32}]"), Catch::Contains("rank M is looped twice at one level"));
  CHECK_THAT(fails("[{rank: M, tile: 64, level: GB}, {rank: M, tile: 32, level: GB}]"),
             Catch::Contains("rank M is looped twice at one level"));
  // The mapping check on its own accepts the level key.
  CHECK(check_mapping_document(YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) +
                                                       "/mappings/library/fusemax_buffer_tiles.yaml")) ==
        "mapping 'fusemax_buffer_tiles': 1 fused group(s) placing 12 Einsums, 0 systolic group(s)");
}

TEST_CASE("a recurrence's loop lies inside the loops over its state's other ranks", "[mappings][tiles]") {
  // FuseMax's running max RM[m1+1,p] is held for a pass over the key tiles, one query tile at a
  // time: a query loop inside the key loop would need all query tiles' state at once.
  const EinsumCascade w = fusemax_attention(1, 1, 1024);
  const ArchSpec a = fusemax_cloud();
  std::string text = R"(mapping:
  groups:
    - name: attention
      loops: [B, H, M1, {rank: P, tile: 256}]
      place:
        QK:   {array: pe2d, rows: M0, cols: P}
        LM:   {array: pe2d, rows: M0, cols: P}
        RM:   {array: pe1d, lanes: P}
        SLN:  {array: pe2d, rows: M0, cols: P}
        SLD:  {array: pe2d, rows: M0, cols: P}
        PRM:  {array: pe1d, lanes: P}
        SPD:  {array: pe1d, lanes: P}
        RD:   {array: pe1d, lanes: P}
        SLNV: {array: pe2d, rows: M0, cols: P}
        SPNV: {array: pe1d, lanes: P}
        RNV:  {array: pe1d, lanes: P}
        AV:   {array: pe1d, lanes: P}
)";
  CHECK_THROWS_WITH(load_mapping(YamlDocument::load_string(text, "rec.yaml"), w, a),
                    Catch::Contains("runs a recurrence over M1, whose loop is outside a loop over P"));
}

TEST_CASE("a tile one array's Einsums pass to each other stays in its PEs", "[sim][cycle][tiles]") {
  // X = A + B, Z = X x C over 1024 fp16 elements in 4 tiles of 256. Same array: X never touches the
  // buffer, which reads A, B, C (3 x 2 KiB) and Z once for the DRAM (2 KiB) and writes the fills of
  // A, B, C and Z. On two arrays X is written to the buffer and read back: 2 KiB more each way.
  const EinsumCascade w = load_workload(YamlDocument::load_string(R"(workload:
  name: chain
  ranks: {M: 1024}
  format: fp16
  tensors: {A: {ranks: [M]}, B: {ranks: [M]}, C: {ranks: [M]}}
  einsums: [ "X[m] = A[m] + B[m]", "Z[m] = X[m] * C[m]" ]
)", "chain.yaml"));
  const ArchSpec a = load_architecture(YamlDocument::load_string(R"(architecture:
  name: lanes
  technology: {table: horowitz45, node_nm: 45}
  clock: 1 GHz
  storage:
    - {name: DRAM, kind: dram, bandwidth: unlimited}
    - {name: GB, kind: sram, capacity: 1 MiB}
  arrays:
    - {name: va, lanes: 256, pe: vector_fp16}
    - {name: vb, lanes: 256, pe: vector_fp16}
)", "lanes.yaml"));
  auto lower = [&](const char* x_array) {
    const Mapping m = load_mapping(YamlDocument::load_string(fmt::format(R"(mapping:
  groups:
    - name: chain
      loops: [{{rank: M, tile: 256}}]
      place: {{X: {{array: {}, lanes: M}}, Z: {{array: va, lanes: M}}}}
)", x_array), "chain_map.yaml"), w, a);
    return lower_mapping(w, CascadeGraph(w), a, m).at(0);
  };
  const LoweredGroup same = lower("va");
  const LoweredGroup two = lower("vb");
  const uint64_t kib2 = 1024 * 2;
  CHECK(same.buffer_read_bytes == 3 * kib2 + kib2);
  CHECK(same.buffer_write_bytes == 3 * kib2 + kib2);
  CHECK(two.buffer_read_bytes == 3 * kib2 + kib2 + kib2);
  CHECK(two.buffer_write_bytes == 3 * kib2 + kib2 + kib2);
  // Buffer space: X's 512 B tiles only when it crosses between the arrays.
  const SimulationReport rs = simulate_cycle(w, a, load_mapping(YamlDocument::load_string(R"(mapping:
  groups:
    - name: chain
      loops: [{rank: M, tile: 256}]
      place: {X: {array: va, lanes: M}, Z: {array: va, lanes: M}}
)", "m.yaml"), w, a));
  // At most two slots of A, B and C (512 B each) and two Z tiles waiting for their write.
  CHECK(rs.levels[1].peak_occupancy_bytes <= 2 * 3 * 512 + 2 * 512);
}

namespace {

// Z[m,n] = A[m,k] x B[k,n], M = 8, K = 4, N = 16, int8 into int32, on 16 MAC lanes with a register
// file per lane: N over the lanes, M and K in time, all in one step.
EinsumCascade small_gemm() {
  return load_workload(YamlDocument::load_string(R"(workload:
  name: small
  ranks: {M: 8, K: 4, N: 16}
  format: int8
  tensors: {A: {ranks: [M, K]}, B: {ranks: [K, N]}, Z: {format: int32}}
  einsums: [ "Z[m,n] = A[m,k] * B[k,n]" ]
)", "small.yaml"));
}

// 16 int8 MAC lanes, each with a register file of the given capacity, under a 1 MiB buffer.
ArchSpec lanes_with_rf(const char* capacity = "64 B", const char* file = "lanes_rf.yaml") {
  return load_architecture(YamlDocument::load_string(fmt::format(R"(architecture:
  name: lanes_rf
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: unlimited}}
    - {{name: GB, kind: sram, capacity: 1 MiB}}
    - {{name: RF, kind: regfile, capacity: {}, width_bits: 8}}
  arrays:
    - {{name: lanes, lanes: 16, pe: mac_int8}}
)", capacity), file));
}

Mapping rf_mapping(const EinsumCascade& w, const ArchSpec& a, const std::string& loops) {
  return load_mapping(YamlDocument::load_string(fmt::format(R"(mapping:
  groups:
    - name: gemm
      loops: {}
      place: {{Z: {{array: lanes, lanes: N}}}}
)", loops), "rf_map.yaml"), w, a);
}

uint64_t rf_writes(const LevelReport& l) {
  uint64_t n = 0;
  for (const auto& t : l.regfile_traffic) n += t.writes;
  return n;
}

uint64_t rf_reads(const LevelReport& l) {
  uint64_t n = 0;
  for (const auto& t : l.regfile_traffic) n += t.reads;
  return n;
}

}  // namespace

TEST_CASE("the register file's loops order the PEs' points and set what they reuse", "[sim][cycle][tiles]") {
  const EinsumCascade w = small_gemm();
  const ArchSpec a = lanes_with_rf();
  const CascadeGraph graph(w);
  // 8 x 4 x 16 = 512 MACs; the step's tiles: A 32 B, B 64 B, Z 512 B (int32). DRAM brings A and B
  // into the buffer (96 B of fills) and takes Z (512 B read out of the buffer).
  auto group = [&](const std::string& loops) { return lower_mapping(w, graph, a, rf_mapping(w, a, loops)).at(0); };
  // No register-file loops: each value once per step, each way.
  const LoweredGroup ideal = group("[]");
  CHECK(ideal.buffer_read_bytes == 32 + 64 + 512);
  CHECK(ideal.buffer_write_bytes == 512 + 96);
  // Loops M then K (K inner): A[m,k] changes every point; B[k,n] changes with k and is fetched
  // again for each of the 8 m; Z[m,n] accumulates over the inner k, written once.
  const LoweredGroup mk = group("[{rank: M, level: RF}, {rank: K, level: RF}]");
  CHECK(mk.buffer_read_bytes == 32 + 8 * 64 + 512);
  CHECK(mk.buffer_write_bytes == 512 + 96);
  // Loops K then M (M inner): B[k,n] stays for the 8 m; A changes every point; Z[m,n] is left
  // after each m: written 4 times as partial sums and read back 3 times.
  const LoweredGroup km = group("[{rank: K, level: RF}, {rank: M, level: RF}]");
  CHECK(km.buffer_read_bytes == 32 + 64 + 3 * 512 + 512);
  CHECK(km.buffer_write_bytes == 4 * 512 + 96);
  // Register file: the datapath reads its two operands and the accumulator at every point (3 x 512);
  // an operand is written once per value taken in: B once per 8 points under K-then-M.
  const SimulationReport r_ideal = simulate_cycle(w, a, rf_mapping(w, a, "[]"));
  const SimulationReport r_km = simulate_cycle(w, a, rf_mapping(w, a, "[{rank: K, level: RF}, {rank: M, level: RF}]"));
  REQUIRE(r_km.levels[2].name == "RF");
  CHECK(rf_reads(r_ideal.levels[2]) == 3 * 512);
  CHECK(rf_writes(r_ideal.levels[2]) == 3 * 512);
  CHECK(rf_reads(r_km.levels[2]) == 3 * 512);
  CHECK(rf_writes(r_km.levels[2]) == 512 + 512 / 8 + 512);
  // The order does not change the cycles (one MAC a lane per cycle: 8 x 4) with unlimited DRAM and
  // an unbounded buffer port.
  CHECK(r_km.cycles == r_ideal.cycles);
  CHECK(r_ideal.cycles == 8 * 4);
  // The report names the register file's loops.
  const Mapping m = rf_mapping(w, a, "[{rank: K, level: RF}, {rank: M, level: RF}]");
  CHECK(m.describe(w).at(0).find("loops in RF: K M") != std::string::npos);
}

TEST_CASE("a register-file tile holds several coordinates and serves the loops around it", "[sim][cycle][tiles]") {
  const EinsumCascade w = small_gemm();
  const ArchSpec a = lanes_with_rf();
  // M by coordinates, then all 4 k of a tile in the register file: each lane holds its 4 values of
  // B[k,n] for the whole step (B taken in once: 4 x 16 = 64 writes, one per 8 points), 4 values of
  // A[m,k] per m, and one accumulator Z[m,n] summed over the tile's k.
  const char* loops = "[{rank: M, level: RF}, {rank: K, tile: 4, level: RF}]";
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, rf_mapping(w, a, loops)).at(0);
  CHECK(g.buffer_read_bytes == 32 + 64 + 512);
  CHECK(g.buffer_write_bytes == 512 + 96);
  const SimulationReport r = simulate_cycle(w, a, rf_mapping(w, a, loops));
  CHECK(rf_reads(r.levels[2]) == 3 * 512);
  CHECK(rf_writes(r.levels[2]) == 512 + 64 + 512);
  // A PE keeps 4 int8 of A, 4 int8 of B and one int32 accumulator: 12 B.
  CHECK(r.levels[2].peak_occupancy_bytes == 4 + 4 + 4);
  // A 8 B register file cannot: the error names the level and what it must hold.
  const ArchSpec small = lanes_with_rf("8 B", "small_rf.yaml");
  CHECK_THROWS_WITH(simulate_cycle(w, small, rf_mapping(w, small, loops)),
                    Catch::Contains("register file 'RF' holds 8 B per PE") && Catch::Contains("4 of operand B") &&
                        Catch::Contains("small_rf.yaml:"));
}

TEST_CASE("register-file loops are checked", "[mappings][tiles]") {
  const EinsumCascade w = small_gemm();
  const ArchSpec a = lanes_with_rf();
  auto fails = [&](const std::string& loops) {
    try {
      rf_mapping(w, a, loops);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(fails("[{rank: K, tile: 3, level: RF}]"),
             Catch::Contains("register-file tile 3 of rank K does not divide the step's 4 coordinates"));
  CHECK_THAT(fails("[{rank: K, level: RF}, {rank: M, tile: 4}]"), Catch::Contains("list the register file's loops last"));
  CHECK_THAT(fails("[{rank: N, level: RF}]"), Catch::Contains("Einsum Z spreads rank N over array 'lanes'"));
  CHECK_THAT(fails("[{rank: K, level: RF}, {rank: K, level: RF}]"), Catch::Contains("looped twice in the register file"));
}

TEST_CASE("a recurrence leaving the group is written a step's slice at a time", "[sim][cycle][tiles]") {
  // R[m+1,p] = R[m,p] + A[m,p], M = 4, P = 1024, fp16: loops P/512 (DRAM), P/256 and M (buffer).
  // Each of the 2 x 2 x 4 = 16 steps writes its slice of R: 256 values, 512 B; in all M x P values
  // once, 8 KiB, though a buffer tile spans 512 queries.
  const EinsumCascade w = load_workload(YamlDocument::load_string(R"Y(workload:
  name: running
  ranks: {M: 4, P: 1024}
  format: fp16
  tensors: {A: {ranks: [M, P]}, R: {init: 0}}
  einsums: [ "R[m+1,p] = R[m,p] + A[m,p]" ]
)Y", "running.yaml"));
  const ArchSpec a = test::lanes_256();
  const Mapping m = load_mapping(YamlDocument::load_string(R"(mapping:
  groups:
    - name: running
      loops: [{rank: P, tile: 512}, {rank: P, tile: 256, level: GB}, {rank: M, level: GB}]
      place: {R: {array: pe1d, lanes: P}}
)", "running_map.yaml"), w, a);
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, m).at(0);
  CHECK(g.program.steps == 16);
  CHECK(g.dram_write_bytes == 4u * 1024u * 2u);
  CHECK(g.dram_read_bytes == 4u * 1024u * 2u);
}

TEST_CASE("two-level tiles move the bytes Timeloop's rule gives on random GEMM mappings", "[sim][cycle][tiles]") {
  // Z[m,n] = A[m,k] x B[k,n] (int8 into int32) on the 32 x 16 array, K on its rows, N on its columns.
  // The DRAM's loops over M and N (tiles tm, tn, random order), then the buffer's loops cutting them
  // (sm, sn, random order). Timeloop's rule for the DRAM: an input is loaded once per iteration of
  // the DRAM loops down to the innermost one over its ranks, a buffer tile at a time; Z leaves once.
  std::mt19937_64 rng(77);
  const EinsumCascade w = gemm();
  const ArchSpec a = array_32x16();
  const CascadeGraph graph(w);
  const int64_t M = 256, K = 32, N = 64;
  const std::vector<int64_t> m_tiles = {16, 32, 64, 128, 256}, n_tiles = {16, 32, 64};
  for (int i = 0; i < 40; ++i) {
    const int64_t tm = m_tiles[rng() % m_tiles.size()], tn = n_tiles[rng() % n_tiles.size()];
    const int64_t sm = std::min<int64_t>(tm, 16 << (rng() % 3)), sn = 16;
    const bool m_outer = rng() % 2 == 0, sm_outer = rng() % 2 == 0;
    const std::string dm = fmt::format("{{rank: M, tile: {}}}", tm), dn = fmt::format("{{rank: N, tile: {}}}", tn);
    const std::string bm = fmt::format("{{rank: M, tile: {}, level: GB}}", sm);
    const std::string bn = fmt::format("{{rank: N, tile: {}, level: GB}}", sn);
    const std::string loops = fmt::format("[{}, {}, {}, {}]", m_outer ? dm : dn, m_outer ? dn : dm, sm_outer ? bm : bn,
                                          sm_outer ? bn : bm);
    INFO(loops);
    const LoweredGroup g = lower_mapping(w, graph, a, gemm_mapping(w, a, loops)).at(0);
    const uint64_t mi = M / tm, ni = N / tn;
    // A[m,k]: the innermost DRAM loop over its ranks is M's: mi loads with M outer, ni x mi with M
    // inner. B[k,n] likewise with N's loop.
    const uint64_t a_loads = m_outer ? mi : ni * mi;
    const uint64_t b_loads = m_outer ? mi * ni : ni;
    CHECK(tensor_reads(g, w, "A") == a_loads * static_cast<uint64_t>(tm * K));
    CHECK(tensor_reads(g, w, "B") == b_loads * static_cast<uint64_t>(K * tn));
    CHECK(g.dram_write_bytes == static_cast<uint64_t>(M * N * 4));
    CHECK(g.program.steps == mi * ni * static_cast<uint64_t>(tm / sm) * static_cast<uint64_t>(tn / sn));
    // The arrays see the steps' tiles: each step reads sm x K of A and K x sn of B.
    CHECK(g.buffer_read_bytes - g.dram_write_bytes == g.program.steps * static_cast<uint64_t>(sm * K + K * sn));
  }
}
