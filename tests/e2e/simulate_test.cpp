#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;
using einsim::testing::slurp;

namespace {
const char* kFuseMax =
    "simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax";
}

TEST_CASE("einsim simulate writes the documented JSON report", "[e2e][simulate]") {
  const std::string json = "/tmp/einsim_e2e_simulate.json";
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
  // seconds = cycles / 940 MHz
  CHECK(j["seconds"].get<double>() == Approx(j["cycles"].get<double>() / 940e6));
  // Same inputs, same bytes.
  auto again = run_einsim(std::string(kFuseMax) + " --set workload.ranks.B=2 --json " + json + ".2");
  CHECK(slurp(json) == slurp(json + ".2"));
  std::remove(json.c_str());
  std::remove((json + ".2").c_str());
}

TEST_CASE("einsim simulate with a mapping file gives the preset's cycles", "[e2e][simulate]") {
  auto a = run_einsim(std::string(kFuseMax) + " --set workload.ranks.B=1 --set workload.ranks.H=2 --json /tmp/e2e_a.json");
  auto b = run_einsim(
      "simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
      "-m mappings/library/fusemax_attention.yaml --set workload.ranks.B=1 --set workload.ranks.H=2 "
      "--json /tmp/e2e_b.json");
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  auto ja = nlohmann::json::parse(slurp("/tmp/e2e_a.json"));
  auto jb = nlohmann::json::parse(slurp("/tmp/e2e_b.json"));
  CHECK(ja["cycles"] == jb["cycles"]);
}

TEST_CASE("a smaller systolic array set on the command line takes more folds", "[e2e][simulate]") {
  const std::string base =
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow os "
      "--set arch.storage.DRAM.bandwidth=1000000GB/s --set arch.storage.DRAM.latency_cycles=0";
  auto big = run_einsim(base + " --json /tmp/e2e_big.json");
  auto small = run_einsim(base + " --set arch.arrays.pe2d.rows=32 --set arch.arrays.pe2d.cols=32 --json /tmp/e2e_small.json");
  REQUIRE(big.status == 0);
  REQUIRE(small.status == 0);
  // os on R x C for M = K = N = 1024: ceil(1024/R) x ceil(1024/C) folds of R + C + 1024 - 2 cycles,
  // plus a one-cycle first load and last write.
  auto jb = nlohmann::json::parse(slurp("/tmp/e2e_big.json"));
  auto js = nlohmann::json::parse(slurp("/tmp/e2e_small.json"));
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
  auto wrong_kind = run_einsim("simulate -w arch/library/fusemax_cloud.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax");
  CHECK(wrong_kind.status == 2);
  CHECK(wrong_kind.err.find("-w expects a workload") != std::string::npos);
}
