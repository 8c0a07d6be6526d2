// einsim map end to end: the best mapping replays exactly, beats or matches every preset,
// does not depend on --jobs, and bad input exits 2 with a message.

#include <catch2/catch.hpp>

#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"
#include "tests/e2e/run_json.hpp"

using einsim::testing::run_einsim;
using einsim::testing::run_json;
using einsim::testing::slurp;

namespace {

std::string tmp(const std::string& what) { return "/tmp/einsim_e2e_map_" + std::to_string(getpid()) + "_" + what; }

double preset_cycles(const std::string& w, const std::string& a, const std::string& df) {
  auto r = run_einsim("simulate -w " + w + " -a " + a + " --dataflow " + df + " --json " + tmp("p.json"));
  if (r.status != 0) return -1;  // the preset does not fit
  auto j = nlohmann::json::parse(slurp(tmp("p.json")));
  std::remove(tmp("p.json").c_str());
  return j["cycles"].get<double>();
}

}  // namespace

TEST_CASE("einsim map: the best replays exactly with simulate -m", "[e2e][map]") {
  const std::string w = "workloads/library/attention_fusemax.yaml", a = "arch/library/fusemax_cloud.yaml";
  const std::string yaml = tmp("best.yaml");
  auto j = run_json("map -w " + w + " -a " + a + " --budget 12 -o " + yaml);
  for (const char* key : {"evaluations", "legal", "wall_seconds", "objective", "cycles", "energy_pj", "mapping"})
    CHECK(j.contains(key));
  CHECK(j["evaluations"].get<int>() <= 12);
  CHECK(j["objective"] == "cycles");
  auto s = run_json("simulate -w " + w + " -a " + a + " -m " + yaml);
  CHECK(s["cycles"].get<double>() == j["cycles"].get<double>());
  CHECK(s["energy_pj"].get<double>() == Approx(j["energy_pj"].get<double>()).epsilon(1e-12));
  std::remove(yaml.c_str());
}

TEST_CASE("einsim map: at least as good as every applicable preset", "[e2e][map]") {
  struct Case {
    std::string w, a;
  };
  const Case cases[] = {
      {"workloads/library/gemm.yaml", "arch/library/systolic.yaml"},
      {"workloads/library/gemm.yaml --set workload.ranks.M=1000 --set workload.ranks.N=333",
       "arch/library/systolic.yaml"},
      {"workloads/library/conv2d.yaml", "arch/library/systolic.yaml"},
      {"workloads/library/attention_fusemax.yaml", "arch/library/fusemax_cloud.yaml"},
      {"workloads/library/attention_3pass.yaml", "arch/library/flat_edge.yaml"},
  };
  for (const auto& c : cases) {
    // --set belongs to map; the presets are simulated on the same overrides.
    const auto space = c.w.find(' ');
    const std::string file = c.w.substr(0, space);
    const std::string sets = space == std::string::npos ? "" : c.w.substr(space);
    auto j = run_json("map -w " + c.w + " -a " + c.a + " --budget 6");
    const double best = j["cycles"].get<double>();
    for (const char* df : {"ws", "os", "is", "flat", "fusemax"}) {
      const double p = preset_cycles(file + sets, c.a, df);
      INFO(c.w << " on " << c.a << ", preset " << df << ": " << p << " cycles, map " << best);
      if (p >= 0) CHECK(best <= p);
    }
  }
}

TEST_CASE("einsim map: a small space is searched whole and gives the brute-force optimum", "[e2e][map]") {
  // gemm on the systolic array: the space is the three dataflows of the one GEMM (every base
  // reaches each of them), so its optimum is the best of ws, os and is.
  const std::string w = "workloads/library/gemm.yaml", a = "arch/library/systolic.yaml";
  auto j = run_json("map -w " + w + " -a " + a + " --budget 50");
  CHECK(j["exhaustive"] == true);
  double best = 1e300;
  for (const char* df : {"ws", "os", "is"}) best = std::min(best, preset_cycles(w, a, df));
  CHECK(j["cycles"].get<double>() == best);
}

TEST_CASE("einsim map: the same seed gives the same bytes whatever --jobs is", "[e2e][map]") {
  const std::string args =
      "map -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml --budget 10 --seed 3";
  auto one = run_json(args + " --jobs 1");
  auto two = run_json(args + " --jobs 2");
  CHECK(one["mapping"] == two["mapping"]);
  CHECK(one["cycles"] == two["cycles"]);
  CHECK(one["evaluations"] == two["evaluations"]);
}

TEST_CASE("einsim map: bad input exits 2 with a message", "[e2e][map]") {
  const std::string base = "map -w workloads/library/gemm.yaml -a arch/library/systolic.yaml";
  auto r = run_einsim(base + " --objective speed");
  CHECK(r.status == 2);
  CHECK(r.err.find("--objective speed") != std::string::npos);
  r = run_einsim(base + " --budget 0");
  CHECK(r.status == 2);
  CHECK(r.err.find("--budget 0") != std::string::npos);
  // Attention needs exp, which the systolic architecture's MAC PEs lack, and it has no vector array.
  r = run_einsim("map -w workloads/library/attention_fusemax.yaml -a arch/library/systolic.yaml");
  CHECK(r.status == 2);
  CHECK(r.err.find("no mapping of workload") != std::string::npos);
}

TEST_CASE("einsim simulate without a mapping maps first and says so", "[e2e][map]") {
  auto j = run_json("simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml");
  bool said = false;
  for (const auto& n : j["notes"]) said = said || n.get<std::string>().find("einsim map searched") != std::string::npos;
  CHECK(said);
}
