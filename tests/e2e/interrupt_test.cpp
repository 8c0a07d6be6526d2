// Ctrl-C on a long run: the real binary gets SIGINT after a short delay, stops between
// steps, prints one line, exits with status 130 and leaves no output file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/e2e/run_einsim.hpp"

TEST_CASE("Ctrl-C interrupts a long detailed run: status 130 and no output files", "[e2e][simulate][interrupt]") {
  // 64 x 64 PEs, M = 4096 rows through 256 folds: about 2^32 PE cycles, far longer than the
  // 1.5 s after which `timeout` sends SIGINT (--preserve-status: einsim's own exit status);
  // estimated at minutes, so the default limit is lifted (--detailed-limit 0).
  const std::string base = "/tmp/einsim_e2e_interrupt_" + std::to_string(getpid());
  const std::string json = base + ".json", csv = base + ".csv", vcd = base + ".vcd";
  const auto r = einsim::testing::run_einsim_interrupted(
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws"
      " --set workload.ranks.M=4096 --set workload.ranks.K=1024 --set workload.ranks.N=1024"
      " --set arch.arrays.pe2d.rows=64 --set arch.arrays.pe2d.cols=64 --fidelity detailed"
      " --detailed-limit 0 --json " + json + " --csv " + csv + " --vcd " + vcd,
      "1.5");
  const std::string& stderr_text = r.err;
  INFO(stderr_text);
  CHECK(r.status == 130);
  CHECK(stderr_text.find("einsim: interrupted:") != std::string::npos);
  CHECK(!std::filesystem::exists(json));
  CHECK(!std::filesystem::exists(csv));
  CHECK(!std::filesystem::exists(vcd));
  CHECK(!std::filesystem::exists(vcd + ".partial.vcd"));
  // Not a terminal: no progress bar (no carriage returns) on standard error.
  CHECK(stderr_text.find('\r') == std::string::npos);
}
