// The audit of the keys of `architecture:`, `technology:`, `arrays:` and `noc:` (storage levels:
// arch_key_audit_storage.cpp). Each check perturbs one key of a bundled architecture and states
// the direction (or the hand-computed value) of what a user sees.
#include <catch2/catch.hpp>

#include "arch/spec/arch_keys.hpp"
#include "tests/arch/spec/arch_key_audit.hpp"

namespace einsim::audit {
namespace {

// A 256 x 256 x 256 GEMM (fp16 A and B, fp32 Z) on systolic.yaml, weight stationary.
const std::vector<std::string> kGemm256 = {"ranks.M=256", "ranks.K=256", "ranks.N=256"};
SimulationReport gemm(const ArchSpec& a, const std::vector<std::string>& w = kGemm256) {
  return run(a, "gemm.yaml", w, "ws");
}
// One head of FuseMax's 1-pass attention, one query tile and one key tile of 256, on fusemax_cloud.yaml.
const std::vector<std::string> kAttention = {"ranks.B=1", "ranks.H=1", "ranks.P=256", "ranks.M=256"};
SimulationReport attention(const ArchSpec& a) { return run(a, "attention_fusemax.yaml", kAttention, "fusemax"); }

void same_results(const SimulationReport& a, const SimulationReport& b) {
  CHECK(a.cycles == b.cycles);
  CHECK(a.dram_read_bytes == b.dram_read_bytes);
  CHECK(a.dram_write_bytes == b.dram_write_bytes);
  REQUIRE(a.energy_pj);
  REQUIRE(b.energy_pj);
  CHECK(*a.energy_pj == Approx(*b.energy_pj));
  CHECK(a.area_um2 == b.area_um2);
}

// ------------------------------------------------------------ architecture:

void top_name() {
  // Names the report and the --set paths; the results are those of the unchanged file.
  const SimulationReport base = gemm(arch("systolic.yaml")), renamed = gemm(arch("systolic.yaml", {"name=tpu_like"}));
  CHECK(renamed.architecture == "tpu_like");
  same_results(base, renamed);
}

void top_description() {
  // Free text for the reader: no model reads it, the report is unchanged.
  const ArchSpec a = arch("systolic.yaml"), b = arch("systolic.yaml", {"description=another text"});
  CHECK(describe_architecture(a) == describe_architecture(b));
  same_results(gemm(a), gemm(b));
}

void required_section(const char* key) {
  // A required section: without it the architecture is an error; its keys are audited one by one.
  CHECK_THAT(load_error("systolic.yaml", {std::string(key) + "=~"}), Catch::Contains(key));
}
void top_technology() { required_section("technology"); }
void top_storage() { required_section("storage"); }
void top_arrays() { required_section("arrays"); }

void top_clock() {
  // With an unlimited DRAM nothing but the arrays sets the cycles, which the clock does not
  // change: half the clock, the same cycles, twice the seconds (seconds = cycles / clock).
  const SimulationReport fast = gemm(arch("systolic.yaml", {"storage.DRAM.bandwidth=unlimited"}));
  const ArchSpec half = arch("systolic.yaml", {"storage.DRAM.bandwidth=unlimited", "clock=350 MHz"});
  const SimulationReport slow = gemm(half);
  CHECK(slow.cycles == fast.cycles);
  CHECK(slow.seconds == Approx(2 * fast.seconds));
  CHECK_THAT(describe_architecture(half), Catch::Contains("350 MHz"));
}

void top_noc() {
  // Optional section: without it the NoC takes its defaults (multicast, no spatial reduction).
  const SimulationReport none = attention(arch("fusemax_cloud.yaml", {"noc=~"}));
  const SimulationReport defaults =
      attention(arch("fusemax_cloud.yaml", {"noc.multicast=true", "noc.spatial_reduction=false"}));
  same_results(none, defaults);
}

// ------------------------------------------------------------ technology:

void tech_table() {
  // Another table prices the same actions differently: the energy and the named technology change.
  const SimulationReport h = gemm(arch("eyeriss_like.yaml")),
                         f = gemm(arch("eyeriss_like.yaml", {"technology.table=fusemax45"}));
  CHECK_THAT(h.technology, Catch::StartsWith("horowitz45"));
  CHECK_THAT(f.technology, Catch::StartsWith("fusemax45"));
  REQUIRE(h.energy_pj);
  REQUIRE(f.energy_pj);
  CHECK(*h.energy_pj != Approx(*f.energy_pj));
}

void tech_node_nm() {
  // systolic.yaml scales horowitz45 to 28 nm; at 45 nm (the table's own node) every action and
  // every square micron costs more: energy and area grow, the cycles do not change.
  const SimulationReport n28 = gemm(arch("systolic.yaml")),
                         n45 = gemm(arch("systolic.yaml", {"technology.node_nm=45"}));
  CHECK(n45.cycles == n28.cycles);
  CHECK(*n45.energy_pj > *n28.energy_pj);
  CHECK(*n45.area_um2 > *n28.area_um2);
}

void tech_clock_ghz() {
  // The clock given here instead of clock: 0.7 GHz is the file's 700 MHz (the same report);
  // 0.35 GHz doubles the seconds of the compute-bound run (unlimited DRAM), as clock: does.
  const std::string unlimited = "storage.DRAM.bandwidth=unlimited";
  const SimulationReport base = gemm(arch("systolic.yaml", {unlimited}));
  const SimulationReport same = gemm(arch("systolic.yaml", {unlimited, "clock=~", "technology.clock_ghz=0.7"}));
  const SimulationReport half = gemm(arch("systolic.yaml", {unlimited, "clock=~", "technology.clock_ghz=0.35"}));
  same_results(base, same);
  CHECK(same.seconds == Approx(base.seconds));
  CHECK(half.cycles == base.cycles);
  CHECK(half.seconds == Approx(2 * base.seconds));
}

void tech_fallback() {
  // mixpe28 costs MixPE's PEs only; horowitz45 (the fallback) the SRAM's and DRAM's energy (not the
  // SRAM's area, so the costs are incomplete either way). Without the fallback the SRAM and DRAM
  // go uncosted: less energy, and the notes say so.
  const std::vector<std::string> w = {"ranks.M=64", "ranks.N=64"};
  const SimulationReport with = run(arch("mixpe.yaml"), "gemm_groupwise_quant.yaml", w, "os");
  const SimulationReport without =
      run(arch("mixpe.yaml", {"technology.fallback=~"}), "gemm_groupwise_quant.yaml", w, "os");
  CHECK_THAT(with.technology, Catch::Contains("horowitz45 for the rest"));
  CHECK_FALSE(without.costs_complete);
  CHECK(*without.energy_pj < *with.energy_pj);
  CHECK_FALSE(level(with, "DRAM").energy_pj == std::nullopt);
  CHECK(level(without, "DRAM").energy_pj == std::nullopt);
  CHECK(without.cycles == with.cycles);
}

// ------------------------------------------------------------ arrays:

void array_name() {
  // Names the array in the report and in mappings; the results are unchanged.
  const SimulationReport base = gemm(arch("systolic.yaml"));
  const SimulationReport renamed = gemm(arch("systolic.yaml", {}, {{"name: pe2d", "name: mxu"}}));
  CHECK(renamed.arrays.at(0).name == "mxu");
  same_results(base, renamed);
}

// Halving one dimension of systolic.yaml's 256 x 256 array: half the PEs (half the array's area,
// the PE's area times the PEs) and, on the compute-bound 256^3 GEMM (unlimited DRAM), two folds
// instead of one: more cycles.
void halved_systolic(const std::vector<std::string>& sets,
                     const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  const std::string unlimited = "storage.DRAM.bandwidth=unlimited";
  const SimulationReport full = gemm(arch("systolic.yaml", {unlimited}));
  std::vector<std::string> s = sets;
  s.push_back(unlimited);
  const SimulationReport half = gemm(arch("systolic.yaml", s, edits));
  CHECK(half.arrays.at(0).pes == 128 * 256);
  CHECK(*half.arrays.at(0).area_um2 == Approx(*full.arrays.at(0).area_um2 / 2));
  CHECK(half.cycles > full.cycles);
}
void array_rows() { halved_systolic({"arrays.pe2d.rows=128"}); }
void array_cols() { halved_systolic({"arrays.pe2d.cols=128"}); }
void array_shape() { halved_systolic({}, {{"      rows: 256\n      cols: 256\n", "      shape: [128, 256]\n"}}); }

void array_lanes() {
  // fusemax_cloud's 1D array with 128 lanes instead of 256: half its area, and its 256 queries take
  // two passes: more busy cycles.
  const SimulationReport full = attention(arch("fusemax_cloud.yaml"));
  const SimulationReport half = attention(arch("fusemax_cloud.yaml", {"arrays.pe1d.lanes=128"}));
  CHECK(*array(half, "pe1d").area_um2 == Approx(*array(full, "pe1d").area_um2 / 2));
  CHECK(array(half, "pe1d").busy_cycles > array(full, "pe1d").busy_cycles);
}

void array_pe() {
  // fp32 MACs instead of fp16 on eyeriss_like: a wider multiplier and adder cost more energy per
  // MAC and more area per PE.
  const SimulationReport h = gemm(arch("eyeriss_like.yaml")),
                         s = gemm(arch("eyeriss_like.yaml", {"arrays.pe2d.pe=mac_fp32"}));
  CHECK(*array(s, "pe2d").energy_pj > *array(h, "pe2d").energy_pj);
  CHECK(*array(s, "pe2d").area_um2 > *array(h, "pe2d").area_um2);
}

void array_pipeline_depth() {
  // Fused tiles: each of pe2d's five operations per tile (QK, LM, SLN, SLD, SLNV) waits
  // pipeline_depth - 1 more cycles for its last result: 4 stages add 5 x 3 busy cycles.
  const SimulationReport base = attention(arch("fusemax_cloud.yaml"));
  const SimulationReport deep = attention(arch("fusemax_cloud.yaml", {"arrays.pe2d.pipeline_depth=4"}));
  CHECK(array(deep, "pe2d").busy_cycles == array(base, "pe2d").busy_cycles + 5 * 3);
  CHECK(deep.cycles > base.cycles);
  // A systolic group's timing (SCALE-Sim's folds) has one-cycle PEs: a pipeline is an error, not ignored.
  CHECK_THAT(run_error(arch("systolic.yaml", {"arrays.pe2d.pipeline_depth=4"}), "gemm.yaml", kGemm256, "ws"),
             Catch::Contains("pipeline_depth 4") && Catch::Contains("systolic"));
}

void array_initiation_interval() {
  // A point every 2 cycles instead of every cycle: every operation on pe2d takes twice as long.
  const SimulationReport base = attention(arch("fusemax_cloud.yaml"));
  const SimulationReport slow = attention(arch("fusemax_cloud.yaml", {"arrays.pe2d.initiation_interval=2"}));
  CHECK(array(slow, "pe2d").busy_cycles == 2 * array(base, "pe2d").busy_cycles);
  CHECK_THAT(run_error(arch("systolic.yaml", {"arrays.pe2d.initiation_interval=2"}), "gemm.yaml", kGemm256, "ws"),
             Catch::Contains("initiation_interval 2"));
}

void array_exp_unit() {
  // The 1D array's one exp (in PRM, once per tile) takes 1 cycle on a dedicated unit instead of
  // the 6-step Taylor series: 5 busy cycles fewer; the energy of exp changes with it.
  const SimulationReport taylor = attention(arch("fusemax_cloud.yaml"));
  const SimulationReport unit = attention(arch("fusemax_cloud.yaml", {"arrays.pe1d.exp_unit=dedicated"}));
  CHECK(array(unit, "pe1d").busy_cycles + 5 == array(taylor, "pe1d").busy_cycles);
  CHECK(*array(unit, "pe1d").energy_pj != Approx(*array(taylor, "pe1d").energy_pj));
}

// ------------------------------------------------------------ noc:

void noc_multicast() {
  // Without multicast a fused operand that does not vary along an array dimension is read once
  // per PE it feeds: the global buffer's reads grow.
  const SimulationReport on = attention(arch("fusemax_cloud.yaml"));
  const SimulationReport off = attention(arch("fusemax_cloud.yaml", {"noc.multicast=false"}));
  CHECK(level(off, "GB").read_bytes > level(on, "GB").read_bytes);
}

void noc_spatial_reduction() {
  // The fusemax preset spreads the keys over the rows; the reductions over them (LM, SLD, SLNV)
  // can keep them there only when partial results can be added across PEs. Without, those run
  // with the keys in time on each PE: pe2d is busy longer.
  const SimulationReport with = attention(arch("fusemax_cloud.yaml"));
  const SimulationReport without = attention(arch("fusemax_cloud.yaml", {"noc.spatial_reduction=false"}));
  CHECK(array(without, "pe2d").busy_cycles > array(with, "pe2d").busy_cycles);
}

}  // namespace

std::vector<KeyAudit> storage_audits();

const std::vector<KeyAudit>& key_audits() {
  static const std::vector<KeyAudit> all = [] {
    using C = Coverage;
    using F = Finding;
    std::vector<KeyAudit> v = {
        // architecture:
        {"architecture", "name", C::structural, F::read, "names the report and --set paths; identity", top_name},
        {"architecture", "description", C::structural, F::unread_by_design, "free text for the reader",
         top_description},
        {"architecture", "technology", C::structural, F::read, "required section; its keys are audited below",
         top_technology},
        {"architecture", "clock", C::changes_output, F::read, "seconds; DRAM bytes per cycle", top_clock},
        {"architecture", "storage", C::structural, F::read, "required section; its levels' keys are audited below",
         top_storage},
        {"architecture", "arrays", C::structural, F::read, "required section; its keys are audited below", top_arrays},
        {"architecture", "noc", C::structural, F::read, "optional section: absent = its defaults", top_noc},
        // technology:
        {"technology", "table", C::changes_output, F::read, "energy and area", tech_table},
        {"technology", "node_nm", C::changes_output, F::read, "energy and area (node scaling)", tech_node_nm},
        {"technology", "clock_ghz", C::changes_output, F::read, "the clock, as clock:", tech_clock_ghz},
        {"technology", "fallback", C::changes_output, F::read, "energy of what the table cannot cost", tech_fallback},
        // arrays:
        {"arrays", "name", C::structural, F::read, "names the array in reports and mappings; identity", array_name},
        {"arrays", "rows", C::changes_output, F::read, "PEs: folds, cycles, area", array_rows},
        {"arrays", "cols", C::changes_output, F::read, "PEs: folds, cycles, area", array_cols},
        {"arrays", "lanes", C::changes_output, F::read, "PEs of a 1D array: busy cycles, area", array_lanes},
        {"arrays", "shape", C::changes_output, F::read, "rows and cols (or lanes) in one", array_shape},
        {"arrays", "pe", C::changes_output, F::read, "energy per action, area per PE, cycles per point", array_pe},
        {"arrays", "pipeline_depth", C::changes_output, F::unread_now_rejected,
         "fused tiles' latency; was ignored by systolic groups, now an error there", array_pipeline_depth},
        {"arrays", "initiation_interval", C::changes_output, F::unread_now_rejected,
         "fused tiles' cycles; was ignored by systolic groups, now an error there", array_initiation_interval},
        {"arrays", "exp_unit", C::changes_output, F::read, "cycles and energy of exp on vector lanes", array_exp_unit},
        // noc:
        {"noc", "multicast", C::changes_output, F::read, "buffer reads of fused groups", noc_multicast},
        {"noc", "spatial_reduction", C::changes_output, F::read,
         "the attention presets' placement of reductions over the keys", noc_spatial_reduction},
    };
    for (KeyAudit& k : storage_audits()) v.push_back(k);
    return v;
  }();
  return all;
}

}  // namespace einsim::audit
