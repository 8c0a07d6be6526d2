// Every bundled file goes through `einsim check`; every bundled workload through `simulate`
// (mapped first), every bundled mapping through the `simulate` its header documents, and the
// presets through the workloads they fit: under an address-space limit (256 MiB, not under ASan)
// and a time limit (120 s). The shipped examples must stay cheap to check and to run.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
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

// The command a bundled mapping documents in its header comment ("build/einsim simulate ..." with
// its continuation lines), without the program and subcommand: the mapping names the workload
// and architecture it was written for.
std::string documented_command(const std::string& file) {
  std::istringstream in(einsim::testing::slurp(einsim::testing::source_path(file)));
  std::string line, cmd;
  bool open = false;
  const std::string start = "build/einsim simulate";
  while (std::getline(in, line)) {
    if (line.rfind('#', 0) != 0) {
      if (open) break;
      continue;
    }
    std::string text = line.substr(1);
    const auto at = text.find(start);
    if (!open && at == std::string::npos) continue;
    if (!open) text = text.substr(at + start.size());
    open = true;
    const bool more = !text.empty() && text.back() == '\\';
    if (more) text.pop_back();
    cmd += " " + text;
    if (!more) break;
  }
  return cmd;
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

TEST_CASE("every bundled mapping simulates, as its header documents, within the limits", "[e2e][bundled]") {
  for (const auto& f : bundled("mappings/library")) {
    const std::string args = documented_command(f);
    INFO(f << ": " << args);
    REQUIRE(args.find(" -m " + f) != std::string::npos);  // the header shows how to run it
    auto r = run_bounded("simulate" + args);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("cycles") != std::string::npos);
  }
}

TEST_CASE("every bundled workload simulates within the limits, mapped first", "[e2e][bundled]") {
  // On FuseMax's cloud accelerator (a 2D MAC array and a 1D vector array: every operator of the
  // bundled cascades runs there), except a cascade of MixPE's mixed-precision PEs.
  const std::map<std::string, std::string> arch_of = {
      {"workloads/library/gemm_groupwise_quant.yaml", "arch/library/mixpe.yaml"}};
  for (const auto& w : bundled("workloads/library")) {
    const auto it = arch_of.find(w);
    const std::string a = it == arch_of.end() ? "arch/library/fusemax_cloud.yaml" : it->second;
    auto r = run_bounded("simulate -w " + w + " -a " + a);
    INFO(w << " on " << a << "\n" << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("cycles") != std::string::npos);
    CHECK(r.out.find("no mapping given: einsim map searched") != std::string::npos);
  }
}

TEST_CASE("the presets simulate the bundled workloads they fit, within the limits", "[e2e][bundled]") {
  const std::vector<std::string> runs = {
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
