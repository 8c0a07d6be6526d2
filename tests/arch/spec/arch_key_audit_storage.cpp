// The audit of the keys of storage levels (DRAM, SRAM and its partitions, register file).
// Each check perturbs one key of a bundled architecture and states the direction (or the
// hand-computed value) of what a user sees.
#include <catch2/catch.hpp>

#include "tests/arch/spec/arch_key_audit.hpp"

namespace einsim::audit {
namespace {

SimulationReport gemm(const ArchSpec& a, int64_t m, int64_t k, int64_t n, const char* dataflow = "ws") {
  return run(a, "gemm.yaml",
             {"ranks.M=" + std::to_string(m), "ranks.K=" + std::to_string(k), "ranks.N=" + std::to_string(n)},
             dataflow);
}
SimulationReport gemm256(const ArchSpec& a) { return gemm(a, 256, 256, 256); }
const std::vector<std::string> kAttention = {"ranks.B=1", "ranks.H=1", "ranks.P=256", "ranks.M=256"};
SimulationReport attention(const ArchSpec& a) { return run(a, "attention_fusemax.yaml", kAttention, "fusemax"); }
ArchSpec sys(const std::vector<std::string>& sets = {}) { return arch("systolic.yaml", sets); }
ArchSpec fm(const std::vector<std::string>& sets = {}) { return arch("fusemax_cloud.yaml", sets); }

// systolic.yaml's DRAM moves 34 GB/s at 700 MHz: 48.6 B per cycle.
constexpr double kSysClock = 700e6;

// ------------------------------------------------------------ structural keys of every level

// A level renamed: the report names it so, and its results are those of the unchanged file.
void renamed_level(const ArchSpec& base_arch, const ArchSpec& renamed_arch, size_t index, const std::string& name,
                   SimulationReport (*eval)(const ArchSpec&)) {
  const SimulationReport base = eval(base_arch), renamed = eval(renamed_arch);
  CHECK(renamed.levels.at(index).name == name);
  CHECK(renamed.cycles == base.cycles);
  CHECK(renamed.levels.at(index).read_bytes == base.levels.at(index).read_bytes);
  CHECK(*renamed.energy_pj == Approx(*base.energy_pj));
}
void dram_name() { renamed_level(sys(), sys({"storage.DRAM.name=HBM"}), 0, "HBM", gemm256); }
void sram_name() { renamed_level(sys(), sys({"storage.SRAM.name=SPAD"}), 1, "SPAD", gemm256); }
void rf_name() { renamed_level(fm(), fm({"storage.RF.name=REGS"}), 2, "REGS", attention); }

void level_kind() {
  // Chooses the level's role and the keys it accepts, each audited per kind. eyeriss_like's levels
  // use keys both kinds accept (with the one the other kind needs added), so their kinds can be
  // swapped: a first level that is not the DRAM, or a DRAM elsewhere, is an error. On
  // systolic.yaml the swapped kind rejects the level's keys.
  CHECK_THAT(load_error("eyeriss_like.yaml", {"storage.DRAM.kind=sram", "storage.DRAM.capacity=1 MiB"}),
             Catch::Contains("must be the DRAM"));
  CHECK_THAT(load_error("eyeriss_like.yaml", {"storage.GB.kind=dram", "storage.GB.bandwidth=1 GB/s"}),
             Catch::Contains("only the first"));
  CHECK_THAT(load_error("systolic.yaml", {"storage.DRAM.kind=sram"}),
             Catch::Contains("storage[0].duplex") && Catch::Contains("unknown key"));
}

void rf_kind() {
  // kind: sram makes fusemax_cloud's RF one 64 B buffer the chip shares instead of one per PE.
  const SimulationReport r = attention(fm({"storage.RF.kind=sram"}));
  CHECK(level(r, "RF").kind == "sram");
  CHECK(level(r, "RF").instances == 0);
}

// ------------------------------------------------------------ DRAM

void dram_capacity() {
  // The 256^3 GEMM keeps A and B (256 x 256 fp16: 128 KiB each) and Z (256 x 256 fp32: 256 KiB)
  // in DRAM: 512 KiB. Exactly that fits; a byte less is an error at the DRAM's capacity.
  CHECK(run_error(sys({"storage.DRAM.capacity=512 KiB"}), "gemm.yaml", {"ranks.M=256", "ranks.K=256", "ranks.N=256"},
                  "ws") == "");
  const std::string e = run_error(sys({"storage.DRAM.capacity=524287 B"}), "gemm.yaml",
                                  {"ranks.M=256", "ranks.K=256", "ranks.N=256"}, "ws");
  CHECK_THAT(e, Catch::Contains("storage[0].capacity") && Catch::Contains("524288 bytes"));
  // The description of the architecture names it.
  CHECK_THAT(describe_architecture(sys({"storage.DRAM.capacity=8 GiB"})), Catch::Contains("DRAM 34 GB/s 8 GiB"));
}

void dram_bandwidth() {
  // The 256^3 GEMM is DRAM-bound on systolic.yaml (its 640 KiB take ~13500 cycles at 48.6 B per
  // cycle, the one fold ~1000). Half the bandwidth: more cycles, at least the reads at 24.3 B per cycle.
  const SimulationReport full = gemm256(sys()), half = gemm256(sys({"storage.DRAM.bandwidth=17 GB/s"}));
  CHECK(half.cycles > full.cycles);
  CHECK(static_cast<double>(half.cycles) >= static_cast<double>(half.dram_read_bytes) / (17e9 / kSysClock));
}

void dram_width_bits() {
  // eyeriss_like's DRAM moves 64 bits per cycle; 32 bits halve its rate on a DRAM-bound GEMM.
  const SimulationReport w64 = gemm(arch("eyeriss_like.yaml"), 64, 64, 64);
  const SimulationReport w32 = gemm(arch("eyeriss_like.yaml", {"storage.DRAM.width_bits=32"}), 64, 64, 64);
  CHECK(w32.cycles > w64.cycles);
  CHECK(w32.cycles >= w32.dram_read_bytes / 4);
  // With a bandwidth too, no model would read width_bits: an error, not a silent flat line.
  CHECK_THAT(load_error("systolic.yaml", {"storage.DRAM.width_bits=512"}),
             Catch::Contains("storage[0].width_bits") && Catch::Contains("both bandwidth"));
}

void dram_latency_cycles() {
  // Every DRAM transfer's data arrives later; at least the first load is waited for.
  const SimulationReport base = gemm256(sys()), slow = gemm256(sys({"storage.DRAM.latency_cycles=1000"}));
  CHECK(slow.cycles >= base.cycles + 900);
}

void dram_duplex() {
  // Half duplex: the reads and the writes of the DRAM-bound GEMM share one channel, so the run
  // takes at least all its bytes at 48.6 B per cycle. With 4 folds (512^3) one fold's results are
  // written while the next fold's operands load: that overlap is lost, so more cycles than with a
  // channel each. (With one fold, 256^3, nothing overlaps and duplex cannot change the cycles.)
  const SimulationReport full = gemm(sys(), 512, 512, 512);
  const SimulationReport half = gemm(sys({"storage.DRAM.duplex=half"}), 512, 512, 512);
  CHECK(half.cycles > full.cycles);
  CHECK(static_cast<double>(half.cycles) >=
        static_cast<double>(half.dram_read_bytes + half.dram_write_bytes) / (34e9 / kSysClock));
}

void dram_energy_per_bit_pj() {
  // The DRAM's energy is the bits it moves times the given energy per bit.
  const SimulationReport r = gemm256(sys({"storage.DRAM.energy_per_bit_pj=2"}));
  CHECK(*level(r, "DRAM").energy_pj == Approx(2.0 * 8 * static_cast<double>(r.dram_read_bytes + r.dram_write_bytes)));
}

// ------------------------------------------------------------ SRAM (fusemax_cloud's GB, fused groups;
// systolic.yaml's SRAM, systolic groups)

void sram_capacity() {
  // Twice the global buffer: more SRAM area. Too small a buffer for the tiles is an error.
  const SimulationReport base = attention(fm()), big = attention(fm({"storage.GB.capacity=32 MiB"}));
  CHECK(*level(big, "GB").area_um2 > *level(base, "GB").area_um2);
  CHECK(*level(big, "GB").capacity_bytes == 32u << 20);
  CHECK_THAT(run_error(fm({"storage.GB.capacity=1 KiB"}), "attention_fusemax.yaml", kAttention, "fusemax"),
             Catch::Contains("too small"));
}

// The GB's rate: 32 banks x 2048 bits = 8 KiB per cycle, faster than any tile needs. A slower
// rate bounds the tiles through the ports: more cycles.
void slower_gb(const std::vector<std::string>& sets) {
  const SimulationReport base = attention(fm()), slow = attention(fm(sets));
  CHECK(slow.cycles > base.cycles);
}
void sram_bandwidth() { slower_gb({"storage.GB.bandwidth=94 GB/s"}); }  // 100 B per cycle at 940 MHz
void sram_width_bits() { slower_gb({"storage.GB.width_bits=64"}); }     // 256 B per cycle
void sram_banks() { slower_gb({"storage.GB.banks=1"}); }                // 256 B per cycle

// With one bank (256 B per cycle), QK's tile (64 KiB of Q and K read, 128 KiB of scores written)
// is bound by its ports: more write ports shorten it, and then more read ports do.
void sram_write_ports() {
  const SimulationReport one = attention(fm({"storage.GB.banks=1"}));
  const SimulationReport eight = attention(fm({"storage.GB.banks=1", "storage.GB.write_ports=8"}));
  CHECK(eight.cycles < one.cycles);
}
void sram_read_ports() {
  const SimulationReport one = attention(fm({"storage.GB.banks=1", "storage.GB.write_ports=8"}));
  const SimulationReport eight =
      attention(fm({"storage.GB.banks=1", "storage.GB.write_ports=8", "storage.GB.read_ports=8"}));
  CHECK(eight.cycles < one.cycles);
}

void sram_latency_cycles() {
  // Each fused tile's result is visible 50 cycles later: the run takes longer.
  const SimulationReport base = attention(fm()), slow = attention(fm({"storage.GB.latency_cycles=50"}));
  CHECK(slow.cycles > base.cycles);
}

void sram_double_buffered() {
  // A 512^3 GEMM has 4 folds; with one copy of a tile a fold's operands load only after the
  // previous fold ends, instead of during it: more cycles.
  const SimulationReport two = gemm(sys(), 512, 512, 512);
  const SimulationReport one = gemm(sys({"storage.SRAM.double_buffered=false"}), 512, 512, 512);
  CHECK(one.cycles > two.cycles);
}

void sram_partitions() {
  // The split itself: see the three partitions below; the level's capacity is their sum.
  const ArchSpec a = sys();
  CHECK(*a.storage.at(1).capacity_bytes == (6144 + 6144 + 2048) * 1024);
  const SimulationReport r = gemm256(a);
  CHECK(*level(r, "SRAM").capacity_bytes == (6144u + 6144u + 2048u) * 1024u);
}

void sram_energy_per_bit_pj() {
  // The SRAM's energy is the bits it moves times the given energy per bit.
  const SimulationReport r = gemm256(sys({"storage.SRAM.energy_per_bit_pj=0.5"}));
  const LevelReport& l = level(r, "SRAM");
  CHECK(*l.energy_pj == Approx(0.5 * 8 * static_cast<double>(l.read_bytes + l.write_bytes)));
}

// ------------------------------------------------------------ SRAM partitions (systolic groups)

void partition_inputs() {
  // ws, M = 128, K = 1024, N = 512 on 256 x 256: 2 column folds. A (128 x 1024 fp16, 256 KiB)
  // fits 6 MiB and is loaded once; in 192 KiB it is loaded again for each column fold: 256 KiB more.
  const SimulationReport fits = gemm(sys(), 128, 1024, 512);
  const SimulationReport small = gemm(sys({"storage.SRAM.partitions.inputs=192 KiB"}), 128, 1024, 512);
  CHECK(small.dram_read_bytes == fits.dram_read_bytes + 256 * 1024);
}

void partition_weights() {
  // is, M = 512, K = 1024, N = 128: 2 column folds (of M). B (1024 x 128 fp16, 256 KiB) fits
  // 6 MiB and is loaded once; in 192 KiB it is loaded for each column fold: 256 KiB more.
  const SimulationReport fits = gemm(sys(), 512, 1024, 128, "is");
  const SimulationReport small = gemm(sys({"storage.SRAM.partitions.weights=192 KiB"}), 512, 1024, 128, "is");
  CHECK(small.dram_read_bytes == fits.dram_read_bytes + 256 * 1024);
}

void partition_outputs() {
  // ws, M = 64, K = 512, N = 256: 2 row folds whose fp32 partial sums (64 x 256 x 4 B = 64 KiB)
  // must wait in the output buffer; in 32 KiB they go to DRAM and come back once: 64 KiB more
  // each way.
  const SimulationReport fits = gemm(sys(), 64, 512, 256);
  const SimulationReport small = gemm(sys({"storage.SRAM.partitions.outputs=32 KiB"}), 64, 512, 256);
  CHECK(small.dram_read_bytes == fits.dram_read_bytes + 64 * 1024);
  CHECK(small.dram_write_bytes == fits.dram_write_bytes + 64 * 1024);
}

// ------------------------------------------------------------ register file (fusemax_cloud's RF)

void rf_capacity() {
  // Twice the registers: more area per PE, times every PE. Too few for what a PE keeps: an error.
  const SimulationReport base = attention(fm()), big = attention(fm({"storage.RF.capacity=128 B"}));
  CHECK(*level(big, "RF").area_um2 > *level(base, "RF").area_um2);
  CHECK_THAT(run_error(fm({"storage.RF.capacity=1 B"}), "attention_fusemax.yaml", kAttention, "fusemax"),
             Catch::Contains("register file 'RF'"));
}

void rf_per_pe() {
  // Only true (the default) is accepted: a register file sits in every PE. false is an error.
  const SimulationReport base = attention(fm()), given = attention(fm({"storage.RF.per_pe=true"}));
  CHECK(given.cycles == base.cycles);
  CHECK(*given.energy_pj == Approx(*base.energy_pj));
  CHECK_THAT(load_error("fusemax_cloud.yaml", {"storage.RF.per_pe=false"}), Catch::Contains("per_pe: false"));
}

void rf_array() {
  // Bound to the 1D array only: 256 copies instead of 256 x 256 + 256, so less area.
  const SimulationReport both = attention(fm()), one = attention(fm({"storage.RF.array=pe1d"}));
  CHECK(level(both, "RF").instances == 256 * 256 + 256);
  CHECK(level(one, "RF").instances == 256);
  CHECK(*level(one, "RF").area_um2 < *level(both, "RF").area_um2);
}

void rf_width_bits() {
  // Every value in the RF is fp16 (mac_fp16_acc16 and vector_fp16): one 16-bit access each, two
  // 8-bit accesses each.
  const SimulationReport w16 = attention(fm()), w8 = attention(fm({"storage.RF.width_bits=8"}));
  REQUIRE(level(w16, "RF").read_accesses > 0);
  CHECK(level(w8, "RF").read_accesses == 2 * level(w16, "RF").read_accesses);
  CHECK(level(w8, "RF").write_accesses == 2 * level(w16, "RF").write_accesses);
}

void rf_energy_per_bit_pj() {
  // The energy is the accesses times their 16 bits times the given energy per bit.
  const SimulationReport r = attention(fm({"storage.RF.energy_per_bit_pj=0.25"}));
  const LevelReport& l = level(r, "RF");
  CHECK(*l.energy_pj == Approx(0.25 * 16 * static_cast<double>(l.read_accesses + l.write_accesses)));
}

}  // namespace

std::vector<KeyAudit> storage_audits() {
  using C = Coverage;
  using F = Finding;
  const auto out = C::changes_output;
  return {
      // storage.dram
      {"storage.dram", "name", C::structural, F::read, "names the level; identity", dram_name},
      {"storage.dram", "kind", C::structural, F::read, "selects the level's role and keys", level_kind},
      {"storage.dram", "capacity", out, F::unread_now_modelled,
       "the run's DRAM footprint must fit; the description (was read by nothing)", dram_capacity},
      {"storage.dram", "bandwidth", out, F::read, "DRAM transfer cycles", dram_bandwidth},
      {"storage.dram", "width_bits", out, F::unread_now_rejected,
       "rate without a bandwidth; was ignored with one, now an error", dram_width_bits},
      {"storage.dram", "latency_cycles", out, F::read, "DRAM transfer latency", dram_latency_cycles},
      {"storage.dram", "duplex", out, F::read, "reads and writes share one channel or not", dram_duplex},
      {"storage.dram", "energy_per_bit_pj", out, F::read, "DRAM energy", dram_energy_per_bit_pj},
      // storage.sram
      {"storage.sram", "name", C::structural, F::read, "names the level; identity", sram_name},
      {"storage.sram", "kind", C::structural, F::read, "selects the level's role and keys", level_kind},
      {"storage.sram", "capacity", out, F::read, "capacity check, SRAM area", sram_capacity},
      {"storage.sram", "bandwidth", out, F::read, "the fused tiles' port bound", sram_bandwidth},
      {"storage.sram", "width_bits", out, F::read, "port rate, energy per access, area", sram_width_bits},
      {"storage.sram", "banks", out, F::read, "port rate, area", sram_banks},
      {"storage.sram", "read_ports", out, F::read, "the fused tiles' port bound", sram_read_ports},
      {"storage.sram", "write_ports", out, F::read, "the fused tiles' port bound", sram_write_ports},
      {"storage.sram", "latency_cycles", out, F::read, "tile and fold results later", sram_latency_cycles},
      {"storage.sram", "double_buffered", out, F::read, "loads overlap compute or not", sram_double_buffered},
      {"storage.sram", "partitions", out, F::read, "per-operand buffers of systolic groups", sram_partitions},
      {"storage.sram", "energy_per_bit_pj", out, F::read, "SRAM energy", sram_energy_per_bit_pj},
      // storage.sram.partitions
      {"storage.sram.partitions", "weights", out, F::read, "weights reloaded when they do not fit", partition_weights},
      {"storage.sram.partitions", "inputs", out, F::read, "inputs reloaded when they do not fit", partition_inputs},
      {"storage.sram.partitions", "outputs", out, F::read, "partial sums spilled when they do not fit",
       partition_outputs},
      // storage.regfile
      {"storage.regfile", "name", C::structural, F::read, "names the level; identity", rf_name},
      {"storage.regfile", "kind", C::structural, F::read, "selects the level's role and keys", rf_kind},
      {"storage.regfile", "capacity", out, F::read, "capacity check, area", rf_capacity},
      {"storage.regfile", "per_pe", C::structural, F::read, "only true (the default) is accepted", rf_per_pe},
      {"storage.regfile", "array", out, F::read, "the PEs holding a copy: area, energy", rf_array},
      {"storage.regfile", "width_bits", out, F::read, "accesses per value", rf_width_bits},
      {"storage.regfile", "energy_per_bit_pj", out, F::read, "register-file energy", rf_energy_per_bit_pj},
  };
}

}  // namespace einsim::audit
