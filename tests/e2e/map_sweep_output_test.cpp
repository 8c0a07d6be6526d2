// --json FILE|- and --csv FILE|- on einsim map and einsim sweep, end to end: standard output
// holds the JSON alone (the text goes to standard error), the CSV has the JSON's rows with the
// same numbers, and a failed run leaves no output file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_einsim.hpp"

using einsim::testing::run_einsim;
using einsim::testing::slurp;
using Json = nlohmann::json;

namespace {

std::string temp_dir(const std::string& name) {
  const std::string d = (std::filesystem::temp_directory_path() /
                         ("einsim_mapsweep_" + std::to_string(getpid()) + "_" + name))
                            .string();
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// RFC 4180: a header and rows of fields, quoted fields may hold commas, quotes ("") and newlines.
struct Csv {
  std::vector<std::string> head;
  std::vector<std::map<std::string, std::string>> rows;
};

Csv parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\n') {
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
    } else {
      field += c;
    }
  }
  REQUIRE_FALSE(quoted);
  REQUIRE(field.empty());  // every record ends with a newline
  REQUIRE(record.empty());
  Csv csv;
  REQUIRE(!records.empty());
  csv.head = records.front();
  for (size_t r = 1; r < records.size(); ++r) {
    REQUIRE(records[r].size() == csv.head.size());
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < csv.head.size(); ++i) row[csv.head[i]] = records[r][i];
    csv.rows.push_back(row);
  }
  return csv;
}

// A CSV field as the JSON value it stands for: empty is null; numbers compare exactly (17
// significant digits round-trip a double).
bool same(const std::string& field, const Json& v) {
  if (v.is_null()) return field.empty();
  if (v.is_boolean()) return field == (v.get<bool>() ? "true" : "false");
  if (v.is_string()) return field == v.get<std::string>();
  if (v.is_number_integer()) return field == std::to_string(v.get<int64_t>());
  if (v.is_number()) return !field.empty() && std::stod(field) == v.get<double>();
  return false;
}

bool exists(const std::string& p) { return std::filesystem::exists(p); }

const std::string kMapGemm = "map -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --budget 12";

double preset_cycles(const std::string& dataflow) {
  auto r = run_einsim("simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow " + dataflow +
                      " --json -");
  INFO(r.err);
  REQUIRE(r.status == 0);
  return Json::parse(r.out)["cycles"].get<double>();
}

// A sweep of GEMM 64x64x64 on the systolic array: 3 dataflows x (rows, cols) zipped over 2
// values = 6 points.
const std::vector<std::string> kDataflows = {"ws", "os", "is"};
const std::vector<int> kRows = {8, 16}, kCols = {8, 32};

std::string write_sweep(const std::string& dir) {
  const std::string path = dir + "/tiny.yaml";
  std::ofstream f(path);
  f << "sweep:\n  name: tiny\n  workload: " << einsim::testing::source_path("workloads/library/gemm.yaml")
    << "\n  architecture: " << einsim::testing::source_path("arch/library/systolic.yaml")
    << "\n  mapping: {dataflow: ws}\n"
       "  set: {workload.ranks.M: 64, workload.ranks.N: 64, workload.ranks.K: 64}\n"
       "  axes:\n"
       "    - {name: dataflow, path: mapping.dataflow, values: [ws, os, is]}\n"
       "    - zip:\n"
       "        - {name: rows, path: arch.arrays.pe2d.rows, values: [8, 16]}\n"
       "        - {name: cols, path: arch.arrays.pe2d.cols, values: [8, 32]}\n"
       "  objectives: [cycles, energy_pj]\n  fidelity: analytical\n";
  return path;
}

}  // namespace

TEST_CASE("map --json - and --csv: one row per mapping evaluated, the same numbers", "[e2e][map][output]") {
  const std::string d = temp_dir("map");
  auto j = run_einsim(kMapGemm + " --json -");
  INFO(j.err);
  REQUIRE(j.status == 0);
  const Json summary = Json::parse(j.out);  // standard output is the JSON alone
  CHECK(j.err.find("best ") != std::string::npos);  // the text went to standard error
  auto c = run_einsim(kMapGemm + " --csv " + d + "/m.csv");
  REQUIRE(c.status == 0);
  CHECK(c.out.find("best ") != std::string::npos);  // with a file, the text stays on standard output
  const Csv csv = parse_csv(slurp(d + "/m.csv"));
  CHECK(csv.head == std::vector<std::string>{"evaluation", "base", "changes", "legal", "cycles", "energy_pj",
                                             "objective", "best", "error"});
  // One row per evaluation, numbered 1, 2, ... (the same seed gives the same search).
  const Json& cands = summary["candidates"];
  REQUIRE(cands.size() == summary["evaluations"].get<size_t>());
  REQUIRE(csv.rows.size() == cands.size());
  // The search evaluates every preset first: the systolic array's ws, os and is, unchanged.
  REQUIRE(csv.rows.size() >= 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(csv.rows[i].at("base") == kDataflows[i]);
    CHECK(csv.rows[i].at("changes").empty());
    // A preset's cycles are what simulate --dataflow gives.
    CHECK(std::stod(csv.rows[i].at("cycles")) == preset_cycles(kDataflows[i]));
  }
  size_t best_rows = 0;
  double min_cycles = 1e300;
  for (size_t i = 0; i < cands.size(); ++i) {
    CHECK(csv.rows[i].at("evaluation") == std::to_string(i + 1));
    for (const auto& [column, value] : cands[i].items()) {
      INFO("row " << i << " column " << column);
      CHECK(same(csv.rows[i].at(column), value));
    }
    if (csv.rows[i].at("legal") == "true") min_cycles = std::min(min_cycles, std::stod(csv.rows[i].at("cycles")));
    if (csv.rows[i].at("best") == "true") {
      ++best_rows;
      CHECK(cands[i]["evaluation"] == summary["best_evaluation"]);
      CHECK(cands[i]["cycles"].get<double>() == summary["cycles"].get<double>());
    }
  }
  // Objective cycles: the best is the fewest cycles of the legal rows, and only one row is it.
  CHECK(best_rows == 1);
  CHECK(summary["cycles"].get<double>() == min_cycles);
  std::filesystem::remove_all(d);
}

TEST_CASE("map: a failed run leaves no output file, and two outputs cannot share standard output", "[e2e][map][output]") {
  const std::string d = temp_dir("maperr");
  // Attention needs exp, which the systolic architecture's MAC PEs lack: no mapping, exit 2.
  auto r = run_einsim("map -w workloads/library/attention_fusemax.yaml -a arch/library/systolic.yaml --json " + d +
                      "/m.json --csv " + d + "/m.csv -o " + d + "/m.yaml");
  CHECK(r.status == 2);
  CHECK(!exists(d + "/m.json"));
  CHECK(!exists(d + "/m.csv"));
  CHECK(!exists(d + "/m.yaml"));
  CHECK(std::filesystem::is_empty(d));  // no temporary file either
  r = run_einsim(kMapGemm + " --json - --csv -");
  CHECK(r.status == 2);
  CHECK(r.err.find("only one output can go to standard output") != std::string::npos);
  CHECK(r.out.empty());
  std::filesystem::remove_all(d);
}

TEST_CASE("sweep --json - and --csv: every point with its axes, status, metrics and Pareto flag", "[e2e][sweep][output]") {
  const std::string d = temp_dir("sweep");
  const std::string sweep = write_sweep(d);
  auto r = run_einsim("sweep " + sweep + " --db " + d + "/t.sqlite -j 1 --json - --csv " + d + "/t.csv");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("Pareto front") != std::string::npos);  // the text went to standard error
  const Json j = Json::parse(r.out);
  const size_t n = kDataflows.size() * kRows.size();  // the zipped axes move together
  CHECK(j["sweep"] == "tiny");
  CHECK(j["axes"] == Json::array({"dataflow", "rows", "cols"}));
  CHECK(j["run"]["points"] == n);
  CHECK(j["run"]["evaluated"] == n);
  CHECK(j["run"]["already_done"] == 0);
  const Json& points = j["points"];
  REQUIRE(points.size() == n);
  const Csv csv = parse_csv(slurp(d + "/t.csv"));
  CHECK(csv.head == std::vector<std::string>{"key", "dataflow", "rows", "cols", "status", "error", "cycles", "seconds",
                                             "energy_pj", "area_mm2", "edp", "dram_bytes", "utilization", "pareto"});
  REQUIRE(csv.rows.size() == n);
  for (size_t i = 0; i < n; ++i) {
    // Grid order: the last axis (the zip) fastest.
    CHECK(points[i]["dataflow"] == kDataflows[i / kRows.size()]);
    CHECK(points[i]["rows"] == kRows[i % kRows.size()]);
    CHECK(points[i]["cols"] == kCols[i % kRows.size()]);
    CHECK(points[i]["status"] == "ok");
    for (const auto& [column, value] : points[i].items()) {
      INFO("row " << i << " column " << column);
      CHECK(same(csv.rows[i].at(column), value));
    }
    // edp is energy (pJ) times seconds.
    CHECK(points[i]["edp"].get<double>() ==
          Approx(points[i]["energy_pj"].get<double>() * points[i]["seconds"].get<double>()).epsilon(1e-12));
  }
  // The Pareto flag by hand: a point is on the front unless another is no worse in cycles and
  // energy and better in one of them.
  size_t on_front = 0;
  for (size_t i = 0; i < n; ++i) {
    bool dominated = false;
    for (size_t k = 0; k < n; ++k) {
      const double ci = points[i]["cycles"].get<double>(), ck = points[k]["cycles"].get<double>();
      const double ei = points[i]["energy_pj"].get<double>(), ek = points[k]["energy_pj"].get<double>();
      dominated = dominated || (ck <= ci && ek <= ei && (ck < ci || ek < ei));
    }
    INFO("point " << i);
    CHECK(points[i]["pareto"].get<bool>() == !dominated);
    on_front += !dominated;
  }
  CHECK(j["pareto_front"].size() == on_front);

  // Resumed: nothing evaluated again, the same rows from the database.
  auto again = run_einsim("sweep " + sweep + " --db " + d + "/t.sqlite -j 1 --json -");
  REQUIRE(again.status == 0);
  const Json k = Json::parse(again.out);
  CHECK(k["run"]["already_done"] == n);
  CHECK(k["run"]["evaluated"] == 0);
  CHECK(k["points"] == points);

  // sweep merge writes the joined database's points the same way (ordered by key there).
  auto m = run_einsim("sweep merge " + d + "/t.sqlite -o " + d + "/all.sqlite --csv -");
  INFO(m.err);
  REQUIRE(m.status == 0);
  const Csv merged = parse_csv(m.out);
  CHECK(merged.head == csv.head);
  REQUIRE(merged.rows.size() == n);
  std::map<std::string, std::map<std::string, std::string>> by_key;
  for (const auto& row : csv.rows) by_key[row.at("key")] = row;
  for (const auto& row : merged.rows) CHECK(by_key.at(row.at("key")) == row);
  std::filesystem::remove_all(d);
}

TEST_CASE("sweep: a failed run leaves no output file", "[e2e][sweep][output]") {
  const std::string d = temp_dir("sweeperr");
  // A workload file where a sweep file belongs: exit 2 before anything is written.
  auto r = run_einsim("sweep workloads/library/gemm.yaml --db " + d + "/t.sqlite --json " + d + "/t.json --csv " + d +
                      "/t.csv");
  CHECK(r.status == 2);
  CHECK(r.err.find("expects a sweep") != std::string::npos);
  CHECK(!exists(d + "/t.json"));
  CHECK(!exists(d + "/t.csv"));
  // An output directory that does not exist: the sweep runs, the file cannot be written, exit 2
  // with its name, and no partial or temporary file is left.
  const std::string sweep = write_sweep(d);
  r = run_einsim("sweep " + sweep + " --db " + d + "/t.sqlite -j 1 --csv " + d + "/missing/t.csv");
  CHECK(r.status == 2);
  CHECK(r.err.find(d + "/missing/t.csv") != std::string::npos);
  CHECK(!exists(d + "/missing"));
  r = run_einsim("sweep " + sweep + " --db " + d + "/t.sqlite --json - --csv -");
  CHECK(r.status == 2);
  CHECK(r.err.find("only one output can go to standard output") != std::string::npos);
  std::filesystem::remove_all(d);
}
