// A mapping whose tiles cannot fit its buffer is refused before anything is timed,
// with the mapping's file, line and YAML path, the level, the need and the capacity; a DRAM
// too small for the tensors a run keeps in it, at its capacity:.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

#include "run_einsim.hpp"

using einsim::testing::run_einsim;

namespace {

// FuseMax's two-level mapping keeps K and V of all keys of a head in the buffer
// (mappings/library/fusemax_buffer_tiles.yaml). At M = 65536 keys and E = F = 64 in
// fp16, one slot of K and V is 2 * 65536 * 64 * 2 B = 16 MiB; two slots (double
// buffering) 32 MiB: twice the 16 MiB buffer of fusemax_cloud.yaml.
const std::string kAttention64K =
    "simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
    "-m mappings/library/fusemax_buffer_tiles.yaml --set workload.ranks.M=65536 ";

constexpr uint64_t kOneSlotKV = 2ull * 65536 * 64 * 2;

uint64_t need_in(const std::string& err) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex(R"(need [^(]*\((\d+) bytes\))"))) return 0;
  return std::stoull(m[1]);
}

}  // namespace

TEST_CASE("an oversized buffer tile fails before timing, in every fidelity, with a located message",
          "[e2e][capacity]") {
  // 65536 queries too, without extrapolation: timing the whole program step by step
  // would take minutes; the check before timing answers at once (the timeout is a guard).
  for (const std::string fidelity : {"analytical", "cycle"}) {
    const auto r = run_einsim(kAttention64K + "--set workload.ranks.P=65536 --no-extrapolate --fidelity " + fidelity,
                              0, 120);
    INFO(fidelity << ": " << r.err);
    REQUIRE(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("mappings/library/fusemax_buffer_tiles.yaml:18:7") != std::string::npos);
    CHECK(r.err.find("at mapping.groups[0]") != std::string::npos);
    CHECK(r.err.find("buffer GB is too small for mapping group 'attention'") != std::string::npos);
    CHECK(r.err.find("the level holds 16 MiB (16777216 bytes)") != std::string::npos);
    CHECK(need_in(r.err) >= kOneSlotKV);
    CHECK(need_in(r.err) > 16777216u);
  }
}

TEST_CASE("the capacity check is monotone: a larger buffer never fails where a smaller one passes",
          "[e2e][capacity]") {
  // Both slots of K and V (32 MiB) plus the query and output tiles fit 40 MiB.
  bool passed = false;
  uint64_t need = 0;
  for (const std::string cap : {"8 MiB", "16 MiB", "24 MiB", "40 MiB", "64 MiB"}) {
    const auto r = run_einsim(kAttention64K + "--set 'arch.storage.GB.capacity=" + cap + "' --json -");
    INFO(cap << ": " << r.err);
    if (passed) CHECK(r.status == 0);
    if (r.status == 0) {
      passed = true;
      continue;
    }
    REQUIRE(r.status == 2);
    const uint64_t n = need_in(r.err);
    CHECK(n > 0);
    if (need != 0) CHECK(n == need);  // the need does not depend on the capacity
    need = n;
  }
  CHECK(passed);
  CHECK(need >= kOneSlotKV);
}

TEST_CASE("values of one GEMM: tensors over the limit are refused before they are allocated", "[e2e][capacity][values]") {
  const std::string gemm = "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws ";
  // M = 2^20, K = 1024: A has 2^30 elements (8 GiB as float64), over the default 2^24. Under a
  // 2 GiB address-space limit, allocating it would die of bad_alloc; the refusal comes first.
  for (const std::string fidelity : {"cycle", "detailed"}) {
    const auto r = run_einsim(gemm + "--set workload.ranks.M=1048576 --values --fidelity " + fidelity, 2 << 20, 120);
    INFO(fidelity << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("--values: tensor A has 1073741824 elements, more than the limit of 16777216") !=
          std::string::npos);
    CHECK(r.err.find("--values-elements") != std::string::npos);
  }
  // 64^3: every tensor has 64 * 64 = 4096 elements; the limit is inclusive.
  const std::string small = gemm + "--set workload.ranks.M=64 --set workload.ranks.K=64 --set workload.ranks.N=64 --values ";
  const auto under = run_einsim(small + "--values-elements 4095");
  CHECK(under.status == 2);
  CHECK(under.err.find("has 4096 elements, more than the limit of 4095") != std::string::npos);
  const auto at = run_einsim(small + "--values-elements 4096");
  INFO(at.err);
  CHECK(at.status == 0);
  CHECK(run_einsim(small + "--values-elements 0").status == 2);
}

TEST_CASE("a DRAM too small for the run's tensors is an error at its capacity", "[e2e][capacity]") {
  // A 256^3 GEMM keeps A and B (256 x 256 fp16, 128 KiB each) and Z (fp32, 256 KiB) in DRAM:
  // 512 KiB. A DRAM of 256 KiB cannot hold them; one of 512 KiB can.
  char path[] = "/tmp/einsim_e2e_dram_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  auto run_with = [&](const std::string& capacity) {
    {
      std::ofstream out(path);
      out << "architecture:\n"
             "  name: small_dram\n"
             "  technology: {table: horowitz45, node_nm: 45}\n"
             "  clock: 1 GHz\n"
             "  storage:\n"
             "    - name: DRAM\n"
             "      kind: dram\n"
             "      bandwidth: 10 GB/s\n"
             "      capacity: "
          << capacity
          << "\n"
             "    - {name: GB, kind: sram, capacity: 1 MiB}\n"
             "  arrays:\n"
             "    - {name: pe2d, rows: 16, cols: 16, pe: mac_fp16}\n";
    }
    return run_einsim(std::string("simulate -w workloads/library/gemm.yaml -a ") + path +
                      " --dataflow ws --fidelity analytical --set workload.ranks.M=256 --set workload.ranks.K=256"
                      " --set workload.ranks.N=256");
  };
  const auto small = run_with("256 KiB");
  const auto enough = run_with("512 KiB");
  std::remove(path);
  INFO(small.err);
  CHECK(small.status == 2);
  CHECK(small.err.find(std::string(path) + ":9:17: at architecture.storage[0].capacity") != std::string::npos);
  CHECK(small.err.find("keeps 512 KiB (524288 bytes)") != std::string::npos);
  INFO(enough.err);
  CHECK(enough.status == 0);
}
