// One convention for machine-readable output: --json FILE (- for standard output) and
// --csv FILE on workload, pe and simulate; units a person reads in the text; exact
// numbers in JSON and CSV; the meaning of utilization stated in the report.

#include <catch2/catch.hpp>

#include <cstdio>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_einsim.hpp"

using einsim::testing::run_einsim;
using einsim::testing::slurp;
using Json = nlohmann::json;

namespace {

std::string temp_file(const std::string& name) { return "/tmp/einsim_output_" + name; }

}  // namespace

TEST_CASE("workload --json FILE, --json -, --csv; sizes in KiB/MiB/GiB in the text", "[e2e][output]") {
  // gemm.yaml at M=K=N=1024: A and B fp16 (2 MiB each), Z fp32 (4 MiB).
  const std::string json = temp_file("workload.json"), csv = temp_file("workload.csv");
  auto r = run_einsim("workload workloads/library/gemm.yaml --json " + json + " --csv " + csv);
  REQUIRE(r.status == 0);
  const Json j = Json::parse(slurp(json));
  CHECK(j["tensors"]["A"]["bytes"] == 1024 * 1024 * 2);
  CHECK(j["tensors"]["Z"]["bytes"] == 1024 * 1024 * 4);
  CHECK(j["total_tensor_bytes"] == 8 * 1024 * 1024);
  CHECK(slurp(csv) ==
        "name,kind,ranks,extents,format,elements,bytes,producer,consumers\n"
        "A,input,M K,1024 1024,fp16,1048576,2097152,,Z\n"
        "B,input,K N,1024 1024,fp16,1048576,2097152,,Z\n"
        "Z,output,M N,1024 1024,fp32,1048576,4194304,Z,\n");
  // The text: sizes as a person reads them.
  CHECK(r.out.find("2 MiB") != std::string::npos);
  CHECK(r.out.find("4 MiB") != std::string::npos);
  CHECK(r.out.find("total 8 MiB") != std::string::npos);
  CHECK(r.out.find("2097152") == std::string::npos);
  // --json -: the JSON alone on standard output.
  auto s = run_einsim("workload workloads/library/gemm.yaml --json -");
  REQUIRE(s.status == 0);
  CHECK(Json::parse(s.out) == j);
  std::remove(json.c_str());
  std::remove(csv.c_str());
}

TEST_CASE("the old flag forms of workload --json and pe --json get a clear error", "[e2e][output]") {
  auto a = run_einsim("workload workloads/library/gemm.yaml --json");
  CHECK(a.status == 2);
  CHECK(a.err.find("--json takes a file now") != std::string::npos);
  CHECK(a.err.find("--json -") != std::string::npos);
  auto b = run_einsim("workload --json workloads/library/gemm.yaml");
  CHECK(b.status == 2);
  CHECK(b.err.find("was taken as the JSON output") != std::string::npos);
  auto c = run_einsim("pe mac_int8 --json");
  CHECK(c.status == 2);
  CHECK(c.err.find("--json takes a file now") != std::string::npos);
}

TEST_CASE("pe --csv: one row per kind and action, the same numbers as --json", "[e2e][output]") {
  auto j = run_einsim("pe mac_int8 --json -");
  REQUIRE(j.status == 0);
  const Json list = Json::parse(j.out);
  REQUIRE(list.size() == 1);
  auto c = run_einsim("pe mac_int8 --csv -");
  REQUIRE(c.status == 0);
  std::istringstream in(c.out);
  std::string head, row;
  std::getline(in, head);
  CHECK(head == "kind,table,node_nm,area_um2,area_derived,action,energy_pj,energy_derived");
  size_t rows = 0;
  while (std::getline(in, row)) {
    ++rows;
    CHECK(row.rfind("mac_int8,horowitz45,45,", 0) == 0);
  }
  CHECK(rows == list[0]["energy_pj"].size());
}

TEST_CASE("simulate: time in ns/us in the text, --csv one row per group, utilization defined", "[e2e][output]") {
  // gemm.yaml at 64x64x64 on systolic.yaml (clock from the file): seconds = cycles / clock.
  const std::string json = temp_file("sim.json");
  auto r = run_einsim(
      "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws --set workload.ranks.M=64 "
      "--set workload.ranks.K=64 --set workload.ranks.N=64 --json " + json + " --csv -");
  REQUIRE(r.status == 0);
  const Json j = Json::parse(slurp(json));
  const double seconds = j["seconds"].get<double>();
  REQUIRE(seconds > 1e-9);
  REQUIRE(seconds < 1e-3);
  // The text went to standard error (the CSV is standard output); 3 significant digits in ns or us.
  const bool ns = seconds < 1e-6;
  char want[64];
  std::snprintf(want, sizeof want, "(%.3g %ss)", ns ? seconds * 1e9 : seconds * 1e6, ns ? "n" : "u");
  INFO(r.err);
  CHECK(r.err.find(want) != std::string::npos);
  CHECK(r.err.find("utilization = useful PE-cycles / (PEs x total cycles)") != std::string::npos);
  CHECK(j["utilization_definition"].get<std::string>().rfind("utilization = useful PE-cycles", 0) == 0);
  // One group Z: its CSV row carries the JSON's exact cycles.
  const std::string row = "Z,systolic,0," + std::to_string(j["groups"][0]["cycles"].get<uint64_t>()) + ",";
  CHECK(r.out.rfind("group,kind,start_cycle,cycles,steps,simulated_steps,extrapolated,mapping\n", 0) == 0);
  CHECK(r.out.find("\n" + row) != std::string::npos);
  // The same utilization for every group kind: useful MACs / (PEs x cycles) for the GEMM.
  const Json& a = j["arrays"]["pe2d"];
  CHECK(a["utilization"].get<double>() ==
        Approx(64.0 * 64 * 64 / (a["pes"].get<double>() * j["cycles"].get<double>())).epsilon(1e-12));
  std::remove(json.c_str());
}
