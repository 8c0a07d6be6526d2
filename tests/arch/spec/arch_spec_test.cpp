#include "arch/spec/arch_spec.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

using namespace einsim;

namespace {

std::string library(const std::string& name) {
  return std::string(EINSIM_SOURCE_DIR) + "/arch/library/" + name;
}

ArchSpec load_text(const std::string& text) {
  return load_architecture(YamlDocument::load_string(text, "arch.yaml"));
}

// A small valid architecture; tests replace one line to break it.
const std::string kBase = R"(architecture:
  name: tiny
  technology: {table: horowitz45, node_nm: 45}
  clock: 1 GHz
  storage:
    - name: DRAM
      kind: dram
      bandwidth: 16 GB/s
    - name: GB
      kind: sram
      capacity: 64 KiB
      banks: 4
      width_bits: 128
    - name: RF
      kind: regfile
      capacity: 32 B
  arrays:
    - name: pe2d
      rows: 4
      cols: 8
      pe: mac_int8
    - name: pe1d
      lanes: 8
      pe: vector_fp16
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, from.size(), to);
  return text;
}

// Loading `text` fails with a SpecError whose message contains `needle`, at `line`
// (when given) and with a YAML path containing `path` (when given).
void expect_error(const std::string& text, const std::string& needle, int line = 0,
                  const std::string& path = "") {
  INFO(text);
  try {
    load_text(text);
    FAIL("expected an error containing: " << needle);
  } catch (const SpecError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
    CHECK(e.location().file == "arch.yaml");
    if (line) CHECK(e.location().line == line);
    if (!path.empty()) CHECK(e.location().yaml_path.find(path) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("a small architecture loads with its values and defaults", "[arch][spec]") {
  ArchSpec a = load_text(kBase);
  CHECK(a.name == "tiny");
  CHECK(a.file == "arch.yaml");
  CHECK(a.technology.table == "horowitz45");
  CHECK(a.technology.node_nm == 45);
  CHECK(a.clock_hz == 1e9);
  REQUIRE(a.storage.size() == 3);
  CHECK(a.dram().name == "DRAM");
  CHECK(a.dram().kind == StorageKind::dram);
  CHECK_FALSE(a.dram().capacity_bytes);
  CHECK(a.dram().bandwidth_bytes_per_s == 16e9);
  CHECK(a.dram().bytes_per_cycle(a.clock_hz) == 16.0);  // 16 GB/s at 1 GHz
  const StorageLevel& gb = a.level("GB");
  CHECK(*gb.capacity_bytes == 64 * 1024);
  CHECK(gb.banks == 4);
  CHECK(gb.bytes_per_cycle(a.clock_hz) == 4 * 128 / 8);  // banks x width_bits / 8
  CHECK(gb.read_ports == 1);
  CHECK(gb.double_buffered);  // default: double-buffered, as SCALE-Sim's scratchpads
  const StorageLevel& rf = a.level("RF");
  CHECK(rf.per_pe);  // register files default to one per PE
  CHECK(*rf.capacity_bytes == 32);
  CHECK(rf.bytes_per_cycle(a.clock_hz) == 0.0);  // no width: never limits the rate
  const ComputeArray& pe2d = a.array("pe2d");
  CHECK(pe2d.dimensions == 2);
  CHECK(pe2d.rows == 4);
  CHECK(pe2d.cols == 8);
  CHECK(pe2d.num_pes() == 32);
  CHECK(pe2d.pe.name == "mac_int8");
  CHECK(pe2d.pipeline_depth == 1);
  CHECK(pe2d.initiation_interval == 1);
  const ComputeArray& pe1d = a.array("pe1d");
  CHECK(pe1d.dimensions == 1);
  CHECK(pe1d.lanes() == 8);
  CHECK(pe1d.pe.family == PeFamily::vector);
  CHECK(a.noc.multicast);  // default: the NoC multicasts, as Timeloop's network
  CHECK_FALSE(a.noc.spatial_reduction);
  CHECK(a.find_array("nope") == nullptr);
  CHECK_THROWS_AS(a.array("nope"), Error);
  CHECK_THROWS_AS(a.level("nope"), Error);
}

TEST_CASE("shape lists and clock_ghz are accepted", "[arch][spec]") {
  std::string t = replace(kBase, "      rows: 4\n      cols: 8\n", "      shape: [16, 2]\n");
  t = replace(t, "      lanes: 8\n", "      shape: [64]\n");
  t = replace(t, "  technology: {table: horowitz45, node_nm: 45}\n  clock: 1 GHz\n",
              "  technology: {table: horowitz45, node_nm: 16, clock_ghz: 0.94}\n");
  ArchSpec a = load_text(t);
  CHECK(a.array("pe2d").rows == 16);
  CHECK(a.array("pe2d").cols == 2);
  CHECK(a.array("pe1d").dimensions == 1);
  CHECK(a.array("pe1d").lanes() == 64);
  CHECK(a.clock_hz == Approx(0.94e9));
  CHECK(a.technology.node_nm == 16);
  // Both given and equal is fine.
  std::string both =
      replace(kBase, "{table: horowitz45, node_nm: 45}", "{table: horowitz45, node_nm: 45, clock_ghz: 1}");
  CHECK(load_text(both).clock_hz == 1e9);
}

TEST_CASE("partitions regfile arrays and the noc are read", "[arch][spec]") {
  std::string t = replace(kBase, "      capacity: 64 KiB\n",
                          "      double_buffered: true\n"
                          "      partitions: {weights: 16 KiB, inputs: 32 KiB, outputs: 8 KiB}\n");
  t = replace(t, "      capacity: 32 B\n", "      capacity: 256 bit\n      array: pe2d\n");
  t += "  noc:\n    multicast: true\n    spatial_reduction: true\n";
  ArchSpec a = load_text(t);
  const StorageLevel& gb = a.level("GB");
  CHECK(gb.double_buffered);
  CHECK(*gb.capacity_bytes == (16 + 32 + 8) * 1024);  // the sum when no capacity is given
  CHECK(gb.partition_bytes(OperandRole::weights) == 16 * 1024);
  CHECK(gb.partition_bytes(OperandRole::inputs) == 32 * 1024);
  CHECK(gb.partition_bytes(OperandRole::outputs) == 8 * 1024);
  CHECK_FALSE(a.level("RF").partition_bytes(OperandRole::weights));
  CHECK(*a.level("RF").capacity_bytes == 32);  // 256 bit
  CHECK(a.level("RF").array == "pe2d");
  CHECK(a.noc.multicast);
  CHECK(a.noc.spatial_reduction);
}

TEST_CASE("every bundled architecture loads", "[arch][spec]") {
  for (const char* f :
       {"systolic.yaml", "fusemax_cloud.yaml", "flat_cloud.yaml", "flat_edge.yaml", "mixpe.yaml"}) {
    INFO(f);
    ArchSpec a = load_architecture(YamlDocument::load_file(library(f)));
    CHECK_FALSE(a.arrays.empty());
    CHECK(a.storage.front().kind == StorageKind::dram);
    CHECK(a.clock_hz > 0);
    CHECK_FALSE(describe_architecture(a).empty());
  }
}

TEST_CASE("bundled architectures have the published sizes", "[arch][spec]") {
  auto load = [](const char* f) { return load_architecture(YamlDocument::load_file(library(f))); };
  const double MiB = 1024.0 * 1024.0;

  ArchSpec fm = load("fusemax_cloud.yaml");
  CHECK(fm.clock_hz == 940e6);
  CHECK(fm.dram().bandwidth_bytes_per_s == 400e9);
  CHECK(double(*fm.level("GB").capacity_bytes) == 16 * MiB);
  CHECK(fm.array("pe2d").rows == 256);
  CHECK(fm.array("pe2d").cols == 256);
  CHECK(fm.array("pe2d").pe.a == NumberFormat::fp16);
  CHECK(fm.array("pe1d").dimensions == 1);
  CHECK(fm.array("pe1d").lanes() == 256);
  CHECK(fm.array("pe1d").pe.family == PeFamily::vector);

  ArchSpec fc = load("flat_cloud.yaml");
  CHECK(fc.clock_hz == 940e6);
  CHECK(fc.dram().bandwidth_bytes_per_s == 400e9);
  CHECK(double(*fc.level("GB").capacity_bytes) == 32 * MiB);
  CHECK(fc.array("pe2d").num_pes() == 256 * 256);

  ArchSpec fe = load("flat_edge.yaml");
  CHECK(fe.dram().bandwidth_bytes_per_s == 50e9);
  CHECK(*fe.level("GB").capacity_bytes == 512 * 1024);
  CHECK(fe.array("pe2d").rows == 32);
  CHECK(fe.array("pe2d").cols == 32);

  ArchSpec mx = load("mixpe.yaml");
  CHECK(mx.clock_hz == 500e6);
  CHECK(mx.technology.node_nm == 28);
  CHECK(mx.dram().bytes_per_cycle(mx.clock_hz) == 1024 / 8);  // a 1024-bit port
  const StorageLevel& buf = mx.level("SRAM");
  CHECK(buf.partition_bytes(OperandRole::weights) == 128 * 1024);
  CHECK(buf.partition_bytes(OperandRole::inputs) == 256 * 1024);
  CHECK(buf.partition_bytes(OperandRole::outputs) == 128 * 1024);
  CHECK(mx.array("pe2d").pe.family == PeFamily::mixpe);

  ArchSpec sy = load("systolic.yaml");
  CHECK(sy.array("pe2d").dimensions == 2);
  CHECK(sy.level("SRAM").partitions.size() == 3);
}

TEST_CASE("set overrides address arrays and levels by name", "[arch][spec]") {
  YamlDocument doc = YamlDocument::load_file(library("systolic.yaml"));
  doc.apply_override("arrays.pe2d.rows=32");
  doc.apply_override("arrays.pe2d.cols=16");
  doc.apply_override("storage.DRAM.bandwidth=100 GB/s");
  doc.apply_override("storage.SRAM.partitions.weights=64 KiB");
  doc.apply_override("clock=1 GHz");
  ArchSpec a = load_architecture(doc);
  CHECK(a.array("pe2d").rows == 32);
  CHECK(a.array("pe2d").cols == 16);
  CHECK(a.dram().bandwidth_bytes_per_s == 100e9);
  CHECK(a.level("SRAM").partition_bytes(OperandRole::weights) == 64 * 1024);
  CHECK(a.clock_hz == 1e9);
  // A bad value given by --set is reported with its origin.
  YamlDocument bad = YamlDocument::load_file(library("systolic.yaml"));
  bad.apply_override("arrays.pe2d.rows=0");
  try {
    load_architecture(bad);
    FAIL("rows=0 must be rejected");
  } catch (const SpecError& e) {
    CHECK(e.location().origin == "--set arrays.pe2d.rows=0");
    CHECK(std::string(e.what()).find("must be positive") != std::string::npos);
  }
  // A path that does not exist is an error.
  YamlDocument doc2 = YamlDocument::load_file(library("systolic.yaml"));
  CHECK_THROWS_AS(doc2.apply_override("arrays.nosuch.rows=4"), Error);
}

TEST_CASE("unknown keys are errors at their line", "[arch][spec]") {
  expect_error(replace(kBase, "  clock: 1 GHz\n", "  clock: 1 GHz\n  clocks: 2\n"), "unknown key 'clocks'", 5,
               "architecture.clocks");
  // A key valid for one kind of level but not for another.
  expect_error(replace(kBase, "      bandwidth: 16 GB/s\n", "      bandwidth: 16 GB/s\n      banks: 2\n"),
               "unknown key 'banks'", 9, "architecture.storage[0].banks");
  expect_error(replace(kBase, "      pe: mac_int8\n", "      pe: mac_int8\n      depth: 3\n"),
               "unknown key 'depth'");
  expect_error(kBase + "  noc: {multicast: true, broadcast: true}\n", "unknown key 'broadcast'");
  expect_error(replace(kBase, "{table: horowitz45, node_nm: 45}", "{table: horowitz45, node: 45}"),
               "unknown key 'node'");
}

TEST_CASE("unknown storage and PE kinds are errors", "[arch][spec]") {
  expect_error(replace(kBase, "      kind: sram\n", "      kind: flash\n"), "unknown storage kind 'flash'",
               10, "storage[1].kind");
  expect_error(replace(kBase, "      pe: mac_int8\n", "      pe: mac_int7\n"), "unknown PE kind 'mac_int7'",
               21, "arrays[0].pe");
}

TEST_CASE("non-positive and oversized sizes are errors", "[arch][spec]") {
  expect_error(replace(kBase, "      rows: 4\n", "      rows: 0\n"), "rows must be positive", 19,
               "arrays[0].rows");
  expect_error(replace(kBase, "      cols: 8\n", "      cols: -3\n"), "cols must be positive");
  expect_error(replace(kBase, "      lanes: 8\n", "      lanes: 0\n"), "lanes must be positive");
  expect_error(replace(kBase, "      banks: 4\n", "      banks: 0\n"), "banks must be positive");
  expect_error(replace(kBase, "      width_bits: 128\n", "      width_bits: 0\n"),
               "width_bits must be positive");
  expect_error(replace(kBase, "      rows: 4\n", "      rows: 100000\n"), "rows must be between 1 and 65536");
  expect_error(replace(kBase, "      rows: 4\n      cols: 8\n", "      rows: 8192\n      cols: 8192\n"),
               "more than the limit");
  expect_error(replace(kBase, "      rows: 4\n", "      rows: four\n"), "expected an integer");
  expect_error(replace(kBase, "      pe: mac_int8\n", "      pe: mac_int8\n      pipeline_depth: 0\n"),
               "pipeline_depth must be positive");
  expect_error(replace(kBase, "node_nm: 45", "node_nm: 0"), "node_nm must be between 1 and 1000");
  expect_error(replace(kBase, "  clock: 1 GHz\n", "  clock: 0 GHz\n"), "the clock must be positive");
  expect_error(replace(kBase, "  clock: 1 GHz\n", "  clock: 500 GHz\n"), "outside the valid range 1 kHz .. 100 GHz");
  // A vanishing clock is refused with the range, at the clock's line.
  expect_error(replace(kBase, "  clock: 1 GHz\n", "  clock: 1e-30 Hz\n"), "outside the valid range 1 kHz .. 100 GHz", 4,
               "clock");
  expect_error(replace(kBase, "  clock: 1 GHz\n", "  clock: 999 Hz\n"), "1 kHz .. 100 GHz");
  CHECK(load_text(replace(kBase, "  clock: 1 GHz\n", "  clock: 1 kHz\n")).clock_hz == 1e3);
}

TEST_CASE("a level with zero capacity is an error", "[arch][spec]") {
  expect_error(replace(kBase, "      capacity: 64 KiB\n", "      capacity: 0 KiB\n"), "positive capacity", 11,
               "storage[1].capacity");
  expect_error(replace(kBase, "      capacity: 32 B\n", "      capacity: 0\n"), "has no unit");
  expect_error(replace(kBase, "      capacity: 64 KiB\n", "      capacity: 3 bit\n"),
               "not a whole number of bytes");
  expect_error(replace(kBase, "      capacity: 64 KiB\n", ""), "needs capacity: or partitions:");
  expect_error(replace(kBase, "      capacity: 64 KiB\n", "      partitions: {weights: 0 B}\n"),
               "positive capacity");
}

TEST_CASE("bad units are errors", "[arch][spec]") {
  expect_error(replace(kBase, "      bandwidth: 16 GB/s\n", "      bandwidth: 16 GHz\n"),
               "unknown unit 'GHz'", 8, "storage[0].bandwidth");
  expect_error(replace(kBase, "  clock: 1 GHz\n", "  clock: 1 GB\n"), "unknown unit 'GB'");
  expect_error(replace(kBase, "      capacity: 64 KiB\n", "      capacity: 64 KiB/s\n"), "unknown unit");
  expect_error(replace(kBase, "      capacity: 64 KiB\n", "      capacity: lots\n"),
               "is not a size in bytes");
}

TEST_CASE("duplicate names are errors", "[arch][spec]") {
  expect_error(replace(kBase, "    - name: pe1d\n", "    - name: pe2d\n"), "the name 'pe2d' is used twice",
               22);
  expect_error(replace(kBase, "    - name: RF\n", "    - name: GB\n"), "the name 'GB' is used twice");
  // Arrays and levels share one namespace: statistics are reported by name.
  expect_error(replace(kBase, "    - name: RF\n", "    - name: pe1d\n"), "already a compute array");
  expect_error(replace(kBase, "    - name: RF\n", "    - name: R.F\n"), "is not a valid name");
}

TEST_CASE("an architecture needs arrays storage technology and a clock", "[arch][spec]") {
  const std::string no_arrays = kBase.substr(0, kBase.find("  arrays:")) + "  arrays: []\n";
  expect_error(no_arrays, "at least one compute array", 0, "architecture.arrays");
  const std::string missing_arrays = kBase.substr(0, kBase.find("  arrays:"));
  expect_error(missing_arrays, "missing required key 'arrays'");
  expect_error(replace(kBase, "  clock: 1 GHz\n", ""), "missing the clock");
  expect_error(replace(kBase, "  technology: {table: horowitz45, node_nm: 45}\n", ""),
               "missing required key 'technology'");
  expect_error(
      replace(kBase, "{table: horowitz45, node_nm: 45}", "{table: horowitz45, node_nm: 45, clock_ghz: 2}"),
      "disagrees with clock");
  expect_error(replace(kBase, "      pe: mac_int8\n", ""), "missing required key 'pe'");
}

TEST_CASE("array dimensions must match the array", "[arch][spec]") {
  // A vector PE makes a 1D array: two dimensions are an error.
  expect_error(replace(kBase, "      lanes: 8\n      pe: vector_fp16\n",
                       "      rows: 2\n      cols: 8\n      pe: vector_fp16\n"),
               "1D vector lane", 25, "arrays[1].pe");
  expect_error(replace(kBase, "      lanes: 8\n", "      shape: [8, 8]\n"), "1D vector lane");
  expect_error(replace(kBase, "      lanes: 8\n", "      lanes: 8\n      rows: 2\n"),
               "a 1D array has lanes: only");
  expect_error(replace(kBase, "      cols: 8\n", ""), "has rows: but no cols:");
  expect_error(replace(kBase, "      rows: 4\n", ""), "has cols: but no rows:");
  expect_error(replace(kBase, "      rows: 4\n", "      rows: 4\n      shape: [4, 8]\n"), "not both");
  expect_error(replace(kBase, "      rows: 4\n      cols: 8\n", "      shape: [2, 2, 2]\n"), "3 dimensions");
  expect_error(replace(kBase, "      rows: 4\n      cols: 8\n", ""), "needs its size");
}

TEST_CASE("storage order and level rules are checked", "[arch][spec]") {
  // DRAM must come first, once.
  std::string swapped = replace(kBase, "    - name: DRAM\n      kind: dram\n      bandwidth: 16 GB/s\n", "");
  swapped = replace(swapped, "      width_bits: 128\n",
                    "      width_bits: 128\n    - name: DRAM\n      kind: dram\n      bandwidth: 16 GB/s\n");
  expect_error(swapped, "must be the DRAM", 7);
  expect_error(
      replace(kBase, "      kind: sram\n      capacity: 64 KiB\n      banks: 4\n      width_bits: 128\n",
              "      kind: dram\n      bandwidth: 1 GB/s\n"),
      "only the first");
  // An SRAM inside a register file.
  expect_error(kBase.substr(0, kBase.find("  arrays:")) +
                   "    - name: L0\n      kind: sram\n      capacity: 1 KiB\n" +
                   kBase.substr(kBase.find("  arrays:")),
               "cannot sit inside a register file");
  expect_error(replace(kBase, "      bandwidth: 16 GB/s\n", ""),
               "needs bandwidth: (e.g. 400 GB/s, or unlimited) or width_bits:");
  expect_error(replace(kBase, "      capacity: 32 B\n", ""), "register file 'RF' needs capacity:");
  expect_error(replace(kBase, "      capacity: 32 B\n", "      capacity: 32 B\n      array: pe3d\n"),
               "no array named 'pe3d'", 17, "storage[2].array");
  expect_error(replace(kBase, "      capacity: 64 KiB\n",
                       "      capacity: 64 KiB\n      partitions: {weights: 32 KiB, inputs: 48 KiB}\n"),
               "more than the level's capacity");
  expect_error(replace(kBase, "      capacity: 64 KiB\n", "      partitions: {filters: 32 KiB}\n"),
               "unknown partition 'filters'");
}

TEST_CASE("other kinds of document are refused", "[arch][spec]") {
  CHECK_THROWS_AS(load_architecture(YamlDocument::load_string("workload:\n  name: x\n", "w.yaml")),
                  SpecError);
  expect_error("architecture: [1, 2]\n", "architecture: is a map");
  expect_error(
      "architecture:\n  name: x\n  arrays: 3\n  storage: []\n  technology: {table: horowitz45, node_nm: 45}\n  clock: "
      "1 GHz\n",
      "expected a list");
}

TEST_CASE("sizes print in binary units", "[arch][spec]") {
  CHECK(format_bytes(16.0 * 1024 * 1024) == "16 MiB");
  CHECK(format_bytes(512.0 * 1024) == "512 KiB");
  CHECK(format_bytes(64) == "64 B");
  CHECK(format_bytes(1536) == "1.5 KiB");
  ArchSpec a = load_text(kBase);
  const std::string d = describe_architecture(a);
  CHECK(d.find("tiny") != std::string::npos);
  CHECK(d.find("pe2d 4x8 mac_int8") != std::string::npos);
  CHECK(d.find("pe1d 8 lanes vector_fp16") != std::string::npos);
  CHECK(d.find("GB 64 KiB") != std::string::npos);
  CHECK(d.find("RF 32 B per PE") != std::string::npos);
}

TEST_CASE("a fallback technology table is read and checked", "[arch][spec]") {
  const ArchSpec a =
      load_text(replace(kBase, "{table: horowitz45, node_nm: 45}", "{table: mixpe28, node_nm: 28, fallback: horowitz45}"));
  CHECK(a.technology.table == "mixpe28");
  CHECK(a.technology.fallback == "horowitz45");
  CHECK(load_text(kBase).technology.fallback.empty());
  expect_error(replace(kBase, "{table: horowitz45, node_nm: 45}", "{table: horowitz45, node_nm: 45, fallback: horowitz45}"),
               "same table", 3, "architecture.technology.fallback");
  expect_error(replace(kBase, "{table: horowitz45, node_nm: 45}", "{table: horowitz45, node_nm: 45, fallback: ''}"),
               "must name a cost table", 3, "architecture.technology.fallback");
}

TEST_CASE("the DRAM's duplex is full unless set to half", "[arch][spec]") {
  ArchSpec a = load_text(kBase);
  CHECK(a.dram().duplex == DramDuplex::full);
  ArchSpec half =
      load_text(replace(kBase, "      bandwidth: 16 GB/s\n", "      bandwidth: 16 GB/s\n      duplex: half\n"));
  CHECK(half.dram().duplex == DramDuplex::half);
  CHECK(describe_architecture(half).find("DRAM 16 GB/s half duplex") != std::string::npos);
  CHECK(load_text(replace(kBase, "      bandwidth: 16 GB/s\n", "      bandwidth: 16 GB/s\n      duplex: full\n"))
            .dram()
            .duplex == DramDuplex::full);
  expect_error(replace(kBase, "      bandwidth: 16 GB/s\n", "      bandwidth: 16 GB/s\n      duplex: simplex\n"),
               "duplex must be full", 9, "architecture.storage[0].duplex");
  // Only a DRAM has a duplex.
  expect_error(replace(kBase, "      banks: 4\n", "      banks: 4\n      duplex: half\n"), "unknown key 'duplex'", 0,
               "storage[1].duplex");
  // --set reaches it by the level's name.
  YamlDocument doc = YamlDocument::load_file(library("fusemax_cloud.yaml"));
  doc.apply_override("storage.DRAM.duplex=half");
  CHECK(load_architecture(doc).dram().duplex == DramDuplex::half);
}

TEST_CASE("register files sit in the PEs of one array each", "[arch][spec]") {
  ArchSpec a = load_text(kBase);
  // Without array: the register file is in every PE of both arrays.
  CHECK(a.regfile_of(0) == &a.level("RF"));
  CHECK(a.regfile_of(1) == &a.level("RF"));
  CHECK(a.instances(a.level("RF")) == 4 * 8 + 8);
  CHECK(a.level("RF").capacity_location.yaml_path == "architecture.storage[2].capacity");
  CHECK(a.level("RF").capacity_location.line == 16);
  const std::string two = replace(kBase, "      capacity: 32 B\n",
                                  "      capacity: 32 B\n      array: pe2d\n"
                                  "    - name: VRF\n      kind: regfile\n      capacity: 16 B\n      array: pe1d\n");
  ArchSpec b = load_text(two);
  CHECK(b.regfile_of(0) == &b.level("RF"));
  CHECK(b.regfile_of(1) == &b.level("VRF"));
  CHECK(b.instances(b.level("RF")) == 32);
  CHECK(b.instances(b.level("VRF")) == 8);
  // Two register-file levels in the same PEs.
  expect_error(replace(kBase, "      capacity: 32 B\n",
                       "      capacity: 32 B\n    - name: VRF\n      kind: regfile\n      capacity: 16 B\n"
                       "      array: pe1d\n"),
               "register files 'RF' and 'VRF' both sit in the PEs of array 'pe1d'", 17, "storage[3]");
  // A register file outside the PEs is not a register file einsim models.
  expect_error(replace(kBase, "      capacity: 32 B\n", "      capacity: 32 B\n      per_pe: false\n"),
               "per_pe: false is not supported", 17, "storage[2].per_pe");
  ArchSpec no_rf = load_text(replace(kBase, "    - name: RF\n      kind: regfile\n      capacity: 32 B\n", ""));
  CHECK(no_rf.regfile_of(0) == nullptr);
}

TEST_CASE("a vector array may have a dedicated exp unit", "[arch][spec]") {
  CHECK_FALSE(load_text(kBase).arrays[1].dedicated_exp);
  const ArchSpec a = load_text(replace(kBase, "      pe: vector_fp16\n", "      pe: vector_fp16\n      exp_unit: dedicated\n"));
  CHECK(a.arrays[1].dedicated_exp);
  CHECK_FALSE(a.arrays[0].dedicated_exp);
  CHECK_FALSE(load_text(replace(kBase, "      pe: vector_fp16\n", "      pe: vector_fp16\n      exp_unit: taylor\n"))
                  .arrays[1]
                  .dedicated_exp);
  expect_error(replace(kBase, "      pe: vector_fp16\n", "      pe: vector_fp16\n      exp_unit: lut\n"),
               "exp_unit must be taylor or dedicated", 0, "arrays[1].exp_unit");
  expect_error(replace(kBase, "      pe: mac_int8\n", "      pe: mac_int8\n      exp_unit: dedicated\n"),
               "needs a vector PE kind", 0, "arrays[0].exp_unit");
}
