// The Cycle fidelity end to end below the command line: mapped cascades
// lowered to tile programs and simulated. Expected cycles come from SCALE-Sim's
// fold formulas written here; occupancy trends from the cascades' structure.

#include "sim/cycle/simulate.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>

#include "arch/spec/arch_spec.hpp"
#include "arch/tech/cost_table.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "tests/sim/cycle/cycle_test_support.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

EinsumCascade gemm(int64_t m, int64_t k, int64_t n) {
  auto doc = YamlDocument::load_string(fmt::format(R"(workload:
  name: gemm
  ranks: {{M: {}, K: {}, N: {}}}
  format: int8
  tensors:
    A: {{ranks: [M, K]}}
    B: {{ranks: [K, N]}}
    Z: {{format: int32}}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
)", m, k, n), "gemm.yaml");
  return load_workload(doc);
}

// An R x C int8 systolic array; DRAM bandwidth in GB/s, no latency; big SRAM partitions.
ArchSpec systolic(int64_t rows, int64_t cols, const char* bandwidth = "1000000 GB/s") {
  auto doc = YamlDocument::load_string(fmt::format(R"(architecture:
  name: test_systolic
  technology: {{table: horowitz45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: {}, latency_cycles: 0}}
    - name: SRAM
      kind: sram
      partitions: {{inputs: 64 MiB, weights: 64 MiB, outputs: 64 MiB}}
  arrays:
    - {{name: pe2d, rows: {}, cols: {}, pe: mac_int8}}
)", bandwidth, rows, cols), "systolic.yaml");
  return load_architecture(doc);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

EinsumCascade library_workload(const char* name, const std::vector<const char*>& sets) {
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/" + name);
  for (const char* set : sets) doc.apply_override(set);
  return load_workload(doc);
}

ArchSpec library_architecture(const char* name) {
  return load_architecture(YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/" + name));
}

}  // namespace

TEST_CASE("systolic GEMM cycles follow SCALE-Sim's fold formulas", "[sim][cycle][systolic]") {
  struct Case {
    int64_t m, k, n, r, c;
  };
  for (Case cs : {Case{64, 64, 64, 8, 8}, Case{100, 37, 53, 8, 8}, Case{17, 300, 9, 16, 4}, Case{5, 7, 3, 1, 1},
                  Case{33, 12, 70, 1, 16}}) {
    EinsumCascade w = gemm(cs.m, cs.k, cs.n);
    ArchSpec a = systolic(cs.r, cs.c);
    for (const char* df : {"ws", "os", "is"}) {
      // SCALE-Sim v2: os maps Sr = M, Sc = N, T = K, a fold takes R + C + T - 2 cycles;
      // ws maps Sr = K, Sc = N, T = M and is maps Sr = K, Sc = M, T = N, a fold takes 2R + C + T - 2.
      const std::string d = df;
      const int64_t sr = d == "os" ? cs.m : cs.k;
      const int64_t sc = d == "is" ? cs.m : cs.n;
      const int64_t t = d == "os" ? cs.k : d == "ws" ? cs.m : cs.n;
      const int64_t fold = d == "os" ? cs.r + cs.c + t - 2 : 2 * cs.r + cs.c + t - 2;
      const int64_t folds = ceil_div(sr, cs.r) * ceil_div(sc, cs.c);
      // With a practically unlimited DRAM every transfer takes one cycle: the first load before
      // the first fold and the last write after the last fold are all that is not hidden.
      const int64_t expected = 1 + folds * fold + 1;
      SimulationReport r = simulate_cycle(w, a, preset_mapping(df, w, a));
      INFO(df << " M=" << cs.m << " K=" << cs.k << " N=" << cs.n << " on " << cs.r << "x" << cs.c);
      CHECK(r.cycles == static_cast<uint64_t>(expected));
      CHECK(r.arrays[0].busy_cycles == static_cast<uint64_t>(folds * fold));
      CHECK(r.arrays[0].stall_cycles == 0);
      // Every output is written once; inputs and weights fit their partitions and are read once.
      CHECK(r.dram_write_bytes == static_cast<uint64_t>(cs.m * cs.n * 4));
      CHECK(r.dram_read_bytes == static_cast<uint64_t>(cs.m * cs.k + cs.k * cs.n));
      CHECK(r.arrays[0].actions[PeAction::mac] == static_cast<uint64_t>(cs.m * cs.k * cs.n));
      // Utilization: MACs over PE-cycles.
      CHECK(r.arrays[0].utilization ==
            Approx(double(cs.m * cs.k * cs.n) / double(cs.r * cs.c * expected)));
    }
  }
}

TEST_CASE("with unlimited DRAM bandwidth a systolic GEMM takes exactly its folds", "[sim][cycle][systolic]") {
  // SCALE-Sim's stall-free mode: operands are on chip when a fold needs them.
  EinsumCascade w = gemm(100, 37, 53);
  ArchSpec a = systolic(8, 4, "unlimited");
  for (const char* df : {"ws", "os", "is"}) {
    const std::string d = df;
    const int64_t sr = d == "os" ? 100 : 37, sc = d == "is" ? 100 : 53, t = d == "os" ? 37 : d == "ws" ? 100 : 53;
    const int64_t fold = d == "os" ? 8 + 4 + t - 2 : 2 * 8 + 4 + t - 2;
    SimulationReport r = simulate_cycle(w, a, preset_mapping(df, w, a));
    INFO(df);
    CHECK(r.cycles == static_cast<uint64_t>(ceil_div(sr, 8) * ceil_div(sc, 4) * fold));
  }
}

TEST_CASE("a bandwidth-starved systolic GEMM stalls on DRAM", "[sim][cycle][systolic]") {
  EinsumCascade w = gemm(256, 256, 256);
  ArchSpec fast = systolic(16, 16);
  ArchSpec slow = systolic(16, 16, "1 GB/s");
  SimulationReport rf = simulate_cycle(w, fast, preset_mapping("ws", w, fast));
  SimulationReport rs = simulate_cycle(w, slow, preset_mapping("ws", w, slow));
  INFO("fast " << rf.cycles << " slow " << rs.cycles << " stall " << rs.arrays[0].stall_cycles);
  CHECK(rs.arrays[0].busy_cycles == rf.arrays[0].busy_cycles);
  CHECK(rs.arrays[0].stall_cycles > 0);
  // 1 GB/s at 1 GHz moves one byte per cycle: reading the operands alone takes their byte count.
  CHECK(rs.cycles >= 256 * 256 * 2);
  CHECK(rs.cycles == rs.arrays[0].busy_cycles + rs.arrays[0].stall_cycles + rs.arrays[0].idle_cycles);
}

TEST_CASE("FuseMax keeps its buffer occupancy flat in the sequence length", "[sim][cycle][attention]") {
  std::vector<uint64_t> peaks;
  for (int64_t m : {1024, 4096, 16384, 65536}) {
    auto wdoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_fusemax.yaml");
    wdoc.apply_override(fmt::format("ranks.M={}", m));
    wdoc.apply_override("ranks.B=2");
    auto adoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml");
    EinsumCascade w = load_workload(wdoc);
    ArchSpec a = load_architecture(adoc);
    SimulationReport r = simulate_cycle(w, a, preset_mapping("fusemax", w, a));
    peaks.push_back(r.levels[1].peak_occupancy_bytes);
    // Every key tile does the same work: the cycles grow in proportion to M once the pipeline is full.
    CHECK(r.groups[0].extrapolated);
  }
  for (uint64_t p : peaks) CHECK(p == peaks.front());
  CHECK(peaks.front() > 0);
}

TEST_CASE("steady-state extrapolation gives the cycles of a full simulation", "[sim][cycle][attention]") {
  auto load = [](bool) {
    auto wdoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_fusemax.yaml");
    wdoc.apply_override("ranks.B=2");
    wdoc.apply_override("ranks.H=3");
    wdoc.apply_override("ranks.M=4096");
    return load_workload(wdoc);
  };
  EinsumCascade w = load(true);
  ArchSpec a = load_architecture(
      YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml"));
  Mapping m = preset_mapping("fusemax", w, a);
  SimulationReport fast = simulate_cycle(w, a, m, {true});
  SimulationReport full = simulate_cycle(w, a, m, {false});
  test::check_same_simulation(fast, full);
}

TEST_CASE("FuseMax tiles cost what the FuseMax artifact counts per element", "[sim][cycle][attention]") {
  // One head, one query tile of 256, one key tile of 256 on 256 x 256 + 256 lanes, E = F = 64:
  // the 2D array does QK (E MACs per element: 64 cycles), LM (1), SLN (sub + 6-term exp: 7),
  // SLD (1), SLNV (F: 64); the 1D array RM (1), PRM (7), SPD (1), SPNV (64), RD (1), RNV (64)
  // and, once, AV (64 divisions per lane).
  EinsumCascade w = library_workload("attention_fusemax.yaml", {"ranks.B=1", "ranks.H=1", "ranks.P=256", "ranks.M=256"});
  ArchSpec a = library_architecture("fusemax_cloud.yaml");
  SimulationReport r = simulate_cycle(w, a, preset_mapping("fusemax", w, a));
  CHECK(r.arrays[0].busy_cycles == 64 + 1 + 7 + 1 + 64);
  CHECK(r.arrays[1].busy_cycles == 1 + 7 + 1 + 64 + 1 + 64 + 64);
  // PEs that accept a point every 2 cycles through a 4-stage pipeline: each of the tile's
  // operations takes twice as long, plus 3 cycles for its last result to come out.
  ArchSpec slow = a;
  for (auto& arr : slow.arrays) {
    arr.initiation_interval = 2;
    arr.pipeline_depth = 4;
  }
  SimulationReport rs = simulate_cycle(w, slow, preset_mapping("fusemax", w, slow));
  CHECK(rs.arrays[0].busy_cycles == 2 * (64 + 1 + 7 + 1 + 64) + 5 * 3);
  CHECK(rs.arrays[1].busy_cycles == 2 * (1 + 7 + 1 + 64 + 1 + 64 + 64) + 7 * 3);
  // Q, K and V of one head come from DRAM once; AV goes back.
  CHECK(r.dram_read_bytes == 3 * 64 * 256 * 2);
  CHECK(r.dram_write_bytes == 64 * 256 * 2);
  // What came from DRAM was filled into the global buffer.
  CHECK(r.levels[1].fill_bytes == r.dram_read_bytes);
  CHECK(r.levels[1].write_bytes >= r.levels[1].fill_bytes);
}

TEST_CASE("the 3-pass cascade's buffer needs grow with the sequence length", "[sim][cycle][attention]") {
  // FLAT keeps a query tile's scores against all M keys on chip (QK, SN and A: M x tile each),
  // so the peak occupancy grows with M, while FuseMax's 1-pass cascade stays flat (above), until
  // not even one query row fits the 16 MiB buffer (64K keys) and FLAT spills.
  ArchSpec a = load_architecture(
      YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml"));
  auto workload = [](int64_t m) {
    auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_3pass.yaml");
    doc.apply_override(fmt::format("ranks.M={}", m));
    doc.apply_override("ranks.B=2");
    return load_workload(doc);
  };
  uint64_t previous = 0;
  for (int64_t m : {1024, 2048, 4096, 8192, 16384}) {
    EinsumCascade w = workload(m);
    SimulationReport r = simulate_cycle(w, a, preset_mapping("flat", w, a));
    INFO("M = " << m);
    CHECK(r.levels[1].peak_occupancy_bytes > previous);
    CHECK(r.levels[1].peak_occupancy_bytes <= 16u << 20);
    // At least the scores of one query row against all keys: M fp16 values.
    CHECK(r.levels[1].peak_occupancy_bytes >= static_cast<uint64_t>(m) * 2);
    previous = r.levels[1].peak_occupancy_bytes;
  }
  // At 64K keys not even one query row fits the 16 MiB buffer: FLAT spills to DRAM (below), and its
  // groups' tiles no longer grow with M.
  std::vector<uint64_t> spilled_peaks;
  for (int64_t m : {65536, 131072}) {
    EinsumCascade big = workload(m);
    SimulationReport r = simulate_cycle(big, a, preset_mapping("flat", big, a));
    CHECK(r.groups.size() == 3);
    CHECK(r.levels[1].peak_occupancy_bytes <= 16u << 20);
    spilled_peaks.push_back(r.levels[1].peak_occupancy_bytes);
  }
  CHECK(spilled_peaks[0] == spilled_peaks[1]);
  CHECK(spilled_peaks[0] < previous);
}

TEST_CASE("MixPE's group-wise quantized GEMM runs on its architecture", "[sim][cycle][mixpe]") {
  auto wdoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/gemm_groupwise_quant.yaml");
  for (const char* s : {"ranks.M=64", "ranks.K=256", "ranks.N=128", "partitions.K.K0=64"}) wdoc.apply_override(s);
  EinsumCascade w = load_workload(wdoc);
  ArchSpec a = load_architecture(YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/mixpe.yaml"));
  SimulationReport r = simulate_cycle(w, a, preset_mapping("ws", w, a));
  // The int4 weights times fp16 activations: one shift-add per weight bit of every product,
  // M x K x N x 4; the zero points (K x N subtractions) and the scales (M x K1 x N
  // multiply-adds) in the dequantization unit.
  CHECK(r.arrays[0].actions[PeAction::shift_add] == 64u * 256u * 128u * 4u);
  CHECK(r.arrays[0].actions[PeAction::dequant] == 256u * 128u + 64u * 4u * 128u);
  CHECK(r.arrays[0].actions[PeAction::mac] == 0);
  CHECK(r.cycles > 0);
  // The zero points in a group of their own; the scale-and-sum as the GEMM's epilogue in the PEs.
  CHECK(r.groups.size() == 2);
  CHECK(r.spills.size() == 1);  // WZ only: the partial sums PS stay on chip
}

TEST_CASE("a fallback table costs what the first table cannot", "[sim][cycle][energy]") {
  auto wdoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/gemm_groupwise_quant.yaml");
  for (const char* s : {"ranks.M=64", "ranks.K=256", "ranks.N=128", "partitions.K.K0=64"}) wdoc.apply_override(s);
  EinsumCascade w = load_workload(wdoc);
  auto adoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/mixpe.yaml");
  SimulationReport with = simulate_cycle(w, load_architecture(adoc), preset_mapping("ws", w, load_architecture(adoc)));
  adoc.apply_override("technology.fallback=null");
  const ArchSpec alone_arch = load_architecture(adoc);
  SimulationReport alone = simulate_cycle(w, alone_arch, preset_mapping("ws", w, alone_arch));
  // mixpe28 holds only MixPE's synthesized PEs: without a fallback, neither DRAM nor SRAM nor
  // the w4a16 PE (not synthesized, and not derivable from its parts) has a cost.
  CHECK_FALSE(alone.levels[0].energy_pj.has_value());
  CHECK_FALSE(alone.arrays[0].energy_pj.has_value());
  // With horowitz45 as the fallback: DRAM energy = bytes x 8 x its energy per bit (DRAM energy
  // is not node-scaled), and the PE's actions x horowitz45's derived MixPE costs at 28 nm.
  const CostTable h(resolve_technology("horowitz45", 28));
  REQUIRE(with.levels[0].energy_pj.has_value());
  CHECK(*with.levels[0].energy_pj ==
        Approx(static_cast<double>(with.dram_read_bytes + with.dram_write_bytes) * 8 * h.dram_energy_per_bit()));
  const PeCost pe = h.pe_cost("mixpe_w4a16");
  REQUIRE(with.arrays[0].energy_pj.has_value());
  CHECK(*with.arrays[0].energy_pj ==
        Approx(static_cast<double>(with.arrays[0].actions[PeAction::shift_add]) * pe.energy_pj.at(PeAction::shift_add) +
               static_cast<double>(with.arrays[0].actions[PeAction::dequant]) * pe.energy_pj.at(PeAction::dequant)));
  CHECK(with.levels[1].energy_pj.has_value());
  CHECK(with.technology == "mixpe28 at 28 nm, horowitz45 for the rest");
  CHECK(with.cycles == alone.cycles);  // costs never change the timing
}

namespace {

// A GEMM of one format throughout (operands and output).
EinsumCascade gemm_of(const char* format, int64_t m, int64_t k, int64_t n) {
  auto doc = YamlDocument::load_string(fmt::format(R"(workload:
  name: gemm
  ranks: {{M: {}, K: {}, N: {}}}
  format: {}
  tensors:
    A: {{ranks: [M, K]}}
    B: {{ranks: [K, N]}}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
)",
                                                   m, k, n, format),
                                       "gemm.yaml");
  return load_workload(doc);
}

// An R x C array of `pe` costed by the FuseMax artifact's table, with a register file `rf`.
ArchSpec with_regfile(int64_t rows, int64_t cols, const char* pe, const char* rf) {
  auto doc = YamlDocument::load_string(fmt::format(R"(architecture:
  name: rf_systolic
  technology: {{table: fusemax45, node_nm: 45}}
  clock: 1 GHz
  storage:
    - {{name: DRAM, kind: dram, bandwidth: 1000 GB/s, latency_cycles: 0}}
    - {{name: SRAM, kind: sram, partitions: {{inputs: 1 MiB, weights: 1 MiB, outputs: 1 MiB}}}}
    - {{name: RF, kind: regfile, {}}}
  arrays:
    - {{name: pe2d, rows: {}, cols: {}, pe: {}}}
)",
                                                   rf, rows, cols, pe),
                                       "rf_systolic.yaml");
  return load_architecture(doc);
}

// The SCALE-Sim int8 array of systolic() above with a DRAM of `duplex`.
ArchSpec systolic_duplex(int64_t rows, int64_t cols, const char* bandwidth, const char* duplex) {
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/systolic.yaml");
  doc.apply_override(fmt::format("arrays.pe2d.rows={}", rows));
  doc.apply_override(fmt::format("arrays.pe2d.cols={}", cols));
  doc.apply_override(fmt::format("storage.DRAM.bandwidth={}", bandwidth));
  doc.apply_override("storage.DRAM.latency_cycles=0");
  doc.apply_override(fmt::format("storage.DRAM.duplex={}", duplex));
  doc.apply_override("clock=1 GHz");
  return load_architecture(doc);
}

}  // namespace

namespace {

ArchSpec library_arch(const char* name, const std::vector<std::string>& sets = {}) {
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/" + name + ".yaml");
  for (const auto& s : sets) doc.apply_override(s);
  return load_architecture(doc);
}

EinsumCascade three_pass_attention(int64_t b, int64_t h, int64_t p, int64_t m) {
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_3pass.yaml");
  doc.apply_override(fmt::format("ranks.B={}", b));
  doc.apply_override(fmt::format("ranks.H={}", h));
  doc.apply_override(fmt::format("ranks.P={}", p));
  doc.apply_override(fmt::format("ranks.M={}", m));
  return load_workload(doc);
}

const SpillReport* spill_of(const SimulationReport& r, const std::string& tensor) {
  for (const auto& s : r.spills)
    if (s.tensor == tensor) return &s;
  return nullptr;
}

bool has_note(const SimulationReport& r, const std::string& text) {
  for (const auto& n : r.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("register-file energy is its accesses times the table's energy per access", "[sim][cycle][regfile]") {
  // The FuseMax artifact's reg_file (64 B, 16-bit words): read 0.653431 pJ, write 0.56957 pJ,
  // 4255.9342 um^2 per PE. An fp16 GEMM with fp16 accumulation: every value is one word.
  const uint64_t M = 40, K = 24, N = 18, R = 8, C = 6;
  const EinsumCascade w = gemm_of("fp16", M, K, N);
  const ArchSpec a = with_regfile(R, C, "mac_fp16_acc16", "capacity: 64 B, width_bits: 16");
  const uint64_t macs = M * K * N;
  for (const char* df : {"ws", "os", "is"}) {
    const std::string d = df;
    SimulationReport r = simulate_cycle(w, a, preset_mapping(df, w, a));
    INFO(df);
    REQUIRE(r.levels.size() == 3);
    const LevelReport& rf = r.levels[2];
    CHECK(rf.kind == "regfile");
    // ws: the weight written once per fold, inputs and partial sums written and read per MAC;
    // os: accumulator, inputs and weights written and read per MAC; is: as ws with inputs held.
    const uint64_t reads = 3 * macs;
    const uint64_t writes = d == "ws" ? 2 * macs + K * N : d == "os" ? 3 * macs : 2 * macs + M * K;
    CHECK(rf.read_accesses == reads);
    CHECK(rf.write_accesses == writes);
    CHECK(rf.read_bytes == 2 * reads);
    CHECK(rf.write_bytes == 2 * writes);
    CHECK(rf.instances == static_cast<int64_t>(R * C));
    CHECK(rf.peak_occupancy_bytes == 2);  // one fp16 weight, accumulator or input per PE
    CHECK(*rf.capacity_bytes == 64);
    REQUIRE(rf.energy_pj);
    CHECK(*rf.energy_pj == Approx(reads * 0.653431 + writes * 0.56957));
    REQUIRE(rf.area_um2);
    CHECK(*rf.area_um2 == Approx(4255.9342 * R * C));
    // The total includes it: MACs at 17.1645 pJ, the SRAM and DRAM levels, the register file.
    double total = *r.arrays[0].energy_pj;
    for (const auto& l : r.levels) total += *l.energy_pj;
    CHECK(*r.energy_pj == Approx(total));
    CHECK(*r.arrays[0].energy_pj == Approx(macs * 17.1645));
    CHECK(r.costs_complete);
  }
}

TEST_CASE("register-file accesses of wider values take one port access per word", "[sim][cycle][regfile]") {
  // int8 operands and an int32 accumulator under os: per MAC an 8-bit input and weight and a
  // 32-bit accumulator are each written and read once.
  const uint64_t M = 16, K = 12, N = 10;
  const EinsumCascade w = gemm(M, K, N);
  const uint64_t macs = M * K * N;
  // With 16-bit words a 32-bit value takes two accesses and an 8-bit one a whole word.
  const ArchSpec worded = with_regfile(4, 4, "mac_int8", "capacity: 64 B, width_bits: 16");
  SimulationReport r = simulate_cycle(w, worded, preset_mapping("os", w, worded));
  CHECK(r.levels[2].read_accesses == 2 * macs + 2 * macs);
  CHECK(r.levels[2].write_accesses == 2 * macs + 2 * macs);
  CHECK(r.levels[2].read_bytes == macs * (1 + 1 + 4));
  CHECK(*r.levels[2].energy_pj == Approx(4 * macs * (0.653431 + 0.56957)));
  CHECK(r.levels[2].peak_occupancy_bytes == 4);
  // Without a width every value is one access of its own width: energy linear in the bits.
  const ArchSpec free_width = with_regfile(4, 4, "mac_int8", "capacity: 64 B");
  SimulationReport f = simulate_cycle(w, free_width, preset_mapping("os", w, free_width));
  CHECK(f.levels[2].read_accesses == 3 * macs);
  // An energy per bit on the level replaces the table: x the bits of every access.
  const ArchSpec per_bit = with_regfile(4, 4, "mac_int8", "capacity: 64 B, width_bits: 16, energy_per_bit_pj: 0.01");
  SimulationReport p = simulate_cycle(w, per_bit, preset_mapping("os", w, per_bit));
  CHECK(*p.levels[2].energy_pj == Approx(0.01 * 16 * (4 * macs + 4 * macs)));
  CHECK(*f.levels[2].energy_pj ==
        Approx(2 * macs * (0.653431 + 0.56957) * 8 / 16 + macs * (0.653431 + 0.56957) * 32 / 16));
}

TEST_CASE("a register file too small for the dataflow stops the simulation", "[sim][cycle][regfile]") {
  const EinsumCascade w = gemm(16, 16, 16);
  // 2 B per PE: an int8 weight fits (ws), an int32 accumulator does not (os).
  const ArchSpec a = with_regfile(4, 4, "mac_int8", "capacity: 2 B");
  CHECK(simulate_cycle(w, a, preset_mapping("ws", w, a)).levels[2].peak_occupancy_bytes == 1);
  CHECK_THROWS_AS(simulate_cycle(w, a, preset_mapping("os", w, a)), SpecError);
  CHECK_THROWS_WITH(simulate_cycle(w, a, preset_mapping("os", w, a)),
                    Catch::Contains("rf_systolic.yaml:8:") && Catch::Contains("architecture.storage[2].capacity") &&
                        Catch::Contains("register file 'RF' holds 2 B per PE"));
}

TEST_CASE("a half-duplex DRAM shares one channel between reads and writes", "[sim][cycle][duplex]") {
  // os, M = K = N = 64 on 8 x 8 at 1 byte per cycle: 64 folds of 8 + 8 + 64 - 2 = 78 cycles, fold i
  // row fold i % 8 of column fold i / 8. A and B fit their partitions, so row fold r of column fold
  // 0 loads the 8 x 64 = 512 bytes of A's row block r, and row fold 0 of column fold c the 512 bytes
  // of B's column block c; every fold writes its 8 x 8 x 4 = 256 bytes of int32 outputs: B = 512,
  // W = 256, F = 78 cycles.
  const uint64_t n = 64, B = 512, W = 256, F = 78;
  const EinsumCascade w = gemm(64, 64, 64);
  const ArchSpec full = systolic_duplex(8, 8, "1 GB/s", "full");
  const ArchSpec half = systolic_duplex(8, 8, "1 GB/s", "half");
  SimulationReport rf = simulate_cycle(w, full, preset_mapping("os", w, full));
  SimulationReport rh = simulate_cycle(w, half, preset_mapping("os", w, half));
  // Full duplex: the read channel loads folds 0-7 (2 B, then B each) and fold 8 (B) back to back,
  // and fold 8 ends F after its load. Fold k < 8 ends B apart from the next, so its write ends
  // (F + W after its load, W < B) before the next begins. From fold 8 on a column fold's load and
  // eight folds take at most B + 8 F = 1136 cycles, its writes 8 W = 2048: the 56 writes queue.
  CHECK(rf.cycles == 10 * B + F + (n - 8) * W);
  // Half duplex: reads and writes alternate on one channel that is never idle, and the last
  // write follows the last fold at once (F <= W): all bytes at one byte per cycle.
  CHECK(rh.cycles == 16 * B + n * W);
  CHECK(rh.cycles == rh.dram_read_bytes + rh.dram_write_bytes);
  CHECK(rh.cycles >= rf.cycles);
  CHECK(rh.dram_read_bytes == rf.dram_read_bytes);
  CHECK(rh.dram_write_bytes == rf.dram_write_bytes);
  // Any DRAM-bound GEMM: sharing the channel never helps, and is bounded below by all bytes.
  for (const char* df : {"ws", "os", "is"}) {
    const EinsumCascade g = gemm(96, 80, 72);
    SimulationReport a = simulate_cycle(g, full, preset_mapping(df, g, full));
    SimulationReport b = simulate_cycle(g, half, preset_mapping(df, g, half));
    INFO(df << ": full " << a.cycles << ", half " << b.cycles);
    CHECK(b.cycles >= a.cycles);
    CHECK(b.cycles >= b.dram_read_bytes + b.dram_write_bytes);
    CHECK(b.arrays[0].busy_cycles == a.arrays[0].busy_cycles);
  }
}

TEST_CASE("half-duplex extrapolation gives the cycles of a full simulation", "[sim][cycle][duplex]") {
  auto wdoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_fusemax.yaml");
  for (const char* s : {"ranks.B=2", "ranks.H=3", "ranks.M=4096"}) wdoc.apply_override(s);
  EinsumCascade w = load_workload(wdoc);
  auto adoc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml");
  adoc.apply_override("storage.DRAM.duplex=half");
  adoc.apply_override("storage.DRAM.bandwidth=100 GB/s");
  ArchSpec a = load_architecture(adoc);
  Mapping m = preset_mapping("fusemax", w, a);
  SimulationReport fast = simulate_cycle(w, a, m, {true});
  SimulationReport full = simulate_cycle(w, a, m, {false});
  test::check_same_simulation(fast, full);
  // And never faster than two channels.
  adoc.apply_override("storage.DRAM.duplex=full");
  ArchSpec two = load_architecture(adoc);
  CHECK(simulate_cycle(w, two, preset_mapping("fusemax", w, two)).cycles <= fast.cycles);
}

TEST_CASE("FLAT's spilled intermediates are written to DRAM once and read back once", "[sim][cycle][flat]") {
  // 2 x 3 heads, 512 queries, 8K keys on flat_cloud with a 2 MiB buffer: K and V of all keys,
  // double-buffered, need 4 MiB, so FLAT spills, with tiles of t = 256 queries x k = 256 keys.
  const uint64_t B = 2, H = 3, P = 512, M = 8192, E = 64, F = 64, t = 256, fp16 = 2;
  EinsumCascade w = three_pass_attention(B, H, P, M);
  ArchSpec a = library_arch("flat_cloud", {"storage.GB.capacity=2MiB"});
  Mapping m = preset_mapping("flat", w, a);
  REQUIRE(m.groups.size() == 3);
  SimulationReport r = simulate_cycle(w, a, m);
  // The scores QK and the exponentials SN: B x H x P x M values each, written by their pass and
  // read back by the next; the max GM and the sum SD: B x H x P values each.
  const uint64_t scores = B * H * P * M * fp16, per_query = B * H * P * fp16;
  REQUIRE(r.spills.size() == 4);
  for (const char* name : {"QK", "SN"}) {
    INFO(name);
    const SpillReport* s = spill_of(r, name);
    REQUIRE(s);
    CHECK(s->written_bytes == scores);
    CHECK(s->read_bytes == scores);
    REQUIRE(s->to_groups.size() == 1);
  }
  for (const char* name : {"GM", "SD"}) {
    INFO(name);
    const SpillReport* s = spill_of(r, name);
    REQUIRE(s);
    CHECK(s->written_bytes == per_query);
    CHECK(s->read_bytes == per_query);
  }
  CHECK(spill_of(r, "QK")->from_group == "attention_pass1");
  CHECK(spill_of(r, "QK")->to_groups[0] == "attention_pass2");
  CHECK(spill_of(r, "SN")->to_groups[0] == "attention_pass3");
  // DRAM traffic includes the spill: besides it, Q is read once per query tile, K (pass 1) and V
  // (pass 3) once per query tile, and AV written once.
  const uint64_t q = B * H * E * P * fp16, k = (P / t) * B * H * E * M * fp16, v = (P / t) * B * H * F * M * fp16;
  CHECK(r.dram_read_bytes == 2 * scores + 2 * per_query + q + k + v);
  CHECK(r.dram_write_bytes == 2 * scores + 2 * per_query + B * H * F * P * fp16);
  CHECK(r.levels[0].read_bytes == r.dram_read_bytes);
  // The report says FLAT spilled, what and how much.
  CHECK(has_note(r, "FLAT spills to DRAM"));
  CHECK(has_note(r, fmt::format("QK goes through DRAM from group 'attention_pass1' to 'attention_pass2': {} written",
                                format_bytes(static_cast<double>(scores)))));
  CHECK(has_note(r, "intermediates through DRAM in all"));
}

TEST_CASE("FLAT with spilling takes its busiest array's cycles when DRAM never limits", "[sim][cycle][flat]") {
  // One head, 256 queries, 64K keys on flat_cloud with unlimited DRAM: 256 steps per pass of a
  // 256 x 256 tile. The 1D array (256 lanes, one per key of the tile) does, per step:
  // pass 1 GM, a max over the tile's keys: 256 cycles; pass 2 SN = exp(QK - GM), a sub and an
  // exp on flat_cloud's dedicated exp unit (exp_unit: dedicated, one a cycle): 2 x 256, and SD, a
  // sum: 256; pass 3 A, a division: 256. The 2D array's QK and AV (E = F = 64 cycles a tile)
  // overlap with it, but for pass 1's first QK and pass 3's last AV.
  const uint64_t steps = 65536 / 256;
  EinsumCascade w = three_pass_attention(1, 1, 256, 65536);
  ArchSpec a = library_arch("flat_cloud", {"storage.DRAM.bandwidth=unlimited", "storage.DRAM.latency_cycles=0"});
  SimulationReport r = simulate_cycle(w, a, preset_mapping("flat", w, a));
  REQUIRE(r.groups.size() == 3);
  CHECK(r.groups[0].cycles == 64 + steps * 256);
  CHECK(r.groups[1].cycles == steps * (2 * 256 + 256));
  CHECK(r.groups[2].cycles == steps * 256 + 64);
  CHECK(r.cycles == steps * (256 + 3 * 256 + 256) + 2 * 64);
  CHECK(r.arrays[1].busy_cycles == steps * 5 * 256);
  CHECK(r.arrays[0].busy_cycles == 2 * steps * 64);
}

TEST_CASE("FLAT's cycles grow at least linearly with the keys once it spills", "[sim][cycle][flat]") {
  // One head of 256 queries on flat_cloud from 64K keys: every key tile adds the same work and
  // the same spilled bytes, so each doubling of M adds at least twice what the previous one did,
  // and the cycles stay above the 1D array's work, (M / 256) steps of 5 x 256 cycles.
  ArchSpec a = library_arch("flat_cloud");
  std::vector<uint64_t> cycles;
  for (uint64_t m : {65536u, 131072u, 262144u, 524288u}) {
    EinsumCascade w = three_pass_attention(1, 1, 256, static_cast<int64_t>(m));
    SimulationReport r = simulate_cycle(w, a, preset_mapping("flat", w, a));
    REQUIRE(r.groups.size() == 3);
    INFO("M = " << m << ": " << r.cycles << " cycles");
    CHECK(r.cycles >= (m / 256) * 5 * 256);
    CHECK(spill_of(r, "QK")->written_bytes == 256 * m * 2);
    cycles.push_back(r.cycles);
  }
  for (size_t i = 1; i < cycles.size(); ++i) CHECK(cycles[i] >= 2 * cycles[i - 1] - cycles[0] / 64);
  for (size_t i = 2; i < cycles.size(); ++i) CHECK(cycles[i] - cycles[i - 1] >= 2 * (cycles[i - 1] - cycles[i - 2]));
}

TEST_CASE("a producer runs at most its slots ahead of a reader on another array", "[sim][cycle][flat]") {
  // FLAT on the 1-pass cascade at 64K keys streams key tiles in one group: QK on the 2D array
  // (64 cycles a tile) feeds the softmax on the 1D array (thousands): the 2D array may not run
  // ahead of it by more than the group's 2 slots, so the buffer holds a few tiles, not all.
  auto doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/attention_fusemax.yaml");
  for (const char* s : {"ranks.B=1", "ranks.H=1", "ranks.P=256", "ranks.M=65536"}) doc.apply_override(s);
  EinsumCascade w = load_workload(doc);
  ArchSpec a = library_arch("flat_cloud");
  SimulationReport r = simulate_cycle(w, a, preset_mapping("flat", w, a));
  REQUIRE(r.groups.size() == 1);
  CHECK(r.spills.empty());
  // A QK tile is 256 x 256 fp16 values (128 KiB); K and V tiles 32 KiB each.
  CHECK(r.levels[1].peak_occupancy_bytes < 16 * 128 * 1024);
}

TEST_CASE("a reduction over a looped rank accumulates its output and writes it once", "[sim][cycle]") {
  // S[p] sums A over m, looped in tiles of 64; T[p] = S[p] x S[p] reads the finished sums at the
  // end of each query tile, in the same group: only T leaves it.
  auto wdoc = YamlDocument::load_string(R"(workload:
  name: reduce
  ranks: {P: 512, M: 1024}
  format: fp16
  tensors:
    A: {ranks: [M, P]}
  einsums:
    - S[p] = A[m,p]
    - T[p] = S[p] * S[p]
)", "reduce.yaml");
  EinsumCascade w = load_workload(wdoc);
  ArchSpec a = library_arch("flat_cloud", {"storage.DRAM.bandwidth=unlimited", "storage.DRAM.latency_cycles=0"});
  auto mdoc = YamlDocument::load_string(R"(mapping:
  groups:
    - name: reduce
      loops: [{rank: P, tile: 256}, {rank: M, tile: 64}]
      place:
        S: {array: pe1d, lanes: P}
        T: {array: pe1d, lanes: P}
)", "reduce_map.yaml");
  SimulationReport r = simulate_cycle(w, a, load_mapping(mdoc, w, a));
  // 2 query tiles x 16 key tiles; S: 64 keys of 256 lanes, one add each: 64 cycles a step;
  // T: 1 cycle per query tile.
  CHECK(r.cycles == 2 * 16 * 64 + 2 * 1);
  CHECK(r.dram_read_bytes == 512u * 1024u * 2u);
  CHECK(r.dram_write_bytes == 512u * 2u);
  CHECK(r.spills.empty());
  // S's tile (256 sums) is held across the key tiles, beside the two A tiles in flight.
  CHECK(r.levels[1].peak_occupancy_bytes >= 256u * 2u);
  CHECK(r.levels[1].peak_occupancy_bytes <= 2u * 64u * 256u * 2u + 2u * 256u * 2u * 2u);
}

TEST_CASE("a buffer's ports bound the tiles that cross them", "[sim][cycle][buffer]") {
  // Z = A + B over 1024 fp16 elements in 4 tiles of 256 on 256 lanes: 1 cycle a tile of compute.
  // Through a buffer of one 64-bit bank (8 B per cycle per port), a tile reads A and B (2 x 512 B:
  // 128 cycles on the one read port) and writes Z (512 B: 64 cycles on the write port): 128.
  const EinsumCascade w = load_workload(YamlDocument::load_string(R"(workload:
  name: add
  ranks: {M: 1024}
  format: fp16
  tensors: {A: {ranks: [M]}, B: {ranks: [M]}}
  einsums: [ "Z[m] = A[m] + B[m]" ]
)", "add.yaml"));
  auto arch = [](const char* gb) { return test::lanes_256(gb); };
  const char* mapping = R"(mapping:
  name: tiles
  groups:
    - name: add
      loops: [{rank: M, tile: 256}]
      place: {Z: {array: pe1d, lanes: M}}
)";
  const ArchSpec narrow = arch("banks: 1, width_bits: 64");
  const SimulationReport r = simulate_cycle(w, narrow, load_mapping(YamlDocument::load_string(mapping, "m.yaml"), w, narrow));
  CHECK(r.arrays[0].busy_cycles == 4 * 128);
  CHECK(r.cycles == 4 * 128);
  // Two read ports halve the reads: 64 cycles, as long as the write.
  const ArchSpec two = arch("banks: 1, width_bits: 64, read_ports: 2");
  CHECK(simulate_cycle(w, two, load_mapping(YamlDocument::load_string(mapping, "m.yaml"), w, two)).cycles == 4 * 64);
  // A buffer without a width or bandwidth never limits: one cycle a tile.
  const ArchSpec free = arch("banks: 1");
  CHECK(simulate_cycle(w, free, load_mapping(YamlDocument::load_string(mapping, "m.yaml"), w, free)).cycles == 4);
}

TEST_CASE("each Einsum's busy cycles and energy add up to its array's", "[sim][cycle][einsums]") {
  // One head, one 256-query tile, 1024 keys in 4 tiles of 256 (E = F = 64) on fusemax_cloud:
  // per key tile QK takes E = 64 cycles, SLN sub + 6-term exp = 7, SPNV and RNV F = 64; AV, 64
  // divisions per lane, runs once at the end.
  EinsumCascade w = library_workload("attention_fusemax.yaml", {"ranks.B=1", "ranks.H=1", "ranks.P=256", "ranks.M=1024"});
  ArchSpec a = library_architecture("fusemax_cloud.yaml");
  SimulationReport r = simulate_cycle(w, a, preset_mapping("fusemax", w, a));
  REQUIRE(r.einsums.size() == w.einsums.size());
  std::map<std::string, const EinsumReport*> by;
  for (const auto& e : r.einsums) by[e.name] = &e;
  CHECK(by.at("QK")->array == "pe2d");
  CHECK(by.at("QK")->tiles == 4);
  CHECK(by.at("QK")->busy_cycles == 4 * 64);
  CHECK(by.at("SLN")->busy_cycles == 4 * 7);
  CHECK(by.at("RNV")->array == "pe1d");
  CHECK(by.at("RNV")->busy_cycles == 4 * 64);
  CHECK(by.at("AV")->tiles == 1);
  CHECK(by.at("AV")->busy_cycles == 64);
  CHECK(by.at("QK")->actions[PeAction::mac] == 64u * 1024u * 256u);
  for (const auto& ar : r.arrays) {
    uint64_t busy = 0;
    double energy = 0;
    for (const auto& e : r.einsums) {
      if (e.array != ar.name) continue;
      busy += e.busy_cycles;
      REQUIRE(e.energy_pj);
      energy += *e.energy_pj;
    }
    INFO(ar.name);
    CHECK(busy == ar.busy_cycles);
    REQUIRE(ar.energy_pj);
    CHECK(energy == Approx(*ar.energy_pj));
  }
}

TEST_CASE("an SRAM's energy_per_bit_pj replaces the table's energy per access", "[sim][cycle][energy]") {
  // 0.5 pJ per bit moved: the global buffer's energy is (reads + writes) bytes x 8 x 0.5 pJ.
  std::ifstream in(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = "      capacity: 16 MiB\n";
  REQUIRE(text.find(key) != std::string::npos);
  text.replace(text.find(key), key.size(), key + "      energy_per_bit_pj: 0.5\n");
  const ArchSpec a = load_architecture(YamlDocument::load_string(text, "fusemax_cloud.yaml"));
  const EinsumCascade w =
      library_workload("attention_fusemax.yaml", {"ranks.B=1", "ranks.H=1", "ranks.P=256", "ranks.M=1024"});
  const SimulationReport r = simulate_cycle(w, a, preset_mapping("fusemax", w, a));
  const LevelReport& gb = r.levels[1];
  REQUIRE(gb.name == "GB");
  REQUIRE(gb.energy_pj);
  CHECK(*gb.energy_pj == Approx(static_cast<double>(gb.read_bytes + gb.write_bytes) * 8 * 0.5));
  // Without it the table's SRAM model gives another figure.
  const ArchSpec t = library_architecture("fusemax_cloud.yaml");
  CHECK(*simulate_cycle(w, t, preset_mapping("fusemax", w, t)).levels[1].energy_pj != Approx(*gb.energy_pj));
}

TEST_CASE("exp on a vector lane costs what its exp unit does", "[sim][cycle][energy]") {
  // Z = exp(A) over 256 fp16 values on 256 lanes: 256 exp actions. With exp_unit: dedicated each
  // costs the table's exp energy; with taylor (the default) the 6-term series on the lane's
  // multiplier and adder, 6 x (mul + add), as the timing charges 6 cycles for it.
  const EinsumCascade w = load_workload(YamlDocument::load_string(R"Y(workload:
  name: exp
  ranks: {M: 256}
  format: fp16
  tensors: {A: {ranks: [M]}}
  einsums: [ "Z[m] = exp(A[m])" ]
)Y", "exp.yaml"));
  auto arch = [](const char* unit) { return test::lanes_256("", fmt::format("exp_unit: {}", unit)); };
  const PeCost lane = resolve_technology("horowitz45", 45, "").pe_cost(*parse_pe_kind("vector_fp16"));
  const ArchSpec taylor = arch("taylor"), dedicated = arch("dedicated");
  auto map = [&](const ArchSpec& a) {
    return load_mapping(YamlDocument::load_string(
                            "mapping:\n  groups:\n    - {name: exp, place: {Z: {array: pe1d, lanes: M}}}\n", "m.yaml"),
                        w, a);
  };
  const SimulationReport rt = simulate_cycle(w, taylor, map(taylor));
  const SimulationReport rd = simulate_cycle(w, dedicated, map(dedicated));
  REQUIRE(rt.arrays[0].energy_pj);
  REQUIRE(rd.arrays[0].energy_pj);
  CHECK(*rt.arrays[0].energy_pj ==
        Approx(256 * 6 * (lane.energy_pj.at(PeAction::mul) + lane.energy_pj.at(PeAction::add))));
  CHECK(*rd.arrays[0].energy_pj == Approx(256 * lane.energy_pj.at(PeAction::exp)));
  CHECK(rt.arrays[0].busy_cycles == 6);
  CHECK(rd.arrays[0].busy_cycles == 1);
}
