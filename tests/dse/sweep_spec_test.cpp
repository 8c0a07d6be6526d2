// The sweep grammar: axes, ranges, zip, samples, and located errors.
#include <catch2/catch.hpp>

#include "dse/points.hpp"
#include "dse/sweep_spec.hpp"
#include "sim/core/error.hpp"

using namespace einsim;
using namespace einsim::dse;

namespace {

const std::string kHead = std::string("sweep:\n  workload: ") + EINSIM_SOURCE_DIR +
                          "/workloads/library/gemm.yaml\n  architecture: " + EINSIM_SOURCE_DIR +
                          "/arch/library/systolic.yaml\n  mapping: {dataflow: ws}\n";

SweepSpec parse(const std::string& body) { return parse_sweep(YamlDocument::load_string(kHead + body, "s.yaml")); }

std::string error_of(const std::string& body) {
  try {
    parse(body);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sweep axes: lists, linear and log ranges, zip, grid order") {
  const SweepSpec s = parse(
      "  axes:\n"
      "    - {name: pe, path: arch.arrays.pe2d.pe, values: [mac_int8, mac_fp16]}\n"
      "    - {path: arch.clock, range: {from: 100, to: 300, step: 100}, }\n"
      "    - zip:\n"
      "        - {name: rows, path: arch.arrays.pe2d.rows, range: {from: 16, to: 64, factor: 2}}\n"
      "        - {name: cols, path: arch.arrays.pe2d.cols, range: {from: 1, to: 100, count: 3, scale: log}}\n");
  REQUIRE(s.axes.size() == 4);
  CHECK(s.axes[1].name == "arch.clock");
  CHECK(s.axes[1].values.size() == 3);
  CHECK(s.axes[1].values[2].text == "300");
  CHECK(s.axes[2].values[2].text == "64");                 // 16, 32, 64
  CHECK(s.axes[3].values[1].number == Approx(10.0));     // 1, sqrt(1 x 100), 100
  CHECK(s.axes[2].group == s.axes[3].group);
  const auto points = expand_points(s);
  CHECK(points.size() == 2u * 3u * 3u);  // the zip counts once
  // The last axis moves fastest; zipped axes move together.
  CHECK(points[1].value == std::vector<size_t>{0, 0, 1, 1});
  CHECK(points[3].value == std::vector<size_t>{0, 1, 0, 0});
  CHECK(s.objectives == std::vector<std::string>{"cycles", "energy_pj"});
  CHECK(s.fidelity == "analytical");
}

TEST_CASE("sweep sample: N distinct points, the same for the same seed") {
  const std::string axes =
      "  axes:\n    - {path: arch.arrays.pe2d.rows, range: {from: 1, to: 100, step: 1}}\n"
      "    - {path: arch.arrays.pe2d.cols, range: {from: 1, to: 100, step: 1}}\n";
  const auto a = expand_points(parse(axes + "  sample: {points: 50, seed: 7}\n"));
  const auto b = expand_points(parse(axes + "  sample: {points: 50, seed: 7}\n"));
  const auto c = expand_points(parse(axes + "  sample: {points: 50, seed: 8}\n"));
  REQUIRE(a.size() == 50);
  std::set<uint64_t> distinct;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].index == b[i].index);
    distinct.insert(a[i].index);
    CHECK(a[i].index < 10000);
  }
  CHECK(distinct.size() == 50);
  bool differ = false;
  for (size_t i = 0; i < a.size(); ++i) differ = differ || a[i].index != c[i].index;
  CHECK(differ);
}

TEST_CASE("sweep shards partition the points") {
  const SweepSpec s = parse("  axes:\n    - {path: arch.arrays.pe2d.rows, range: {from: 1, to: 10, step: 1}}\n");
  const auto all = expand_points(s);
  size_t total = 0;
  std::set<uint64_t> seen;
  for (int i = 0; i < 3; ++i)
    for (const auto& p : shard_points(all, i, 3)) {
      ++total;
      seen.insert(p.index);
    }
  CHECK(total == all.size());
  CHECK(seen.size() == all.size());
}

TEST_CASE("sweep errors name file, line, column and path") {
  CHECK_THAT(error_of("  axes:\n    - {path: arch.clock}\n"),
             Catch::Contains("s.yaml:6:7") && Catch::Contains("sweep.axes[0]") && Catch::Contains("values: or range:"));
  CHECK_THAT(error_of("  axes:\n    - {path: clock, values: [1]}\n"),
             Catch::Contains("sweep.axes[0].path") && Catch::Contains("must start with workload."));
  CHECK_THAT(error_of("  axes:\n    - zip:\n        - {path: arch.a, values: [1, 2]}\n        - {path: arch.b, values: [1]}\n"),
             Catch::Contains("sweep.axes[0].zip[1]") && Catch::Contains("as many values"));
  CHECK_THAT(error_of("  axes:\n    - {path: arch.a, range: {from: 1, to: 8, factor: 1}}\n"),
             Catch::Contains("factor") && Catch::Contains("above 1"));
  CHECK_THAT(error_of("  constraints: [\"area_mm2 <= \"]\n"), Catch::Contains("sweep.constraints[0]"));
  CHECK_THAT(error_of("  constraints: [\"speed <= 3\"]\n"), Catch::Contains("'speed' is not a number, an axis"));
  CHECK_THAT(error_of("  objectives: [latency]\n"), Catch::Contains("sweep.objectives[0]"));
  CHECK_THAT(error_of("  fidelity: detailed\n"), Catch::Contains("sweep.fidelity"));
  CHECK_THAT(error_of("  iso_area: {budget_mm2: -1, grow: [arch.arrays.pe2d.rows]}\n"),
             Catch::Contains("sweep.iso_area.budget_mm2"));
  CHECK_THAT(error_of("  axes: []\n  axs: []\n"), Catch::Contains("axs"));
}
