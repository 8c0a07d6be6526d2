#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"
#include "tests/e2e/run_json.hpp"

using einsim::testing::run_einsim;
using einsim::testing::run_json;
using einsim::testing::slurp;

namespace {
const char* kFuseMax =
    "simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax";
}

namespace {

// A GEMM on an R x C systolic array with DRAM that never limits: SCALE-Sim's stall-free mode.
std::string stall_free_gemm(int64_t m, int64_t k, int64_t n, int64_t r, int64_t c, const std::string& df) {
  return "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow " + df +
         " --set workload.ranks.M=" + std::to_string(m) + " --set workload.ranks.K=" + std::to_string(k) +
         " --set workload.ranks.N=" + std::to_string(n) + " --set arch.arrays.pe2d.rows=" + std::to_string(r) +
         " --set arch.arrays.pe2d.cols=" + std::to_string(c) +
         " --set arch.storage.DRAM.bandwidth=unlimited --set arch.storage.DRAM.latency_cycles=0";
}

}  // namespace

TEST_CASE("einsim simulate writes the documented JSON report", "[e2e][simulate]") {
  const std::string json = "/tmp/einsim_e2e_simulate_" + std::to_string(getpid()) + ".json";
  auto r = run_einsim(std::string(kFuseMax) + " --set workload.ranks.B=2 --json " + json);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("cycles") != std::string::npos);
  CHECK(r.err.empty());
  auto j = nlohmann::json::parse(slurp(json));
  for (const char* key : {"cycles", "seconds", "energy_pj", "area_mm2", "arrays", "levels", "dram_bytes"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["cycles"].is_number_unsigned());
  for (const char* a : {"pe2d", "pe1d"}) {
    INFO(a);
    REQUIRE(j["arrays"].contains(a));
    for (const char* key : {"utilization", "busy_cycles", "stall_cycles"}) CHECK(j["arrays"][a].contains(key));
  }
  for (const char* key : {"reads", "writes", "peak_occupancy_bytes"}) CHECK(j["levels"]["GB"].contains(key));
  // One entry per Einsum: its array, busy cycles (adding up to the array's), tiles, actions, energy.
  REQUIRE(j["einsums"].size() == 12);
  uint64_t busy_2d = 0;
  for (const auto& [name, e] : j["einsums"].items()) {
    INFO(name);
    for (const char* key : {"group", "array", "busy_cycles", "tiles", "actions", "energy_pj"}) CHECK(e.contains(key));
    if (e["array"] == "pe2d") busy_2d += e["busy_cycles"].get<uint64_t>();
  }
  CHECK(busy_2d == j["arrays"]["pe2d"]["busy_cycles"].get<uint64_t>());
  CHECK(j["einsums"]["QK"]["actions"]["mac"].get<uint64_t>() == 2u * 12 * 1024 * 1024 * 64);
  // seconds = cycles / 940 MHz
  CHECK(j["seconds"].get<double>() == Approx(j["cycles"].get<double>() / 940e6));
  // Same inputs, same bytes.
  auto again = run_einsim(std::string(kFuseMax) + " --set workload.ranks.B=2 --json " + json + ".2");
  CHECK(slurp(json) == slurp(json + ".2"));
  std::remove(json.c_str());
  std::remove((json + ".2").c_str());
  // --per-einsum prints the same as a table.
  auto table = run_einsim(std::string(kFuseMax) + " --set workload.ranks.B=2 --per-einsum");
  REQUIRE(table.status == 0);
  CHECK(table.out.find("\neinsum ") != std::string::npos);
  CHECK(table.out.find("\nSLNV ") != std::string::npos);
}

TEST_CASE("einsim simulate with a mapping file gives the preset's cycles", "[e2e][simulate]") {
  auto ja = run_json(std::string(kFuseMax) + " --set workload.ranks.B=1 --set workload.ranks.H=2");
  auto jb = run_json(
      "simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
      "-m mappings/library/fusemax_attention.yaml --set workload.ranks.B=1 --set workload.ranks.H=2");
  CHECK(ja["cycles"] == jb["cycles"]);
}

TEST_CASE("einsim simulate runs a mapping with tiles at two levels", "[e2e][simulate]") {
  // BERT-like attention, B = 1, H = 2, P = M = 1024, E = F = 64, fp16: FuseMax's one-level mapping
  // reads K and V once per tile of 256 queries, the two-level one once per head.
  const std::string base =
      "simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
      "--set workload.ranks.B=1 --set workload.ranks.H=2 -m mappings/library/";
  auto one = run_json(base + "fusemax_attention.yaml");
  auto two = run_json(base + "fusemax_buffer_tiles.yaml");
  const uint64_t q = 2 * 64 * 1024 * 2, kv = 2 * 64 * 1024 * 2;
  CHECK(one["dram_read_bytes"].get<uint64_t>() == q + 4 * 2 * kv);
  CHECK(two["dram_read_bytes"].get<uint64_t>() == q + 2 * kv);
  CHECK(two["dram_write_bytes"] == one["dram_write_bytes"]);
  CHECK(two["groups"][0]["mapping"].get<std::string>().find("loops B H P/1024 | in GB: P/256 M1") !=
        std::string::npos);
  auto text = run_einsim(base + "fusemax_buffer_tiles.yaml");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("loops B H P/1024 | in GB: P/256 M1") != std::string::npos);
}

TEST_CASE("einsim simulate runs MixPE's GEMM with its dequantization as an epilogue", "[e2e][simulate]") {
  // The bundled mapping file is what --dataflow os builds: the same cycles. One GEMM over all of
  // K = 4096: PS (1024 x 32 groups x 4096) never goes through DRAM; Out (1024 x 4096 fp32, 16 MiB)
  // and WZ (4096 x 4096 int8, 16 MiB, from the zero-point group) are all that is written.
  const std::string base = "simulate -w workloads/library/gemm_groupwise_quant.yaml -a arch/library/mixpe.yaml ";
  auto file = run_json(base + "-m mappings/library/mixpe_quantized_gemm.yaml");
  auto preset = run_json(base + "--dataflow os");
  CHECK(file["cycles"] == preset["cycles"]);
  CHECK(file["dram_write_bytes"].get<uint64_t>() == 1024u * 4096u * 4u + 4096u * 4096u);
  bool ps_spilled = false;
  for (const auto& sp : file["spills"]) ps_spilled = ps_spilled || sp["tensor"] == "PS";
  CHECK_FALSE(ps_spilled);
  auto text = run_einsim(base + "-m mappings/library/mixpe_quantized_gemm.yaml");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("systolic group 'gemm': PS with epilogue Out on pe2d (os)") != std::string::npos);
}

TEST_CASE("a smaller systolic array set on the command line takes more folds", "[e2e][simulate]") {
  const std::string base =
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow os "
      "--set arch.storage.DRAM.bandwidth=1000000GB/s --set arch.storage.DRAM.latency_cycles=0";
  auto jb = run_json(base);
  auto js = run_json(base + " --set arch.arrays.pe2d.rows=32 --set arch.arrays.pe2d.cols=32");
  // os on R x C for M = K = N = 1024: ceil(1024/R) x ceil(1024/C) folds of R + C + 1024 - 2 cycles,
  // plus a one-cycle first load and last write.
  CHECK(jb["cycles"].get<uint64_t>() == 4u * 4u * (256 + 256 + 1024 - 2) + 2);
  CHECK(js["cycles"].get<uint64_t>() == 32u * 32u * (32 + 32 + 1024 - 2) + 2);
}

TEST_CASE("einsim simulate rejects bad requests with status 2", "[e2e][simulate]") {
  auto unknown = run_einsim(std::string(kFuseMax) + "x");
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("unknown dataflow 'fusemaxx'") != std::string::npos);
  auto bad_set = run_einsim(std::string(kFuseMax) + " --set workload.ranks.Z=3");
  CHECK(bad_set.status == 2);
  CHECK(bad_set.err.find("no key 'Z'") != std::string::npos);
  auto bad_prefix = run_einsim(std::string(kFuseMax) + " --set ranks.M=3");
  CHECK(bad_prefix.status == 2);
  auto both = run_einsim(std::string(kFuseMax) + " -m mappings/library/fusemax_attention.yaml");
  CHECK(both.status == 2);
  auto small_buffer = run_einsim(std::string(kFuseMax) + " --set arch.storage.GB.capacity=64KiB");
  CHECK(small_buffer.status == 2);
  CHECK(small_buffer.err.find("buffer GB is too small") != std::string::npos);
  auto wrong_kind =
      run_einsim("simulate -w arch/library/fusemax_cloud.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax");
  CHECK(wrong_kind.status == 2);
  CHECK(wrong_kind.err.find("-w expects a workload") != std::string::npos);
}

TEST_CASE("the detailed fidelity gives the cycle fidelity's cycles on 50 random configurations",
          "[e2e][simulate][detailed]") {
  std::mt19937_64 rng(4242);
  auto pick = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % uint64_t(hi - lo + 1)); };
  const char* dataflows[] = {"ws", "os", "is"};
  for (int i = 0; i < 50; ++i) {
    const int64_t m = pick(1, 24), k = pick(1, 24), n = pick(1, 24), r = pick(1, 8), c = pick(1, 8);
    const std::string df = dataflows[rng() % 3];
    const std::string args = stall_free_gemm(m, k, n, r, c, df);
    auto cycle = run_json(args);
    auto detailed = run_json(args + " --fidelity detailed");
    INFO(df << " M=" << m << " K=" << k << " N=" << n << " on " << r << "x" << c);
    CHECK(detailed["cycles"] == cycle["cycles"]);
    CHECK(detailed["fidelity"] == "detailed");
  }
}

TEST_CASE("values computed by both fidelities agree and follow their number formats", "[e2e][simulate][values]") {
  // Operands uniform in [-1, 1), 64 x 64 x 64, both operands quantized into the PE's format.
  // A float format with p significand bits rounds with a relative error uniform in about
  // +-2^-p, so SQNR ~ 6.02 p + 10.8 dB, less 3 dB for two rounded operands: e4m3 (p = 4)
  // ~32 dB, e5m2 (p = 3) ~26 dB, bf16 (p = 8) ~56 dB. int8 with one absmax scale per tensor:
  // step 2/254 on a uniform signal, 6.02 x 8 dB less 3 dB ~45 dB. fp16 (p = 11) ~74 dB.
  struct Expect {
    const char* pe;
    double lo, hi;
  };
  double previous = 1e9;
  for (Expect e : {Expect{"mac_fp16", 68, 80}, Expect{"mac_bf16", 50, 60}, Expect{"mac_int8", 41, 49},
                   Expect{"mac_fp8_e4m3", 26, 35}, Expect{"mac_fp8_e5m2", 20, 29}}) {
    const std::string args = stall_free_gemm(64, 64, 64, 8, 8, "ws") + " --values --set arch.arrays.pe2d.pe=" + e.pe;
    auto cycle = run_json(args);
    INFO(e.pe);
    REQUIRE(cycle.contains("error"));
    const double sqnr = cycle["error"]["sqnr_db"].get<double>();
    CHECK(sqnr > e.lo);
    CHECK(sqnr < e.hi);
    CHECK(sqnr < previous);  // each format in the list is coarser than the one before
    previous = sqnr;
    if (std::string(e.pe) == "mac_int8" || std::string(e.pe) == "mac_fp8_e4m3") {
      auto detailed = run_json(args + " --fidelity detailed");
      CHECK(detailed["error"] == cycle["error"]);
    }
  }
  auto attention = run_einsim(std::string(kFuseMax) + " --values --fidelity detailed");
  CHECK(attention.status == 2);
  CHECK(attention.err.find("one GEMM") != std::string::npos);
}

TEST_CASE("values of attention cascades on their arrays' PEs", "[e2e][simulate][values]") {
  // BERT-Base attention is too large for the float64 reference: the values run on a sample that
  // keeps whole query rows (all keys, every head dimension) of one batch and head.
  auto fusemax = run_json(std::string(kFuseMax) + " --values");
  REQUIRE(fusemax.contains("error"));
  const std::string sample = fusemax["error"]["sample"].get<std::string>();
  CHECK(sample.rfind("B 1 of 64, H 1 of 12, P ", 0) == 0);
  CHECK(sample.find(" of 1024") != std::string::npos);
  CHECK(fusemax["error"]["outputs"].contains("AV"));
  CHECK(fusemax["error"]["non_finite"] == 0);
  // Every operator rounds once into fp16 (unit roundoff u = 2^-11 = 4.9e-4), and the sums over
  // a 256-key tile and over the 64-wide heads accumulate in fp16 (mac_fp16_acc16): sequential
  // sums of n terms err by about sqrt(n) u (at most n u). So the relative RMS error lies between
  // u and 64 u: SQNR = -20 log10(rel RMS) between 30 and 66 dB.
  const double sqnr16 = fusemax["error"]["sqnr_db"].get<double>();
  CHECK(sqnr16 > 30);
  CHECK(sqnr16 < 66);
  // fp16 MACs with fp32 accumulators leave only the fp16 roundings of operands and lanes: better.
  auto acc32 = run_json(std::string(kFuseMax) + " --values --set arch.arrays.pe2d.pe=mac_fp16");
  CHECK(acc32["error"]["sqnr_db"].get<double>() > sqnr16 + 6);
  // fp32 PEs and tensors: u = 2^-24, the same bounds 78 dB higher (108 to 144 dB).
  auto fp32 = run_json(std::string(kFuseMax) +
                       " --values --set workload.format=fp32 --set arch.arrays.pe2d.pe=mac_fp32"
                       " --set arch.arrays.pe1d.pe=vector_fp32");
  const double sqnr32 = fp32["error"]["sqnr_db"].get<double>();
  CHECK(sqnr32 > 108);
  CHECK(sqnr32 < 144);
  // Same inputs and seed, same report.
  CHECK(run_json(std::string(kFuseMax) + " --values")["error"] == fusemax["error"]);
  // A transformer layer (every Einsum on its array's PEs) runs whole when its points fit.
  auto layer = run_json(
      "simulate -w workloads/library/bert_base.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax --values "
      "--values-points 16777216 --set workload.parameters.batch=1 --set workload.parameters.seq=64 "
      "--set workload.parameters.tile=32 --set workload.parameters.d_model=128 --set workload.parameters.heads=2 "
      "--set workload.parameters.ffn=256");
  CHECK(layer["error"]["sample"] == "");
  CHECK(layer["error"]["elements"].get<int64_t>() == 64 * 128);  // Y[b, p, d]
  CHECK(layer["error"]["non_finite"] == 0);
  // A model file (ranks from parameters, `extends:`) is cut like any workload. Per batch element,
  // at seq 32 (M = 2 x 16 keys), D 64, 2 heads of 32, FFN 128, the Einsums iterate: Q, K, V and O
  // 2 x 32 x 32 x 64 = 131,072 points each; QK and SLNV 65,536; U and Y 128 x 32 x 64 = 262,144;
  // SPNV, RNV and GU 4,096; LM, SLN, SLD and AV 2,048; RM, PRM, SPD and RD 128: 1,200,640. Under
  // the 2^22 = 4,194,304 points, B = 2 of the 64 (a divisor) fits and B = 4 does not.
  auto model = run_json(
      "simulate -w workloads/library/bert_base.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax --values "
      "--set workload.parameters.seq=32 --set workload.parameters.tile=16 --set workload.parameters.d_model=64 "
      "--set workload.parameters.heads=2 --set workload.parameters.head_dim=32 --set workload.parameters.ffn=128");
  CHECK(model["error"]["sample"] == "B 2 of 64");
  CHECK(model["error"]["outputs"]["Y"]["elements"].get<int64_t>() == 2 * 64 * 32);
  CHECK(model["error"]["non_finite"] == 0);
  // Too large even on a sample, or a bad budget: exit 2 with a message.
  auto big = run_einsim("simulate -w workloads/library/bert_base.yaml -a arch/library/fusemax_cloud.yaml "
                        "--dataflow fusemax --values");
  CHECK(big.status == 2);
  CHECK(big.err.find("workload.parameters.X") != std::string::npos);
  CHECK(run_einsim(std::string(kFuseMax) + " --values --values-points 0").status == 2);
  // FLAT's 3-pass cascade on its own architecture: the same fp16 bounds.
  auto flat = run_json(
      "simulate -w workloads/library/attention_3pass.yaml -a arch/library/flat_cloud.yaml --dataflow flat --values");
  // Its denominator sums all 1024 keys on an fp16 lane: up to 1024 u, so 0 dB at worst; typically
  // sqrt(1024) u = 32 u (36 dB). Worse than FuseMax's tiled running sums, better than 10 dB.
  CHECK(flat["error"]["sqnr_db"].get<double>() > 10);
  CHECK(flat["error"]["sqnr_db"].get<double>() < sqnr16);
}

TEST_CASE("the detailed fidelity writes a waveform", "[e2e][simulate][detailed]") {
  // A name without .vcd is written exactly as given.
  const std::string vcd = "/tmp/einsim_e2e_wave_" + std::to_string(getpid());
  auto r = run_einsim(stall_free_gemm(8, 8, 8, 4, 4, "os") + " --fidelity detailed --vcd " + vcd);
  REQUIRE(r.status == 0);
  const std::string text = slurp(vcd);
  CHECK(text.find("$enddefinitions") != std::string::npos);
  // systolic.yaml's 700 MHz clock: 1e12 / 700e6 = 1428.57 ps, half 714.29 ps rounded to
  // 714 ps: the clock's edges at 714 ps and 1428 ps (time unit 1 ps).
  CHECK(text.find("\n#714\n") != std::string::npos);
  CHECK(text.find("\n#1428\n") != std::string::npos);
  CHECK(slurp(vcd + ".vcd").empty());
  std::remove(vcd.c_str());
  CHECK(run_einsim(std::string(kFuseMax) + " --vcd " + vcd).status == 2);  // --vcd needs the detailed fidelity
}

TEST_CASE("einsim simulate reports the PEs' register files", "[e2e][simulate][regfile]") {
  // fusemax_cloud has the FuseMax artifact's 64 B register file in every PE of both arrays.
  auto j = run_json(std::string(kFuseMax) + " --set workload.ranks.B=1 --set workload.ranks.H=1");
  REQUIRE(j["levels"].contains("RF"));
  const auto& rf = j["levels"]["RF"];
  CHECK(rf["kind"] == "regfile");
  CHECK(rf["per_pe"] == true);
  CHECK(rf["instances"].get<int64_t>() == 256 * 256 + 256);
  CHECK(rf["capacity_bytes"].get<int64_t>() == 64);
  // Every value is fp16 (one 16-bit word): accesses are the bytes over two.
  CHECK(rf["read_accesses"].get<uint64_t>() > 0);
  CHECK(rf["reads"].get<uint64_t>() == 2 * rf["read_accesses"].get<uint64_t>());
  CHECK(rf["writes"].get<uint64_t>() == 2 * rf["write_accesses"].get<uint64_t>());
  // Energy: accesses x the artifact's 0.653431 pJ per read and 0.56957 pJ per write.
  CHECK(rf["energy_pj"].get<double>() ==
        Approx(rf["read_accesses"].get<double>() * 0.653431 + rf["write_accesses"].get<double>() * 0.56957));
  CHECK(rf["area_um2"].get<double>() == Approx(4255.9342 * (256 * 256 + 256)));
  CHECK(rf["peak_occupancy_bytes"].get<uint64_t>() >= 4);
  CHECK(rf["peak_occupancy_bytes"].get<uint64_t>() <= 64);
  // The printed table has the level, per PE.
  auto table = run_einsim(std::string(kFuseMax) + " --set workload.ranks.B=1 --set workload.ranks.H=1");
  REQUIRE(table.status == 0);
  CHECK(table.out.find("\nRF ") != std::string::npos);
  CHECK(table.out.find("B/PE") != std::string::npos);
  // A register file smaller than one point's operands and result.
  auto small = run_einsim(std::string(kFuseMax) + " --set arch.storage.RF.capacity=4B");
  CHECK(small.status == 2);
  CHECK(small.err.find("register file 'RF' holds 4 B per PE") != std::string::npos);
  CHECK(small.err.find("architecture.storage[2].capacity") != std::string::npos);
  // Without a register file the level is not there.
  auto none = run_json(
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws "
      "--set workload.ranks.M=64 --set workload.ranks.K=64 --set workload.ranks.N=64");
  CHECK_FALSE(none["levels"].contains("RF"));
  CHECK(none["levels"].size() == 2);
}

TEST_CASE("einsim simulate takes the DRAM's duplex from the architecture", "[e2e][simulate][duplex]") {
  const std::string base =
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow os "
      "--set workload.ranks.M=256 --set workload.ranks.K=256 --set workload.ranks.N=256 "
      "--set arch.arrays.pe2d.rows=32 --set arch.arrays.pe2d.cols=32 --set arch.storage.DRAM.bandwidth=7GB/s";
  auto full = run_json(base);
  auto half = run_json(base + " --set arch.storage.DRAM.duplex=half");
  CHECK(half["cycles"].get<uint64_t>() > full["cycles"].get<uint64_t>());
  CHECK(half["dram_bytes"] == full["dram_bytes"]);
  // At 7 GB/s and 700 MHz (DRAM-bound), one channel moves all bytes at best in bytes x 700e6 / 7e9 cycles.
  CHECK(half["cycles"].get<double>() >= half["dram_bytes"].get<double>() * 700e6 / 7e9);
  auto bad = run_einsim(base + " --set arch.storage.DRAM.duplex=both");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("architecture.storage[0].duplex") != std::string::npos);
  CHECK(bad.err.find("duplex must be full") != std::string::npos);
}

TEST_CASE("FLAT at 64K keys spills to DRAM and is slower than FuseMax", "[e2e][simulate][flat]") {
  // BERT-Base attention (64 x 12 heads, 1024 queries) with 64K keys: one query row of FLAT no
  // longer fits flat_cloud's 32 MiB, so it spills its scores QK and exponentials SN (64 x 12 x
  // 1024 x 65536 fp16 values each) to DRAM and reads them back.
  const uint64_t B = 64, H = 12, P = 1024, M = 65536, fp16 = 2;
  auto flat = run_json(
      "simulate -w workloads/library/attention_3pass.yaml -a arch/library/flat_cloud.yaml --dataflow flat "
      "--set workload.ranks.M=65536");
  auto fusemax = run_json(std::string(kFuseMax) + " --set workload.ranks.M=65536");
  REQUIRE(flat["groups"].size() == 3);
  std::map<std::string, nlohmann::json> spills;
  for (const auto& s : flat["spills"]) spills[s["tensor"].get<std::string>()] = s;
  for (const char* t : {"QK", "SN"}) {
    INFO(t);
    REQUIRE(spills.count(t));
    CHECK(spills[t]["written_bytes"].get<uint64_t>() == B * H * P * M * fp16);
    CHECK(spills[t]["read_bytes"].get<uint64_t>() == B * H * P * M * fp16);
  }
  CHECK(flat["dram_write_bytes"].get<uint64_t>() > 2 * B * H * P * M * fp16);
  bool noted = false;
  for (const auto& n : flat["notes"]) noted = noted || n.get<std::string>().find("FLAT spills to DRAM") == 0;
  CHECK(noted);
  INFO("FLAT " << flat["cycles"] << " cycles, FuseMax " << fusemax["cycles"]);
  CHECK(flat["cycles"].get<uint64_t>() > fusemax["cycles"].get<uint64_t>());
  // The mapping file in the library is the same mapping.
  auto file = run_json(
      "simulate -w workloads/library/attention_3pass.yaml -a arch/library/flat_cloud.yaml "
      "-m mappings/library/flat_spill_attention.yaml --set workload.ranks.M=65536");
  CHECK(file["cycles"] == flat["cycles"]);
  CHECK(file["spills"] == flat["spills"]);
}

TEST_CASE("FLAT that cannot fit even one key tile fails with a clear message", "[e2e][simulate][flat]") {
  auto r = run_einsim(
      "simulate -w workloads/library/attention_3pass.yaml -a arch/library/flat_cloud.yaml --dataflow flat "
      "--set arch.storage.GB.capacity=512B");
  CHECK(r.status == 2);
  CHECK(r.err.find("buffer GB (512 bytes) is too small even when FLAT spills to DRAM") != std::string::npos);
}

TEST_CASE("the analytical fidelity gives the cycle fidelity's report", "[e2e][simulate][analytical]") {
  for (const std::string& args :
       {std::string(kFuseMax) + " --set workload.ranks.B=2",
        stall_free_gemm(100, 70, 50, 8, 16, "os") + " --set arch.storage.DRAM.bandwidth=2GB/s"}) {
    INFO(args);
    auto cycle = run_json(args);
    auto analytical = run_json(args + " --fidelity analytical");
    CHECK(analytical["fidelity"] == "analytical");
    analytical["fidelity"] = "cycle";
    CHECK(analytical["inputs"]["fidelity"] == "analytical");
    analytical["inputs"]["fidelity"] = "cycle";
    CHECK(analytical == cycle);
  }
  auto bad = run_einsim(std::string(kFuseMax) + " --fidelity exact");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("expected analytical, cycle or detailed") != std::string::npos);
}

TEST_CASE("the detailed fidelity reports the mapping's actions and energy", "[e2e][simulate][detailed]") {
  auto cycle = run_json(stall_free_gemm(16, 8, 12, 4, 4, "ws"));
  auto detailed = run_json(stall_free_gemm(16, 8, 12, 4, 4, "ws") + " --fidelity detailed");
  CHECK(detailed["cycles"] == cycle["cycles"]);
  // 16 x 8 x 12 multiply-accumulates, whatever times them.
  CHECK(detailed["arrays"]["pe2d"]["actions"]["mac"] == 16 * 8 * 12);
  CHECK(detailed["arrays"]["pe2d"]["actions"] == cycle["arrays"]["pe2d"]["actions"]);
  CHECK(detailed["energy_pj"] == cycle["energy_pj"]);
}

// Issue 13 class 7: the fit check of a systolic preset is monotone in the buffer's partitions. The
// lowering holds at most half of each partition per operand block and per output tile (two of each
// are in flight with double buffering), so the peak never exceeds the partitions' sum: every size
// from 1 byte up fits, where large partitions used to fail (two output tiles of a whole partition).
TEST_CASE("a larger buffer partition never fails where a smaller one passes", "[e2e][simulate][errors]") {
  for (const char* dataflow : {"ws", "os", "is"}) {
    for (const char* size : {"1 B", "1 KiB", "16 KiB", "64 KiB", "256 KiB", "1 MiB", "4 MiB", "64 MiB"}) {
      std::string set;
      for (const char* role : {"inputs", "weights", "outputs"})
        set += fmt::format(" --set 'arch.storage[1].partitions.{}={}'", role, size);
      const auto r = run_einsim(fmt::format("simulate -w {} -a {} --dataflow {} --fidelity analytical{}",
                                            einsim::testing::source_path("workloads/library/gemm.yaml"),
                                            einsim::testing::source_path("arch/library/systolic.yaml"), dataflow, set));
      INFO(dataflow << " with partitions of " << size << ": " << r.err);
      CHECK(r.status == 0);
    }
  }
}
