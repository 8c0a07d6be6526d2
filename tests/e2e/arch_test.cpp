#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;

TEST_CASE("einsim check accepts every bundled architecture", "[e2e][arch]") {
  auto r = run_einsim(
      "check arch/library/systolic.yaml arch/library/fusemax_cloud.yaml arch/library/flat_cloud.yaml "
      "arch/library/flat_edge.yaml arch/library/mixpe.yaml");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("ok    arch/library/fusemax_cloud.yaml: architecture fusemax_cloud") != std::string::npos);
  CHECK(r.out.find("pe1d 256 lanes vector_fp16") != std::string::npos);
  CHECK(r.out.find("ok    arch/library/mixpe.yaml") != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("einsim check reports a bad architecture with file line and path", "[e2e][arch]") {
  char path[] = "/tmp/einsim_e2e_arch_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "architecture:\n"
           "  name: bad\n"
           "  technology: {table: horowitz45, node_nm: 45}\n"
           "  clock: 1 GHz\n"
           "  storage:\n"
           "    - {name: DRAM, kind: dram, bandwidth: 10 GB/s}\n"
           "  arrays:\n"
           "    - name: pe2d\n"
           "      rows: 4\n"
           "      cols: 4\n"
           "      pe: mac_int3\n";
  }
  auto r = run_einsim(std::string("check ") + path);
  std::remove(path);
  INFO(r.out << r.err);
  CHECK(r.status == 2);
  CHECK(r.out.find("FAIL") != std::string::npos);
  CHECK(r.err.find(std::string(path) + ":11:11") != std::string::npos);
  CHECK(r.err.find("architecture.arrays[0].pe") != std::string::npos);
  CHECK(r.err.find("unknown PE kind 'mac_int3'") != std::string::npos);
}
