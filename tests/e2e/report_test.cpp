// einsim simulate --trace and einsim report, end to end: a trace is valid trace-event JSON
// with one track per array and DRAM channel; the report's CSVs add up to the JSON totals;
// ERT/ART load back and give the report's energy and area; index.html draws every chart
// in headless Chromium (skipped with a message only when chromium is absent).

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "run_einsim.hpp"

using einsim::testing::run_einsim;
using einsim::testing::slurp;
using Json = nlohmann::json;

namespace {

std::string temp_dir(const std::string& name) {
  const std::string d = (std::filesystem::temp_directory_path() / ("einsim_report_" + name)).string();
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

const char* kGemm = "simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws";

// Sum of a CSV column (header row names it); fields here have no quotes.
double csv_sum(const std::string& csv, const std::string& column) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> head;
  std::stringstream hs(line);
  for (std::string f; std::getline(hs, f, ',');) head.push_back(f);
  const size_t c = std::find(head.begin(), head.end(), column) - head.begin();
  REQUIRE(c < head.size());
  double sum = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    if (c < f.size() && !f[c].empty()) sum += std::stod(f[c]);
  }
  return sum;
}

}  // namespace

TEST_CASE("simulate --trace: trace events with one track per array and DRAM channel, bounded", "[e2e][report]") {
  const std::string d = temp_dir("trace");
  auto r = run_einsim(std::string(kGemm) + " --trace " + d + "/t.json --trace-limit 10");
  REQUIRE(r.status == 0);
  const Json t = Json::parse(slurp(d + "/t.json"));
  std::set<std::string> tracks;
  size_t ops = 0;
  for (const Json& e : t["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
    if (e["ph"] == "X" && e["cat"] != "group") ++ops;
  }
  // systolic.yaml: one array (pe2d) and DRAM's read and write channels, plus the groups track.
  CHECK(tracks == std::set<std::string>{"groups", "DRAM.read", "DRAM.write", "pe2d"});
  CHECK(ops == 10);  // the limit
  CHECK(t["otherData"]["truncated"] == true);
  CHECK(r.out.find("trace: 10 of") != std::string::npos);
}

TEST_CASE("report: CSVs add up to the JSON totals, ERT/ART match energy and area, page draws", "[e2e][report]") {
  const std::string d = temp_dir("page");
  REQUIRE(run_einsim(std::string(kGemm) + " --json " + d + "/gemm.json").status == 0);
  auto r = run_einsim("report " + d + "/gemm.json --out " + d + "/out");
  REQUIRE(r.status == 0);
  const Json rep = Json::parse(slurp(d + "/gemm.json"));
  const double energy = rep["energy_pj"].get<double>();
  const double area_um2 = rep["area_mm2"].get<double>() * 1e6;
  CHECK(csv_sum(slurp(d + "/out/energy.csv"), "energy_pj") == Approx(energy).epsilon(1e-12));
  CHECK(csv_sum(slurp(d + "/out/area.csv"), "area_um2") == Approx(area_um2).epsilon(1e-12));
  // ERT: energy per action x the report's counts; ART: area per instance x instances.
  const YAML::Node ert = YAML::LoadFile(d + "/out/ERT.yaml");
  double e = 0;
  for (const auto& table : ert["ERT"]["tables"]) {
    const std::string name = table["name"].as<std::string>();
    for (const auto& a : table["actions"]) {
      const std::string action = a["name"].as<std::string>();
      double count = 0;
      if (name.find(".pe2d.PE") != std::string::npos) count = rep["arrays"]["pe2d"]["actions"][action].get<double>();
      for (const auto& [lname, l] : rep["levels"].items())
        if (name == "system.systolic." + lname) count = l[action == "read" ? "reads" : "writes"].get<double>();
      e += a["energy"].as<double>() * count;
    }
  }
  CHECK(e == Approx(energy).epsilon(1e-9));
  const YAML::Node art = YAML::LoadFile(d + "/out/ART.yaml");
  double area = 0;
  for (const auto& table : art["ART"]["tables"]) {
    const std::string name = table["name"].as<std::string>();
    const double n = name.find(".pe2d.PE") != std::string::npos ? rep["arrays"]["pe2d"]["pes"].get<double>() : 1;
    area += table["area"].as<double>() * n;
  }
  CHECK(area == Approx(area_um2).epsilon(1e-9));

  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    WARN("chromium is not installed: the page was not rendered (setup.sh installs it)");
    return;
  }
  const std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                          "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
                          d + "/profile --virtual-time-budget=10000 --dump-dom file://" + d + "/out/index.html > " +
                          d + "/dom.html 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string dom = slurp(d + "/dom.html");
  CHECK(dom.find(" data-error=\"") == std::string::npos);
  CHECK(dom.find("data-charts-drawn=\"5\"") != std::string::npos);  // energy, area, utilization, traffic, timeline
  // Each chart holds an SVG with marks drawn (a path with a nonempty outline).
  size_t charts = 0;
  for (size_t p = 0; (p = dom.find("<div class=\"chart\"", p)) != std::string::npos; ++p) {
    const size_t end = dom.find("<div class=\"chart\"", p + 1);
    const std::string one = dom.substr(p, end == std::string::npos ? std::string::npos : end - p);
    CHECK(one.find("<svg") != std::string::npos);
    CHECK(one.find("role-mark") != std::string::npos);
    CHECK(one.find("d=\"M") != std::string::npos);
    ++charts;
  }
  CHECK(charts == 5);
}
