#include <catch2/catch.hpp>

#include <cmath>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapper/mapping_writer.hpp"
#include "mappings/mapper/mapspace.hpp"
#include "mappings/mapper/search.hpp"
#include "sim/core/yaml_source.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

std::string src(const std::string& rel) { return std::string(EINSIM_SOURCE_DIR) + "/" + rel; }

// A synthetic, thread-safe cost: a fixed function of the mapping's loops, slots and dataflows.
MapCost toy_cost(const Mapping& m) {
  MapCost c;
  c.legal = true;
  double x = 1000;
  for (const auto& g : m.groups) {
    x += 10.0 * static_cast<double>(g.slots) + 3.0 * static_cast<double>(g.loops.size());
    x += 5.0 * static_cast<double>(static_cast<int>(g.dataflow));
    for (const auto& l : g.loops) x += std::fmod(static_cast<double>(l.tile) * 0.37 + l.rank, 7.0);
    for (const auto& p : g.placements) x += static_cast<double>(p.rows.size() + 2 * p.cols.size());
  }
  c.cycles = x;
  c.energy_pj = 2 * x;
  return c;
}

}  // namespace

TEST_CASE("mapper: the space's all-zero points are the presets", "[mapper]") {
  const EinsumCascade c = load_workload(YamlDocument::load_file(src("workloads/library/attention_fusemax.yaml")));
  const ArchSpec a = load_architecture(YamlDocument::load_file(src("arch/library/fusemax_cloud.yaml")));
  const MapSpace space(c, a);
  REQUIRE(space.bases() >= 1);
  for (int b = 0; b < space.bases(); ++b) {
    const Mapping built = space.build(MapPoint{b, std::vector<int>(space.knobs(b).size(), 0)});
    Mapping preset = preset_mapping(space.base_name(b), c, a);
    preset.name = built.name;
    CHECK(mapping_yaml(built, c, a) == mapping_yaml(preset, c, a));
  }
}

TEST_CASE("mapper: exhaustive search equals the brute-force optimum of a small space", "[mapper]") {
  const EinsumCascade c = load_workload(YamlDocument::load_file(src("workloads/library/gemm.yaml")));
  const ArchSpec a = load_architecture(YamlDocument::load_file(src("arch/library/systolic.yaml")));
  const MapSpace space(c, a);
  // Brute force: every point of the space, built and costed here.
  double best = 1e300;
  for (uint64_t i = 0; i < space.size(); ++i) {
    try {
      best = std::min(best, toy_cost(space.build(space.point_at(i))).cycles);
    } catch (const Error&) {
    }
  }
  SearchOptions o;
  o.budget = static_cast<int64_t>(space.size());
  const SearchResult r = search_mappings(space, toy_cost, o);
  CHECK(r.exhaustive);
  REQUIRE(r.found);
  CHECK(r.best_cost.cycles == best);
}

TEST_CASE("mapper: the same seed gives the same mapping whatever the jobs", "[mapper]") {
  const EinsumCascade c = load_workload(YamlDocument::load_file(src("workloads/library/attention_fusemax.yaml")));
  const ArchSpec a = load_architecture(YamlDocument::load_file(src("arch/library/fusemax_cloud.yaml")));
  const MapSpace space(c, a);
  SearchOptions o;
  o.budget = 60;
  o.seed = 7;
  o.jobs = 1;
  const SearchResult one = search_mappings(space, toy_cost, o);
  o.jobs = 3;
  const SearchResult three = search_mappings(space, toy_cost, o);
  REQUIRE(one.found);
  CHECK(one.evaluations == 60);
  CHECK(three.evaluations == one.evaluations);
  CHECK(mapping_yaml(one.best, c, a) == mapping_yaml(three.best, c, a));
  CHECK(one.best_cost.cycles == three.best_cost.cycles);
}

TEST_CASE("mapper: objectives and bad budgets", "[mapper]") {
  CHECK(parse_objective("edp") == MapObjective::edp);
  CHECK_FALSE(parse_objective("latency"));
  MapCost c;
  c.legal = true;
  c.cycles = 10;
  c.energy_pj = 3;
  CHECK(*objective_value(c, MapObjective::edp) == 30);  // 10 cycles x 3 pJ
  const EinsumCascade w = load_workload(YamlDocument::load_file(src("workloads/library/gemm.yaml")));
  const ArchSpec a = load_architecture(YamlDocument::load_file(src("arch/library/systolic.yaml")));
  const MapSpace space(w, a);
  SearchOptions o;  // neither a budget nor a time
  CHECK_THROWS_AS(search_mappings(space, toy_cost, o), Error);
}
