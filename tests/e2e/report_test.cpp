// einsim simulate --trace and einsim report, end to end: a trace is valid trace-event JSON
// with one track per array and DRAM channel; the report's CSVs add up to the JSON totals;
// ERT/ART load back and give the report's energy and area; index.html draws every chart
// in headless Chromium (skipped with a message only when chromium is absent).

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
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

// index.html rendered by headless Chromium (its DOM after the scripts ran), or nothing
// (with a warning) when chromium is not installed.
std::optional<std::string> render(const std::string& dir, const std::string& page) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    WARN("chromium is not installed: the page was not rendered (setup.sh installs it)");
    return std::nullopt;
  }
  const std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                          "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
                          dir + "/profile --virtual-time-budget=10000 --dump-dom file://" + page + " > " + dir +
                          "/dom.html 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return slurp(dir + "/dom.html");
}

// Charts whose SVG holds drawn marks (a path with a nonempty outline); every chart must have them.
size_t charts_with_marks(const std::string& dom) {
  size_t charts = 0;
  for (size_t p = 0; (p = dom.find("<div class=\"chart\"", p)) != std::string::npos; ++p) {
    const size_t end = dom.find("<div class=\"chart\"", p + 1);
    const std::string one = dom.substr(p, end == std::string::npos ? std::string::npos : end - p);
    const bool drawn = one.find("<svg") != std::string::npos && one.find("role-mark") != std::string::npos &&
                       one.find("d=\"M") != std::string::npos;
    CHECK(drawn);
    charts += drawn;
  }
  return charts;
}

// Per design (first column), the sum of a CSV column.
std::map<std::string, double> csv_sum_by_design(const std::string& csv, const std::string& column) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> head;
  std::stringstream hs(line);
  for (std::string f; std::getline(hs, f, ',');) head.push_back(f);
  const size_t c = std::find(head.begin(), head.end(), column) - head.begin();
  REQUIRE(c < head.size());
  std::map<std::string, double> sums;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    if (c < f.size() && !f[c].empty()) sums[f[0]] += std::stod(f[c]);
  }
  return sums;
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

  const auto dom = render(d, d + "/out/index.html");
  if (!dom) return;
  CHECK(dom->find(" data-error=\"") == std::string::npos);
  CHECK(dom->find("data-charts-drawn=\"5\"") != std::string::npos);  // energy, area, utilization, traffic, timeline
  CHECK(charts_with_marks(*dom) == 5);
}

TEST_CASE("report of a sweep database: its charts draw, CSVs add up to the points' totals", "[e2e][report]") {
  const std::string d = temp_dir("sweep");
  {
    std::ofstream f(d + "/small.yaml");
    f << "sweep:\n  name: small\n  workload: " << einsim::testing::source_path("workloads/library/gemm.yaml")
      << "\n  architecture: " << einsim::testing::source_path("arch/library/systolic.yaml")
      << "\n  mapping: {dataflow: ws}\n"
         "  set: {workload.ranks.M: 64, workload.ranks.N: 64, workload.ranks.K: 64}\n"
         "  axes:\n"
         "    - {name: dataflow, path: mapping.dataflow, values: [ws, os]}\n"
         "    - {name: rows, path: arch.arrays.pe2d.rows, values: [8, 16]}\n"
         "  objectives: [cycles, energy_pj]\n  fidelity: cycle\n";
  }
  REQUIRE(run_einsim("sweep " + d + "/small.yaml --db " + d + "/small.db -j 1").status == 0);
  auto r = run_einsim("report " + d + "/small.db --out " + d + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  // 2 x 2 points, all ok: up to 4 designs drawn (the default --designs).
  const Json points = Json::parse(slurp(d + "/out/points.json"));
  REQUIRE(points.size() == 4);
  std::set<std::string> axes_seen;
  size_t pareto = 0;
  for (const Json& p : points) {
    CHECK(p["status"] == "ok");
    CHECK(!p.contains("wall_s"));  // a wall-clock time would make the report's bytes differ run to run
    CHECK(!p.contains("config"));
    axes_seen.insert(p["dataflow"].get<std::string>() + "/" + std::to_string(p["rows"].get<int>()));
    pareto += p["pareto"].get<int>();
  }
  CHECK(axes_seen == std::set<std::string>{"ws/8", "ws/16", "os/8", "os/16"});
  CHECK(pareto >= 1);
  // Each design's energy and area rows add up to its point's totals.
  const auto energy = csv_sum_by_design(slurp(d + "/out/energy.csv"), "energy_pj");
  const auto area = csv_sum_by_design(slurp(d + "/out/area.csv"), "area_um2");
  REQUIRE(energy.size() == 4);
  for (const Json& p : points) {
    const std::string key = p["key"].get<std::string>();
    CHECK(energy.at(key) == Approx(p["energy_pj"].get<double>()).epsilon(1e-12));
    CHECK(area.at(key) == Approx(p["area_mm2"].get<double>() * 1e6).epsilon(1e-12));
  }
  // The same database gives the same report, byte for byte.
  REQUIRE(run_einsim("report " + d + "/small.db --out " + d + "/again").status == 0);
  CHECK(slurp(d + "/again/index.html") == slurp(d + "/out/index.html"));
  CHECK(slurp(d + "/again/points.csv") == slurp(d + "/out/points.csv"));

  const auto dom = render(d, d + "/out/index.html");
  if (!dom) return;
  CHECK(dom->find(" data-error=\"") == std::string::npos);
  // One Pareto scatter, 2 axes x 4 metrics (latency, energy, area, EDP), 4 designs x 5 charts.
  const size_t expected = 1 + 2 * 4 + 4 * 5;
  CHECK(dom->find("data-charts-drawn=\"" + std::to_string(expected) + "\"") != std::string::npos);
  CHECK(charts_with_marks(*dom) == expected);
}
