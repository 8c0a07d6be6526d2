// Issue classes 4 (arithmetic overflow) and 5 (values out of any physical range),
// through the real binary: each is refused with exit 2 and a located message that
// names the input and, for a range, states it; a huge total that fits is exact.

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;
using einsim::testing::slurp;

namespace {

std::string temp_path(const std::string& tag, const std::string& ext) {
  return "/tmp/einsim_units_" + tag + "_" + std::to_string(::getpid()) + ext;
}

std::string temp_file(const std::string& tag, const std::string& text) {
  const std::string path = temp_path(tag, ".yaml");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

const std::string kGemmWs = "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws ";

}  // namespace

TEST_CASE("class 4: a DRAM transfer whose cycles pass 2^63 is an error at the DRAM level", "[e2e][overflow]") {
  // 1 B/s at 100 GHz: 1e11 cycles per byte. M = 65536 makes A alone 65536 x 1024 x 2 B = 2^27 B, so
  // loading it takes 2^27 x 1e11 = 1.3e19 cycles > 2^63 = 9.2e18.
  auto r = run_einsim(kGemmWs + "--fidelity analytical --set workload.ranks.M=65536 "
                      "--set 'arch.storage.DRAM.bandwidth=1 B/s' --set 'arch.clock=100 GHz'");
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("at architecture.storage[0]") != std::string::npos);
  CHECK(r.err.find("storage level 'DRAM'") != std::string::npos);
  CHECK(r.err.find("does not fit in 64 bits") != std::string::npos);
}

TEST_CASE("class 4: a huge cycle total that fits is reported exactly", "[e2e][overflow]") {
  // M = K = N = 256 on the 256 x 256 array: DRAM reads A and B once, 2 x 256^2 x 2 B = 262144 B,
  // and writes Z (fp32) once, 256^2 x 4 B = 262144 B. At 1 B/s and 100 GHz a byte takes 1e11
  // cycles, so the run lasts at least the reads (full duplex: writes overlap) and at most both
  // directions back to back plus the array's work (below 1e6 cycles).
  const std::string file = temp_path("huge", ".json");
  auto r = run_einsim(kGemmWs + "--fidelity analytical --set workload.ranks.M=256 --set workload.ranks.K=256 "
                      "--set workload.ranks.N=256 --set 'arch.storage.DRAM.bandwidth=1 B/s' "
                      "--set 'arch.clock=100 GHz' --json " + file);
  INFO(r.err);
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(slurp(file));
  std::remove(file.c_str());
  const uint64_t per_byte = 100000000000ull;
  REQUIRE(j["cycles"].is_number_unsigned());
  const uint64_t cycles = j["cycles"].get<uint64_t>();
  CHECK(j["dram_read_bytes"].get<uint64_t>() == 262144u);
  CHECK(cycles >= 262144u * per_byte);
  CHECK(cycles <= 2u * 262144u * per_byte + 1000000u);
}

TEST_CASE("class 4: a tensor of 2^63-1 elements fails check at the tensor", "[e2e][overflow]") {
  const std::string w = temp_file("big", "workload:\n  name: big\n  ranks: {M: 9223372036854775807}\n"
                                          "  format: int8\n  tensors:\n    A: {ranks: [M]}\n"
                                          "  einsums:\n    - Z[m] = A[m]\n");
  // int8: A alone is 2^63-1 bytes and fits; A plus its copy Z does not.
  auto r = run_einsim("check " + w);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find(w + ":") != std::string::npos);
  CHECK(r.err.find("too large") != std::string::npos);
  const std::string w16 = temp_file("big16", "workload:\n  name: big\n  ranks: {M: 9223372036854775807}\n"
                                            "  format: fp16\n  tensors:\n    A: {ranks: [M]}\n"
                                            "  einsums:\n    - Z[m] = A[m]\n");
  r = run_einsim("check " + w16);
  CHECK(r.status == 2);
  CHECK(r.err.find(w16 + ":6:8: at workload.tensors.A: tensor A") != std::string::npos);
  std::remove(w.c_str());
  std::remove(w16.c_str());
}

TEST_CASE("class 4: a technology table entry of 1e308 is an error at the entry", "[e2e][overflow]") {
  std::string table = slurp(einsim::testing::source_path("arch/tech/tables/horowitz45.yaml"));
  const std::string entry = "{class: int_multiplier, bits: 8, energy_pj: 0.2,";
  const auto at = table.find(entry);
  REQUIRE(at != std::string::npos);
  table.replace(at, entry.size(), "{class: int_multiplier, bits: 8, energy_pj: 1e308,");
  const std::string t = temp_file("tech", table);
  auto r = run_einsim("check " + t);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("energy_pj: '1e308' is outside the valid range 0 .. 1e+09 pJ") != std::string::npos);
  CHECK(r.err.find(t + ":") != std::string::npos);
  // The same table named by an architecture: an error at its technology.table, never a null energy.
  r = run_einsim(kGemmWs + "--set 'arch.technology.table=" + t + "'");
  CHECK(r.status == 2);
  CHECK(r.err.find("architecture.technology.table") != std::string::npos);
  std::remove(t.c_str());
}

TEST_CASE("class 5: physical quantities out of range or without a unit are located errors", "[e2e][ranges]") {
  struct Case {
    std::string set, path, says;
  };
  const Case cases[] = {
      {"arch.storage.DRAM.bandwidth=1e-300 B/s", "storage[0].bandwidth", "valid range 1 B/s .. 1 PB/s"},
      {"arch.storage.DRAM.bandwidth=2 PB/s", "storage[0].bandwidth", "unknown unit 'PB/s'"},
      {"arch.storage.DRAM.bandwidth=1e16 B/s", "storage[0].bandwidth", "valid range 1 B/s .. 1 PB/s"},
      {"arch.storage.DRAM.bandwidth=100", "storage[0].bandwidth", "has no unit"},
      {"arch.clock=1e-30 Hz", "architecture.clock", "valid range 1 kHz .. 100 GHz"},
      {"arch.clock=700000000", "architecture.clock", "has no unit"},
      {"arch.storage.SRAM.partitions.inputs=6291456", "partitions.inputs", "has no unit"},
      {"arch.storage.DRAM.latency_cycles=2000000000", "latency_cycles", "between 0 and 1073741824"},
      {"arch.arrays.pe2d.pipeline_depth=0", "pipeline_depth", "must be positive"},
      {"arch.arrays.pe2d.rows=65537", "rows", "between 1 and 65536"},
      {"arch.technology.node_nm=0.5", "node_nm", "between 1 and 1000"},
  };
  for (const Case& c : cases) {
    auto r = run_einsim(kGemmWs + "--set '" + c.set + "'");
    INFO(c.set << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("arch/library/systolic.yaml") != std::string::npos);
    CHECK(r.err.find(c.path) != std::string::npos);
    CHECK(r.err.find(c.says) != std::string::npos);
  }
}
