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
  // A vector array with a dedicated, pipelined exp unit (the FuseMax artifact's FLAT softmax):
  // sub 1 + exp 1. MAC arrays always run exp as a Taylor series.
  CHECK(cycles_per_point(einsum(c, "PRM"), vec, true) == 2);
  CHECK(cycles_per_point(einsum(c, "SLN"), mac, true) == 7);
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

TEST_CASE("a recurrence's rank is not spread over PEs", "[mappings]") {
  // RM[m1+1] = max(RM[m1], LM[m1]): step m1+1 reads step m1, so M1 on rows (or lanes) would
  // charge all steps of a tile one cycle. Rows over M1 with a buffer tile of 2 key tiles:
  EinsumCascade c = fusemax_workload();
  ArchSpec a = fusemax_arch();
  auto load = [&](const std::string& text) { return load_mapping(YamlDocument::load_string(text, "m.yaml"), c, a); };
  std::string rows = mapping_yaml("", "[B, H, {rank: P, tile: 256}, {rank: M1, tile: 2}]");
  rows.replace(rows.find("RM: {array: pe1d, lanes: P}"), 27, "RM: {array: pe2d, rows: M1, cols: P}");
  CHECK_THROWS_WITH(load(rows), Catch::Contains("m.yaml:") && Catch::Contains("Einsum RM runs a recurrence over M1") &&
                                    Catch::Contains("loop over it instead"));
  std::string lanes = mapping_yaml("", "[B, H, {rank: P, tile: 256}, {rank: M1, tile: 2}]");
  lanes.replace(lanes.find("RD: {array: pe1d, lanes: P}"), 27, "RD: {array: pe1d, lanes: M1}");
  CHECK_THROWS_WITH(load(lanes), Catch::Contains("Einsum RD runs a recurrence over M1"));
  // The same placement of a rank that is not the recurrence's is fine.
  std::string other = mapping_yaml("", "[B, H, {rank: P, tile: 256}, M1]");
  other.replace(other.find("SPNV: {array: pe1d, lanes: P}"), 29, "SPNV: {array: pe2d, rows: F, cols: P}");
  CHECK_NOTHROW(load(other));
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

namespace {

EinsumCascade three_pass_library(int64_t keys) {
  auto doc = YamlDocument::load_file(src("workloads/library/attention_3pass.yaml"));
  doc.apply_override(fmt::format("ranks.M={}", keys));
  return load_workload(doc);
}
ArchSpec flat_cloud() { return load_architecture(YamlDocument::load_file(src("arch/library/flat_cloud.yaml"))); }

std::vector<std::string> names_of(const EinsumCascade& c, const MappingGroup& g) {
  std::vector<std::string> out;
  for (int e : g.einsums) out.push_back(c.einsums[e].name);
  return out;
}

}  // namespace

TEST_CASE("FLAT keeps one fused group while a query row against all keys fits", "[mappings][flat]") {
  // flat_cloud's 32 MiB hold a row at 16K keys: K and V of all keys double-buffered are
  // 2 x 2 x 64 x 16384 x 2 bytes = 8 MiB.
  EinsumCascade c = three_pass_library(16384);
  Mapping m = preset_mapping("flat", c, flat_cloud());
  REQUIRE(m.groups.size() == 1);
  CHECK(m.groups[0].name == "attention");
  CHECK(m.notes.empty());
}

TEST_CASE("FLAT spills to DRAM with one group per pass over the keys", "[mappings][flat]") {
  // At 64K keys, K and V of all keys alone, double-buffered, fill the 32 MiB buffer
  // (2 x 2 x 64 x 65536 x 2 bytes): the keys are tiled, 256 per step (the 2D array's rows),
  // with 256 queries (its columns), and the 3 passes become 3 groups.
  EinsumCascade c = three_pass_library(65536);
  ArchSpec a = flat_cloud();
  Mapping m = preset_mapping("flat", c, a);
  REQUIRE(m.groups.size() == 3);
  CHECK(m.groups[0].name == "attention_pass1");
  CHECK(names_of(c, m.groups[0]) == std::vector<std::string>{"QK", "GM"});
  CHECK(names_of(c, m.groups[1]) == std::vector<std::string>{"SN", "SD"});
  CHECK(names_of(c, m.groups[2]) == std::vector<std::string>{"A", "AV"});
  for (const auto& g : m.groups) {
    REQUIRE(g.loops.size() == 4);
    CHECK(c.ranks[g.loops[2].rank].name == "P");
    CHECK(g.loops[2].tile == 256);
    CHECK(c.ranks[g.loops[3].rank].name == "M");
    CHECK(g.loops[3].tile == 256);
  }
  REQUIRE(m.notes.size() == 1);
  CHECK_THAT(m.notes[0], Catch::Contains("FLAT spills to DRAM") && Catch::Contains("65536 keys") &&
                             Catch::Contains("QK, GM, SN and SD go through DRAM"));
  // The file in the library writes the same mapping out.
  Mapping file = load_mapping(YamlDocument::load_file(src("mappings/library/flat_spill_attention.yaml")), c, a);
  CHECK(file.describe(c) == m.describe(c));
  REQUIRE(file.groups.size() == m.groups.size());
  for (size_t g = 0; g < m.groups.size(); ++g) {
    REQUIRE(file.groups[g].placements.size() == m.groups[g].placements.size());
    for (size_t i = 0; i < m.groups[g].placements.size(); ++i) {
      CHECK(file.groups[g].placements[i].array == m.groups[g].placements[i].array);
      CHECK(file.groups[g].placements[i].rows == m.groups[g].placements[i].rows);
      CHECK(file.groups[g].placements[i].cols == m.groups[g].placements[i].cols);
    }
  }
}

TEST_CASE("FLAT's spill gives the 2-pass cascade a group between its passes", "[mappings][flat]") {
  // The corrections PRM, SPD and SD run over the key tiles M1 between the passes: a group of
  // their own with all M1 tiles in the step; the key tile is the partition's M0.
  auto doc = YamlDocument::load_file(src("workloads/library/attention_2pass.yaml"));
  doc.apply_override("ranks.M=65536");
  EinsumCascade c = load_workload(doc);
  Mapping m = preset_mapping("flat", c, flat_cloud());
  REQUIRE(m.groups.size() == 3);
  CHECK(names_of(c, m.groups[0]) == std::vector<std::string>{"QK", "LM", "SLN", "SLD", "GM"});
  CHECK(names_of(c, m.groups[1]) == std::vector<std::string>{"PRM", "SPD", "SD"});
  CHECK(names_of(c, m.groups[2]) == std::vector<std::string>{"SN", "A", "AV"});
  CHECK(m.groups[1].name == "attention_after_pass1");
  CHECK(m.groups[1].loops.size() == 3);  // B, H, P/t: no loop over the keys
  CHECK(c.ranks[m.groups[0].loops.back().rank].name == "M1");
  // A 1-pass cascade streams its key tiles in one group and spills nothing.
  auto fdoc = YamlDocument::load_file(src("workloads/library/attention_fusemax.yaml"));
  fdoc.apply_override("ranks.M=65536");
  EinsumCascade f = load_workload(fdoc);
  Mapping mf = preset_mapping("flat", f, flat_cloud());
  REQUIRE(mf.groups.size() == 1);
  CHECK(mf.groups[0].name == "attention");
  REQUIRE(mf.notes.size() == 1);
  CHECK_THAT(mf.notes[0], Catch::Contains("nothing spills"));
  // So does a transformer layer's 1-pass attention; the attention's output feeding the output
  // projection is not a spill of FLAT's.
  auto bdoc = YamlDocument::load_file(src("workloads/library/bert_base.yaml"));
  bdoc.apply_override("parameters.seq=65536");
  EinsumCascade bert = load_workload(bdoc);
  Mapping mb = preset_mapping("flat", bert, flat_cloud());
  REQUIRE(mb.notes.size() == 1);
  CHECK_THAT(mb.notes[0], Catch::Contains("nothing spills"));
  int fused_attention = 0;
  for (const auto& g : mb.groups) fused_attention += g.name == "attention";
  CHECK(fused_attention == 1);
}

TEST_CASE("FLAT fails clearly when not even one key tile fits", "[mappings][flat]") {
  EinsumCascade c = three_pass_library(1024);
  ArchSpec a = flat_cloud();
  // One query x one key: Q and K (64 values each) and V (64) double-buffered are 3 x 2 x 128 bytes.
  for (auto& l : a.storage)
    if (l.name == "GB") l.capacity_bytes = 512;
  CHECK_THROWS_WITH(preset_mapping("flat", c, a), Catch::Contains("buffer GB (512 bytes) is too small even when FLAT "
                                                                  "spills to DRAM") &&
                                                      Catch::Contains("a step of 1 x 1 (queries x keys)"));
  // Small but enough: the tiles shrink until every group's step fits.
  for (auto& l : a.storage)
    if (l.name == "GB") l.capacity_bytes = 4096;
  Mapping m = preset_mapping("flat", c, a);
  REQUIRE(m.groups.size() == 3);
  CHECK(m.groups[0].loops[2].tile * m.groups[0].loops[3].tile < 256 * 256);
}

TEST_CASE("mapping files may split passes into groups, in order", "[mappings][flat]") {
  EinsumCascade c = three_pass();
  ArchSpec a = fusemax_arch();
  auto load = [&](const std::string& groups) {
    return load_mapping(YamlDocument::load_string("mapping:\n  groups:\n" + groups, "split.yaml"), c, a);
  };
  // The cascade iterates M, partitioned into M1 x M0: looping M1 steps through key tiles of M0.
  const std::string loops = "      loops: [B, H, {rank: P, tile: 128}, M1]\n";
  const std::string pass1 =
      "    - name: p1\n" + loops + "      place: {QK: {array: pe2d, rows: M, cols: P}, GM: {array: pe1d, lanes: M}}\n";
  const std::string pass2 =
      "    - name: p2\n" + loops + "      place: {SN: {array: pe1d, lanes: M}, SD: {array: pe1d, lanes: M}}\n";
  const std::string pass3 =
      "    - name: p3\n" + loops + "      place: {A: {array: pe1d, lanes: M}, AV: {array: pe2d, rows: M, cols: P}}\n";
  CHECK_NOTHROW(load(pass1 + pass2 + pass3));
  // Two passes in one group cannot share its loop over the keys.
  const std::string merged = "    - name: p12\n" + loops +
                             "      place: {QK: {array: pe2d, rows: M, cols: P}, GM: {array: pe1d, lanes: M},\n"
                             "              SN: {array: pe1d, lanes: M}, SD: {array: pe1d, lanes: M}}\n";
  CHECK_THROWS_WITH(load(merged + pass3),
                    Catch::Contains("makes 2 passes over M in this group") && Catch::Contains("split.yaml:3:"));
  // Groups run in order: pass 2 cannot come before pass 1.
  CHECK_THROWS_WITH(load(pass2 + pass1 + pass3),
                    Catch::Contains("Einsum SN reads QK, which the later group 'p1' computes"));
  // A reduction over the keys accumulates one output tile at a time: the key loop goes inside.
  const std::string outer =
      "    - name: p1\n      loops: [B, H, M1, {rank: P, tile: 128}]\n"
      "      place: {QK: {array: pe2d, rows: M, cols: P}, GM: {array: pe1d, lanes: M}}\n";
  CHECK_THROWS_WITH(load(outer + pass2 + pass3),
                    Catch::Contains("Einsum GM reduces rank M, whose loop (M1) is outside the loop over P"));
}

TEST_CASE("a group's buffer must be a shared on-chip level, and a mapping must place every Einsum",
          "[mappings][errors]") {
  EinsumCascade c = fusemax_workload();
  ArchSpec a = fusemax_arch();
  auto load = [&](const std::string& text) { return load_mapping(YamlDocument::load_string(text, "m.yaml"), c, a); };
  std::string with_buffer = mapping_yaml("");
  const size_t at = with_buffer.find("      place:");
  for (const char* level : {"DRAM", "RF"}) {
    std::string bad = with_buffer;
    bad.insert(at, fmt::format("      buffer: {}\n", level));
    // The group starts on line 4 of the document (mapping, name, groups, "- name").
    CHECK_THROWS_WITH(load(bad), Catch::Contains(fmt::format("buffer '{}'", level)) &&
                                     Catch::Contains("shared on-chip level") && Catch::Contains("'GB'") &&
                                     Catch::Contains("m.yaml:4:") && Catch::Contains("mapping.groups[0]"));
  }
  std::string good = with_buffer;
  good.insert(at, "      buffer: GB\n");
  CHECK_NOTHROW(load(good));

  // AV left out: reported at the groups list (its first item, line 4 column 5), with the YAML path.
  std::string missing = mapping_yaml("");
  const size_t av = missing.find("        AV:");
  missing.erase(av, missing.find('\n', av) + 1 - av);
  CHECK_THROWS_WITH(load(missing), Catch::Contains("does not place Einsum AV") && Catch::Contains("m.yaml:4:5") &&
                                       Catch::Contains("mapping.groups"));
  CHECK_THROWS_WITH(load("mapping:\n  name: t\n  groups: []\n"),
                    Catch::Contains("has no groups") && Catch::Contains("m.yaml:3:") &&
                        Catch::Contains("mapping.groups"));
}
