// End to end: `einsim workload` and `einsim check` on workload files.

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("einsim workload prints the summary of a library cascade", "[e2e][workload]") {
  auto r = run_einsim("workload workloads/library/attention_fusemax.yaml");
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "workload 'attention_fusemax'"));
  CHECK(contains(r.out, "einsums (in topological order):"));
  CHECK(contains(r.out, "   1. QK[b,h,m1,m0,p] = Q[b,h,e,p] * K[b,h,e,m1,m0]"));
  CHECK(contains(r.out, "  12. AV[b,h,f,p] = RNV[b,h,f,M1,p] / RD[b,h,M1,p]"));
  CHECK(contains(r.out, "passes per rank:"));
  CHECK(contains(r.out, "  M      1 pass\n"));
  CHECK(contains(r.out, "live between passes:\n  none"));
  CHECK(r.err.empty());
}

TEST_CASE("einsim workload --json is stable JSON with passes per rank", "[e2e][workload]") {
  auto r = run_einsim("workload workloads/library/attention_3pass.yaml --json -");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["name"] == "attention_3pass");
  CHECK(j["passes"]["M"] == 3);
  CHECK(j["passes"]["P"] == 1);
  CHECK(j["tensors"]["QK"]["bytes"] == int64_t{64} * 12 * 1024 * 1024 * 2);
  CHECK(j["einsums"][0]["ops"]["mul"] == int64_t{64} * 12 * 1024 * 1024 * 64);
  CHECK(j["live_between_passes"]["M"].size() == 4);
  // Deterministic: the same bytes twice.
  CHECK(run_einsim("workload workloads/library/attention_3pass.yaml --json -").out == r.out);
  // Keys in a fixed order.
  CHECK(r.out.find("\"name\"") < r.out.find("\"ranks\""));
  CHECK(r.out.find("\"ops\": {") < r.out.find("\"passes\""));
}

TEST_CASE("einsim workload --set changes the sequence length", "[e2e][workload]") {
  auto r = run_einsim("workload workloads/library/attention_fusemax.yaml --set ranks.M=65536 --json -");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["ranks"]["M"]["size"] == 65536);
  CHECK(j["ranks"]["M1"]["size"] == 65536 / 256);
  CHECK(j["passes"]["M"] == 1);
  CHECK(j["tensors"]["RM"]["init"] == "-inf");
  CHECK(j["tensors"]["RM"]["extents"][2] == 65536 / 256 + 1);
  auto bad = run_einsim("workload workloads/library/attention_fusemax.yaml --set ranks.Mx=4");
  CHECK(bad.status == 2);
  CHECK(contains(bad.err, "no key 'Mx'"));
}

TEST_CASE("einsim workload --dot prints a Graphviz graph", "[e2e][workload]") {
  auto r = run_einsim("workload workloads/library/attention_2pass.yaml --dot");
  REQUIRE(r.status == 0);
  CHECK(r.out.rfind("digraph \"attention_2pass\" {", 0) == 0);
  CHECK(contains(r.out, "[label=\"QK\"]"));
}

TEST_CASE("einsim workload --eval prints the float64 outputs", "[e2e][workload]") {
  auto r =
      run_einsim("workload workloads/library/gemm.yaml --set ranks.M=2 --set ranks.K=2 --set ranks.N=2 --eval --json -");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["values"]["Z"]["data"].size() == 4);
  auto big = run_einsim("workload workloads/library/gemm.yaml --eval");
  CHECK(big.status == 2);
  CHECK(contains(big.err, "the reference evaluator is for small shapes"));
}

TEST_CASE("einsim workload exits 2 with file and line for a bad workload", "[e2e][workload]") {
  const std::string path = "/tmp/einsim_e2e_bad_workload.yaml";
  {
    std::ofstream f(path);
    f << "workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m] * Nope[m]\n";
  }
  auto r = run_einsim("workload " + path);
  CHECK(r.status == 2);
  CHECK(contains(r.err, path + ":6:21: at workload.einsums[0]: unknown tensor 'Nope'"));
  auto c = run_einsim("check " + path);
  CHECK(c.status == 2);
  CHECK(contains(c.out, "FAIL  " + path));
  std::remove(path.c_str());
  auto missing = run_einsim("workload no/such.yaml");
  CHECK(missing.status == 2);
  CHECK(contains(missing.err, "no/such.yaml: cannot open file"));
}

TEST_CASE("einsim check validates every library workload", "[e2e][workload]") {
  auto r = run_einsim("check workloads/library/*.yaml");
  CHECK(r.status == 0);
  CHECK(contains(
      r.out, "ok    workloads/library/attention_fusemax.yaml: workload 'attention_fusemax': 12 einsums, 15 tensors"));
  CHECK(contains(r.out, "ok    workloads/library/llama2_13b.yaml"));
}

TEST_CASE("einsim workload --eval reads inputs from tensor files", "[e2e][workload]") {
  const std::string a = "/tmp/einsim_e2e_A.txt", b = "/tmp/einsim_e2e_B.txt";
  {
    std::ofstream fa(a);
    fa << "# A: 1 x 2\n1, 2\n";
    std::ofstream fb(b);
    fb << "3 4\n5 6\n";
  }
  auto r = run_einsim(
      "workload workloads/library/gemm.yaml --set ranks.M=1 --set ranks.K=2 --set ranks.N=2 --eval --json - "
      "--input A=" +
      a + " --input B=" + b);
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["values"]["Z"]["data"] == nlohmann::json::array({1 * 3 + 2 * 5, 1 * 4 + 2 * 6}));
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST_CASE("einsim workload takes --set before the file name", "[e2e][workload]") {
  auto r = run_einsim("workload --set ranks.M=4 --set ranks.K=2 workloads/library/gemm.yaml --json -");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["ranks"]["M"]["size"] == 4);
  CHECK(j["ranks"]["K"]["size"] == 2);
}
