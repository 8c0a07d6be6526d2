// Sweeps whose points are mapped by the mapper (`mapping: map`): the grammar, and a run
// whose every point is at least as fast as the preset the mapper starts from.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "dse/result_store.hpp"
#include "dse/sweep_spec.hpp"
#include "sim/core/error.hpp"

using namespace einsim;
using namespace einsim::dse;

namespace {

const std::string kSrc = EINSIM_SOURCE_DIR;

std::string head(const std::string& mapping) {
  return "sweep:\n  workload: " + kSrc + "/workloads/library/gemm.yaml\n  architecture: " + kSrc +
         "/arch/library/systolic.yaml\n  mapping: " + mapping + "\n";
}

SweepSpec parse(const std::string& mapping, const std::string& body = "") {
  return parse_sweep(YamlDocument::load_string(head(mapping) + body, "s.yaml"));
}

std::string error_of(const std::string& mapping, const std::string& body = "") {
  try {
    parse(mapping, body);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string tmp(const std::string& name) { return "/tmp/einsim_sweep_map_" + std::to_string(::getpid()) + "_" + name; }

void remove_db(const std::string& db) {
  for (const char* ext : {"", "-wal", "-shm"}) std::remove((db + ext).c_str());
}

int run(const std::string& args) {
  const std::string cmd = "cd '" + kSrc + "' && '" + EINSIM_BINARY + "' " + args + " >/dev/null 2>&1 </dev/null";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// A sweep over two array shapes of a 256^3 GEMM with the given mapping.
std::string write_sweep(const std::string& name, const std::string& mapping) {
  const std::string path = tmp(name + ".yaml");
  std::ofstream(path) << head(mapping)
                      << "  set: {workload.ranks.M: 256, workload.ranks.N: 256, workload.ranks.K: 256}\n"
                         "  axes:\n"
                         "    - {name: rows, path: arch.arrays.pe2d.rows, values: [16, 32]}\n"
                         "  objectives: [cycles]\n";
  return path;
}

}  // namespace

TEST_CASE("sweep mapping: map, with its objective, budget and seed") {
  const SweepSpec plain = parse("map");
  REQUIRE(plain.map);
  CHECK(plain.map->objective == "cycles");
  CHECK(plain.map->budget == 64);
  CHECK(plain.map->seed == 1);
  CHECK(plain.dataflow.empty());

  const SweepSpec set = parse("{map: {objective: energy, budget: 8, seed: 3}}");
  REQUIRE(set.map);
  CHECK(set.map->objective == "energy");
  CHECK(set.map->budget == 8);
  CHECK(set.map->seed == 3);

  CHECK(parse("{dataflow: os}").map == std::nullopt);
}

TEST_CASE("sweep mapping: map errors name the line and what is allowed") {
  CHECK_THAT(error_of("{map: {objective: speed}}"), Catch::Contains("s.yaml:4") && Catch::Contains("cycles, energy or edp"));
  CHECK_THAT(error_of("{map: {budget: 0}}"), Catch::Contains("at least 1"));
  CHECK_THAT(error_of("{map: {seed: -2}}"), Catch::Contains("seed"));
  CHECK_THAT(error_of("{map: {budget: 8, depth: 2}}"), Catch::Contains("depth"));
  CHECK_THAT(error_of("{map: {}, dataflow: ws}"), Catch::Contains("one of them"));
  CHECK_THAT(error_of("mapper"), Catch::Contains("{map: {...}}"));
  // The mapper chooses the mapping: a mapping axis would be ignored, so it is an error.
  CHECK_THAT(error_of("map", "  axes:\n    - {name: df, path: mapping.dataflow, values: [ws, os]}\n"),
             Catch::Contains("s.yaml:6") && Catch::Contains("the mapper chooses the mapping"));
}

TEST_CASE("a mapped sweep: every point at least as fast as the ws preset, and says how it was mapped") {
  const std::string mapped = write_sweep("mapped", "{map: {objective: cycles, budget: 16, seed: 7}}");
  const std::string preset = write_sweep("preset", "{dataflow: ws}");
  const std::string db_m = tmp("m.sqlite"), db_p = tmp("p.sqlite");
  remove_db(db_m);
  remove_db(db_p);
  REQUIRE(run("sweep " + mapped + " --jobs 2 --db " + db_m) == 0);
  REQUIRE(run("sweep " + preset + " --jobs 1 --db " + db_p) == 0);
  std::map<int64_t, int64_t> ws_cycles;
  for (const Row& r : ResultStore(db_p).rows()) {
    REQUIRE(r.status == "ok");
    ws_cycles[r.axes["rows"].get<int64_t>()] = *r.cycles;
  }
  REQUIRE(ws_cycles.size() == 2);
  const auto rows = ResultStore(db_m).rows();
  REQUIRE(rows.size() == 2);
  for (const Row& r : rows) {
    REQUIRE(r.status == "ok");
    const int64_t rows_axis = r.axes["rows"].get<int64_t>();
    CHECK(*r.cycles <= ws_cycles.at(rows_axis));
    // A GEMM of 256^3 MACs on rows x 256 PEs cannot take fewer cycles than its MACs per PE.
    CHECK(*r.cycles >= 256 * 256 * 256 / (rows_axis * 256));
    const auto config = nlohmann::json::parse(r.config);
    CHECK(config["mapping"]["map"]["budget"] == 16);
    CHECK(config["mapping"]["map"]["seed"] == 7);
    CHECK_THAT(r.report, Catch::Contains("the best of"));
  }
  // The same mapped sweep run again, serially: the same rows (the search is seeded).
  const std::string db_again = tmp("again.sqlite");
  remove_db(db_again);
  REQUIRE(run("sweep " + mapped + " --jobs 1 --db " + db_again) == 0);
  const auto again = ResultStore(db_again).rows();
  REQUIRE(again.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(again[i].key == rows[i].key);
    CHECK(again[i].cycles == rows[i].cycles);
    CHECK(again[i].energy_pj == rows[i].energy_pj);
  }
  for (const auto& d : {db_m, db_p, db_again}) remove_db(d);
  std::remove(mapped.c_str());
  std::remove(preset.c_str());
}
