// Long Cycle-fidelity runs: Ctrl-C stops them (status 130, no output file), and when standard
// error is not a terminal they print a plain progress line there once they last past the
// quiet threshold (2 s), never on standard output; --no-progress silences it. Nothing here
// asserts a speed: the runs are sized to last several times the thresholds on a slow machine.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;

namespace {

// A GEMM on an 8 x 8 array, every step simulated: K / 16 steps of tile operations
// (about a million steps per second on a 2-core machine).
std::string long_cycle_run(const std::string& k) {
  return "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws"
         " --set workload.ranks.M=4096 --set workload.ranks.N=4096 --set workload.ranks.K=" + k +
         " --set arch.arrays.pe2d.rows=8 --set arch.arrays.pe2d.cols=8 --no-extrapolate";
}

}  // namespace

TEST_CASE("Ctrl-C interrupts a long cycle run: status 130 and no json file", "[e2e][simulate][interrupt]") {
  // 32M steps: half a minute, far longer than the 1.5 s after which `timeout` sends SIGINT
  // (--preserve-status: einsim's own exit status).
  const std::string base = "/tmp/einsim_e2e_cycle_interrupt_" + std::to_string(getpid());
  const std::string json = base + ".json", csv = base + ".csv", trace = base + ".trace.json";
  const auto r = einsim::testing::run_einsim_interrupted(
      long_cycle_run("524288") + " --json " + json + " --csv " + csv + " --trace " + trace, "1.5");
  const std::string &stdout_text = r.out, &stderr_text = r.err;
  INFO(stderr_text);
  CHECK(r.status == 130);
  CHECK(stderr_text.find("einsim: interrupted: cycle fidelity stopped after") != std::string::npos);
  CHECK(stdout_text.empty());
  CHECK(!std::filesystem::exists(json));
  CHECK(!std::filesystem::exists(csv));
  CHECK(!std::filesystem::exists(trace));
}

TEST_CASE("a long cycle run prints plain progress lines on stderr, none with --no-progress", "[e2e][simulate][progress]") {
  // 12M steps: seconds, past the 2 s after which a run that is not on a terminal reports.
  // Under AddressSanitizer the engine runs several times slower: a quarter of the steps
  // still takes seconds.
#if defined(__SANITIZE_ADDRESS__)
  const std::string args = long_cycle_run("49152") + " --json -";
#else
  const std::string args = long_cycle_run("196608") + " --json -";
#endif
  const auto loud = run_einsim(args);
  INFO(loud.err);
  REQUIRE(loud.status == 0);
  CHECK(loud.err.find("simulate: ") != std::string::npos);
  CHECK(loud.err.find("steps (100.0%)") != std::string::npos);
  CHECK(loud.err.find(" elapsed") != std::string::npos);
  CHECK(loud.err.find('\r') == std::string::npos);  // not a terminal: no bar redrawn in place
  CHECK(loud.out.find("simulate: ") == std::string::npos);
  CHECK(loud.out.rfind("{", 0) == 0);

  const auto quiet = run_einsim(args + " --no-progress");
  INFO(quiet.err);
  REQUIRE(quiet.status == 0);
  CHECK(quiet.err.find("simulate: ") == std::string::npos);
  CHECK(quiet.out == loud.out);  // standard output is the report alone either way
}

TEST_CASE("a short cycle run prints no progress", "[e2e][simulate][progress]") {
  const auto r = run_einsim("simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws");
  REQUIRE(r.status == 0);
  CHECK(r.err.find("simulate: ") == std::string::npos);
  CHECK(r.out.find("simulate: ") == std::string::npos);
}

TEST_CASE("simulate --fidelity detailed refuses a run estimated over its limit and names the option", "[e2e][simulate][detailed]") {
  // 256 x 256 PEs, 1024^3: about 4.6e8 PE-cycles, estimated at minutes: refused before elaboration.
  const std::string args =
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws --fidelity detailed";
  const auto r = run_einsim(args, 0, 60);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("over the limit of 60 s") != std::string::npos);
  CHECK(r.err.find("--detailed-limit") != std::string::npos);
  const auto bad = run_einsim(args + " --detailed-limit -1", 0, 60);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--detailed-limit -1") != std::string::npos);
}
