#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "mappings/mapping.hpp"

using namespace einsim;

namespace {

std::string src(const std::string& rel) { return std::string(EINSIM_SOURCE_DIR) + "/" + rel; }

EinsumCascade fusemax_workload() { return load_workload(YamlDocument::load_file(src("workloads/library/attention_fusemax.yaml"))); }
ArchSpec fusemax_arch() { return load_architecture(YamlDocument::load_file(src("arch/library/fusemax_cloud.yaml"))); }

// The classic 3-pass softmax attention, written here so the test stands alone.
EinsumCascade three_pass() {
  return load_workload(YamlDocument::load_string(R"(workload:
  name: attention_3pass_test
  ranks: {B: 2, H: 2, P: 256, M: 512, E: 64, F: 64}
  partitions:
    M: {into: [M1, M0], M0: 256}
  format: fp16
  tensors:
    Q: {ranks: [B, H, E, P]}
    K: {ranks: [B, H, E, M]}
    V: {ranks: [B, H, F, M]}
  einsums:
    - QK[b,h,m,p] = Q[b,h,e,p] * K[b,h,e,m]
    - {expr: "GM[b,h,p] = QK[b,h,m,p]", reduce: max}
    - SN[b,h,m,p] = exp(QK[b,h,m,p] - GM[b,h,p])
    - SD[b,h,p] = SN[b,h,m,p]
    - A[b,h,m,p] = SN[b,h,m,p] / SD[b,h,p]
    - AV[b,h,f,p] = A[b,h,m,p] * V[b,h,f,m]
)", "a3.yaml"));
}

const Einsum& einsum(const EinsumCascade& c, const char* name) {
  for (const auto& e : c.einsums)
    if (e.name == name) return e;
  FAIL("no Einsum " << name);
  throw 0;
}

std::string mapping_yaml(const std::string& place, const std::string& loops = "[B, H, {rank: P, tile: 256}, M1]") {
  std::string all;
  for (const char* e : {"QK", "LM", "SLN", "SLD", "SLNV"}) all += fmt::format("        {}: {{array: pe2d, rows: M0, cols: P}}\n", e);
  for (const char* e : {"RM", "PRM", "SPD", "RD", "SPNV", "RNV", "AV"}) all += fmt::format("        {}: {{array: pe1d, lanes: P}}\n", e);
  return fmt::format("mapping:\n  name: t\n  groups:\n    - name: attention\n      loops: {}\n      place:\n{}{}", loops,
                     all, place);
}

}  // namespace

TEST_CASE("the fusemax preset places tile Einsums on the 2D array and running values on the 1D array",
          "[mappings]") {
  EinsumCascade c = fusemax_workload();
  ArchSpec a = fusemax_arch();
  Mapping m = preset_mapping("fusemax", c, a);
  REQUIRE(m.groups.size() == 1);
  const MappingGroup& g = m.groups[0];
  CHECK(g.kind == GroupKind::fused);
  CHECK(g.einsums.size() == 12);
  REQUIRE(g.loops.size() == 4);
  CHECK(c.ranks[g.loops[2].rank].name == "P");
  CHECK(g.loops[2].tile == 256);
  CHECK(c.ranks[g.loops[3].rank].name == "M1");
  for (const auto& p : g.placements) {
    const std::string name = c.einsums[p.einsum].name;
    const bool tile_einsum = name == "QK" || name == "LM" || name == "SLN" || name == "SLD" || name == "SLNV";
    INFO(name);
    CHECK(p.array == (tile_einsum ? "pe2d" : "pe1d"));
    if (tile_einsum) {
      REQUIRE(p.rows.size() == 1);
      CHECK(c.ranks[p.rows[0]].name == "M0");
    }
  }
}

TEST_CASE("the bundled FuseMax mapping file equals the preset", "[mappings]") {
  EinsumCascade c = fusemax_workload();
  ArchSpec a = fusemax_arch();
  Mapping file = load_mapping(YamlDocument::load_file(src("mappings/library/fusemax_attention.yaml")), c, a);
  Mapping preset = preset_mapping("fusemax", c, a);
  CHECK(file.describe(c) == preset.describe(c));
  REQUIRE(file.groups.size() == 1);
  for (size_t i = 0; i < file.groups[0].placements.size(); ++i) {
    CHECK(file.groups[0].placements[i].array == preset.groups[0].placements[i].array);
    CHECK(file.groups[0].placements[i].rows == preset.groups[0].placements[i].rows);
    CHECK(file.groups[0].placements[i].cols == preset.groups[0].placements[i].cols);
  }
}

TEST_CASE("systolic presets map GEMMs and refuse other Einsums", "[mappings]") {
  EinsumCascade g = load_workload(YamlDocument::load_file(src("workloads/library/gemm.yaml")));
  ArchSpec s = load_architecture(YamlDocument::load_file(src("arch/library/systolic.yaml")));
  for (const char* df : {"ws", "os", "is"}) {
    Mapping m = preset_mapping(df, g, s);
    REQUIRE(m.groups.size() == 1);
    CHECK(m.groups[0].kind == GroupKind::systolic);
    CHECK(std::string(dataflow_name(m.groups[0].dataflow)) == df);
  }
  // Einsums that are not GEMMs go to the 1D array when there is one, else to the 2D array if its
  // PEs have their operators (max and exp on MACs), else they are refused (AV divides).
  Mapping mixed = preset_mapping("ws", fusemax_workload(), fusemax_arch());
  CHECK(mixed.groups[0].kind == GroupKind::systolic);  // QK
  CHECK(mixed.groups[1].kind == GroupKind::fused);     // LM
  CHECK(mixed.groups[1].placements[0].array == "pe1d");
  CHECK_THROWS_WITH(preset_mapping("ws", fusemax_workload(), s),
                    Catch::Contains("Einsum AV is not one") && Catch::Contains("no 1D array"));
  CHECK_THROWS_WITH(preset_mapping("tpu", g, s), Catch::Contains("unknown dataflow 'tpu'"));
  CHECK_THROWS_WITH(preset_mapping("fusemax", three_pass(), fusemax_arch()), Catch::Contains("passes over M"));
}

TEST_CASE("a GEMM view splits ranks into batch and M and N and K", "[mappings]") {
  EinsumCascade c = fusemax_workload();
  GemmView v;
  REQUIRE(as_gemm(c, einsum(c, "QK"), v));
  CHECK(v.batch_size == 64 * 12);
  CHECK(v.k_size == 64);           // E
  CHECK(v.m_size == 1024);         // P: QK[m1,m0,p] takes p from Q, the first operand
  CHECK(v.n_size == 4 * 256);      // M1 x M0 from K
  CHECK_FALSE(as_gemm(c, einsum(c, "SLN"), v));
  CHECK_FALSE(as_gemm(c, einsum(c, "RNV"), v));
}

TEST_CASE("cycles per point follow FuseMax's costs", "[mappings]") {
  EinsumCascade c = fusemax_workload();
  const PeKind mac = *parse_pe_kind("mac_fp16_acc16");
  const PeKind vec = *parse_pe_kind("vector_fp16");
  CHECK(cycles_per_point(einsum(c, "QK"), mac) == 1);   // a multiply-accumulate
  CHECK(cycles_per_point(einsum(c, "LM"), mac) == 1);   // a max-reduce step
  CHECK(cycles_per_point(einsum(c, "SLN"), mac) == 7);  // sub + 6-term exp
  CHECK(cycles_per_point(einsum(c, "PRM"), vec) == 7);
  CHECK(cycles_per_point(einsum(c, "AV"), vec) == 1);   // one division
  CHECK_THROWS_WITH(cycles_per_point(einsum(c, "AV"), mac), Catch::Contains("'div'"));
}

TEST_CASE("mapping files are checked against the workload and the architecture", "[mappings]") {
  EinsumCascade c = fusemax_workload();
  ArchSpec a = fusemax_arch();
  auto load = [&](const std::string& text) { return load_mapping(YamlDocument::load_string(text, "m.yaml"), c, a); };
  CHECK_NOTHROW(load(mapping_yaml("")));
  // AV divides: the 2D array's MACs cannot.
  std::string on_2d = mapping_yaml("");
  on_2d.replace(on_2d.find("AV: {array: pe1d, lanes: P}"), 27, "AV: {array: pe2d, rows: F, cols: P}");
  CHECK_THROWS_WITH(load(on_2d), Catch::Contains("'div'") && Catch::Contains("m.yaml:"));
  CHECK_THROWS_WITH(load(mapping_yaml("        XX: {array: pe1d, lanes: P}\n")),
                    Catch::Contains("unknown Einsum 'XX'"));
  std::string two_dims = mapping_yaml("");
  two_dims.replace(two_dims.find("QK: {array: pe2d, rows: M0, cols: P}"), 36, "QK: {array: pe2d, rows: P, cols: P}");
  CHECK_THROWS_WITH(load(two_dims), Catch::Contains("rank P is on two array dimensions"));
  CHECK_THROWS_WITH(load(mapping_yaml("", "[B, H, {rank: P, tile: 300}, M1]")),
                    Catch::Contains("tile 300 does not divide rank P = 1024"));
  CHECK_THROWS_WITH(load(mapping_yaml("", "[B, H, Q, M1]")), Catch::Contains("unknown rank 'Q'"));
  std::string bad_array = mapping_yaml("");
  bad_array.replace(bad_array.find("RM: {array: pe1d"), 16, "RM: {array: pe3d");
  CHECK_THROWS_WITH(load(bad_array), Catch::Contains("unknown array 'pe3d'"));
  CHECK_THROWS_WITH(load("mapping:\n  groups:\n    - name: g\n      loopz: [B]\n      place: {}\n"),
                    Catch::Contains("unknown key 'loopz'") && Catch::Contains("m.yaml:4:7"));
}

TEST_CASE("a rank the cascade passes over three times cannot be streamed by one loop", "[mappings]") {
  EinsumCascade c = three_pass();
  ArchSpec a = fusemax_arch();
  const std::string text = R"(mapping:
  groups:
    - name: attention
      loops: [B, H, M1]
      place:
        QK: {array: pe2d, rows: M, cols: P}
        GM: {array: pe1d, lanes: P}
        SN: {array: pe1d, lanes: P}
        SD: {array: pe1d, lanes: P}
        A:  {array: pe1d, lanes: P}
        AV: {array: pe2d, rows: F, cols: P}
)";
  CHECK_THROWS_WITH(load_mapping(YamlDocument::load_string(text, "m3.yaml"), c, a),
                    Catch::Contains("makes 3 passes over M"));
  // FLAT keeps all keys of a query tile inside one step instead.
  Mapping flat = preset_mapping("flat", c, a);
  REQUIRE(flat.groups.size() == 1);
  for (const auto& l : flat.groups[0].loops) CHECK(c.ranks[l.rank].name != "M1");
}

TEST_CASE("einsim check validates a mapping file on its own", "[mappings]") {
  CHECK(check_mapping_document(YamlDocument::load_file(src("mappings/library/fusemax_attention.yaml"))) ==
        "mapping 'fusemax_attention': 1 fused group(s) placing 12 Einsums, 0 systolic group(s)");
  auto bad = YamlDocument::load_string(
      "mapping:\n  groups:\n    - name: g\n      loops: [{rank: P, tile: 0}]\n      place: {}\n", "bad.yaml");
  CHECK_THROWS_WITH(check_mapping_document(bad), Catch::Contains("bad.yaml:4:") && Catch::Contains("positive"));
  auto df = YamlDocument::load_string("mapping:\n  groups:\n    - systolic: {einsum: Z, array: pe2d, dataflow: xs}\n",
                                      "df.yaml");
  CHECK_THROWS_WITH(check_mapping_document(df), Catch::Contains("ws, os or is"));
}
