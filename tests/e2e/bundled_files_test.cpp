// Every bundled file goes through `einsim check`, and every bundled workload
// through a representative `simulate`, under an address-space limit (256 MiB,
// not under ASan) and a time limit (60 s): the shipped examples must stay
// cheap to check and to run.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;

namespace {

std::vector<std::string> bundled(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(EINSIM_SOURCE_DIR) + "/" + dir))
    if (e.path().extension() == ".yaml") out.push_back(dir + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

einsim::testing::RunResult run_bounded(const std::string& args) {
  return run_einsim(args, 262144, 120);
}

}  // namespace

TEST_CASE("every bundled file passes einsim check within the limits", "[e2e][bundled]") {
  for (const char* dir : {"workloads/library", "arch/library", "arch/tech/tables"}) {
    for (const auto& f : bundled(dir)) {
      auto r = run_bounded("check " + f);
      INFO(f << "\n" << r.out << r.err);
      CHECK(r.status == 0);
      CHECK(r.out.find("ok") != std::string::npos);
    }
  }
}

TEST_CASE("every bundled mapping and workload simulates within the limits", "[e2e][bundled]") {
  // Mappings name the workload and architecture they were written for.
  const std::vector<std::string> runs = {
      "-w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
      "-m mappings/library/fusemax_attention.yaml",
      "-w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws",
      "-w workloads/library/attention_3pass.yaml -a arch/library/flat_cloud.yaml --dataflow flat",
      "-w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml --dataflow fusemax",
  };
  for (const auto& args : runs) {
    auto r = run_bounded("simulate " + args);
    INFO(args << "\n" << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("cycles") != std::string::npos);
  }
}
