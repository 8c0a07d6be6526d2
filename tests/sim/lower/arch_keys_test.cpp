// Architecture keys that change the lowered program: noc.multicast, double_buffered and an SRAM's
// latency_cycles. Expected values are hand counts.

#include <catch2/catch.hpp>

#include "tests/sim/lower/lower_test_support.hpp"

using namespace einsim;
using namespace einsim::test;

namespace {

ArchSpec mac16_with(const std::string& gb_extra, const std::string& noc) {
  return load_architecture(YamlDocument::load_string(fmt::format(R"(architecture:
  name: mac16
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: unlimited}}
    - {{name: GB, kind: sram, capacity: 1 MiB{}}}
  arrays:
    - {{name: pe2d, rows: 16, cols: 16, pe: mac_int8}}
{}
)", gb_extra, noc), "mac16.yaml"));
}

// Z[m,n] = A[m,k] * B[k,n], 32 x 16 x 16 int8 (Z int32), K over the rows and N over the columns.
EinsumCascade gemm() {
  return load_workload(YamlDocument::load_string(R"(workload:
  name: gemm
  ranks: {M: 32, K: 16, N: 16}
  format: int8
  tensors:
    A: {ranks: [M, K]}
    B: {ranks: [K, N]}
    Z: {format: int32}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
)", "gemm.yaml"));
}

const char* kMapping = R"(mapping:
  name: gemm
  groups:
    - name: gemm
      loops: [{rank: M, tile: 8}]
      place: {Z: {array: pe2d, rows: K, cols: N}}
)";

const TileOp& op_named(const LoweredGroup& g, const std::string& name) {
  for (const TileOp& op : g.program.body)
    if (op.name == name) return op;
  FAIL("no operation " << name);
  throw;
}

}  // namespace

TEST_CASE("without multicast an operand is read once per PE it feeds", "[sim][lower][arch_keys]") {
  const EinsumCascade w = gemm();
  const ArchSpec on = mac16_with("", ""), off = mac16_with("", "  noc: {multicast: false}");
  CHECK(on.noc.multicast);  // the default
  const LoweredGroup g_on = lower_mapping(w, CascadeGraph(w), on, mapping_text(kMapping, w, on)).at(0);
  const LoweredGroup g_off = lower_mapping(w, CascadeGraph(w), off, mapping_text(kMapping, w, off)).at(0);
  // 4 steps of 8 rows of M. A's step tile (8 x 16 = 128 B) indexes K (the rows) but not N (the
  // columns): without multicast each value goes to the 16 columns, 16 reads. B (16 x 16 = 256 B)
  // indexes both: one read either way.
  const uint64_t a = 8 * 16;
  CHECK(g_off.buffer_read_bytes - g_on.buffer_read_bytes == 4 * 15 * a);
}

TEST_CASE("a buffer that is not double-buffered holds one slot per tile", "[sim][lower][arch_keys]") {
  const EinsumCascade w = gemm();
  const ArchSpec single = mac16_with(", double_buffered: false", "");
  const ArchSpec dbl = mac16_with("", "");
  // Without slots: the buffer's default, 1 here and 2 in a double-buffered level.
  CHECK(mapping_text(kMapping, w, single).groups[0].slots == 1);
  CHECK(mapping_text(kMapping, w, dbl).groups[0].slots == 2);
  // Asking for two is an error at the mapping's slots:.
  const std::string two = std::string(kMapping) + "      slots: 2\n";
  try {
    mapping_text(two, w, single);
    FAIL("slots: 2 in a single-buffered level was accepted");
  } catch (const SpecError& e) {
    CHECK_THAT(e.what(), Catch::Contains("not double-buffered") && Catch::Contains("slots"));
    CHECK(e.location().line == 7);
  }
  // The load of a step waits for the step 1 back (one slot) instead of 2 back.
  const LoweredGroup g1 = lower_mapping(w, CascadeGraph(w), single, mapping_text(kMapping, w, single)).at(0);
  const LoweredGroup g2 = lower_mapping(w, CascadeGraph(w), dbl, mapping_text(kMapping, w, dbl)).at(0);
  CHECK(op_named(g1, "load A").deps.back().distance == 1u);
  CHECK(op_named(g2, "load A").deps.back().distance == 2u);
}

TEST_CASE("a systolic group in a single-buffered SRAM loads a fold after the previous one", "[sim][lower][arch_keys]") {
  const EinsumCascade w = gemm();
  for (bool db : {true, false}) {
    const ArchSpec a = mac16_with(db ? "" : ", double_buffered: false", "");
    const Mapping m = preset_mapping("ws", w, a);
    const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, m).at(0);
    // ws on 16 x 16: K = 16 rows, N = 16 columns, one fold per batch element: its load waits
    // for the fold 2 (1) batch elements back.
    INFO("double_buffered " << db);
    CHECK(op_named(g, "load fold 0").deps.at(0).distance == (db ? 2u : 1u));
  }
}

TEST_CASE("an SRAM's latency delays each tile's result", "[sim][lower][arch_keys]") {
  const EinsumCascade w = gemm();
  const ArchSpec a = mac16_with(", latency_cycles: 7", "");
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, mapping_text(kMapping, w, a)).at(0);
  CHECK(op_named(g, "Z").latency == 7u);
  const ArchSpec b = mac16_with("", "");
  CHECK(op_named(lower_mapping(w, CascadeGraph(w), b, mapping_text(kMapping, w, b)).at(0), "Z").latency == 0u);
}

TEST_CASE("register files reject the keys no model reads", "[sim][lower][arch_keys]") {
  for (const char* key : {"read_ports: 2", "write_ports: 2", "double_buffered: true"}) {
    INFO(key);
    const std::string text = fmt::format(R"(architecture:
  name: rf
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: unlimited}}
    - {{name: GB, kind: sram, capacity: 1 MiB}}
    - {{name: RF, kind: regfile, capacity: 64 B, {}}}
  arrays:
    - {{name: pe2d, rows: 4, cols: 4, pe: mac_int8}}
)", key);
    CHECK_THROWS_WITH(load_architecture(YamlDocument::load_string(text, "rf.yaml")),
                      Catch::Contains("is not modelled") && Catch::Contains("storage[2]"));
  }
}
