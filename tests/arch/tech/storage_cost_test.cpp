#include <catch2/catch.hpp>

#include <cmath>

#include "arch/tech/cost_table.hpp"
#include "arch/tech/node_scaling.hpp"
#include "sim/core/error.hpp"

using namespace einsim;

TEST_CASE("the SRAM fit reproduces its calibration points", "[arch][tech][storage]") {
  CostTable h = resolve_technology("horowitz45", 45);
  // Horowitz: 64-bit reads of 8 KB, 32 KB and 1 MB cost 10, 20 and 100 pJ.
  CHECK(h.storage_cost(8 * 1024, 64, 1).read_pj == Approx(10));
  CHECK(h.storage_cost(32 * 1024, 64, 1).read_pj == Approx(20));
  CHECK(h.storage_cost(1024 * 1024, 64, 1).read_pj == Approx(100));
  CHECK(h.storage_cost(8 * 1024, 64, 1).write_pj == Approx(10));  // no write energy published: taken equal
  CHECK_FALSE(h.storage_cost(8 * 1024, 64, 1).area_um2);          // no SRAM area published

  CostTable f = resolve_technology("fusemax45", 45);
  StorageCost g = f.storage_cost(32.0 * 1024 * 1024, 64, 4);
  CHECK(g.read_pj == Approx(484.884));
  CHECK(g.write_pj == Approx(451.214));
  REQUIRE(g.area_um2);
  CHECK(*g.area_um2 == Approx(94176000));
  CHECK_FALSE(g.derived);
}

TEST_CASE("SRAM energy grows with capacity like a power law and linearly with width", "[arch][tech][storage]") {
  CostTable h = resolve_technology("horowitz45", 45);
  // Between 8 KB and 32 KB the published points give exponent log(20/10)/log(4) = 0.5.
  CHECK(h.storage_cost(16 * 1024, 64, 1).read_pj == Approx(10 * std::pow(2.0, 0.5)));
  // Below and above the points: sqrt(capacity).
  CHECK(h.storage_cost(2 * 1024, 64, 1).read_pj == Approx(10 * std::sqrt(0.25)));
  CHECK(h.storage_cost(4 * 1024 * 1024, 64, 1).read_pj == Approx(100 * 2));
  // Width: energy per bit accessed is constant.
  CHECK(h.storage_cost(32 * 1024, 128, 1).read_pj == Approx(40));
  CHECK(h.storage_cost(32 * 1024, 16, 1).read_pj == Approx(5));
  // Banks: an access touches one bank of capacity / banks.
  CHECK(h.storage_cost(32 * 1024, 64, 4).read_pj == Approx(10));
  double prev = 0;
  for (double cap = 1024; cap <= 64.0 * 1024 * 1024; cap *= 2) {
    double e = h.storage_cost(cap, 64, 1).read_pj;
    CHECK(e > prev);
    prev = e;
  }
}

TEST_CASE("storage costs scale with the node and SRAM area with capacity", "[arch][tech][storage]") {
  TechnologyTable t = load_technology_table(find_technology_file("fusemax45"));
  StorageCost at16 = storage_cost(t, 32.0 * 1024 * 1024, 64, 4, 16);
  CHECK(at16.read_pj == Approx(484.884 * energy_scale(45, 16)));
  CHECK(*at16.area_um2 == Approx(94176000 * 0.19));
  StorageCost half = storage_cost(t, 16.0 * 1024 * 1024, 64, 4, 45);
  CHECK(*half.area_um2 == Approx(94176000 / 2.0));
  CHECK(half.derived);
}

TEST_CASE("DRAM energy per bit and storage errors", "[arch][tech][storage]") {
  CHECK(resolve_technology("horowitz45", 45).dram_energy_per_bit() == Approx(1950.0 / 64));
  CHECK(resolve_technology("fusemax45", 16).dram_energy_per_bit() == Approx(249.6 / 64));  // not node-scaled
  CHECK_THROWS_WITH(resolve_technology("aladdin40", 40).storage_cost(1024, 64, 1), Catch::Contains("no `sram`"));
  CHECK_THROWS_WITH(resolve_technology("aladdin40", 40).dram_energy_per_bit(), Catch::Contains("no `dram`"));
  CostTable h = resolve_technology("horowitz45", 45);
  CHECK_THROWS_AS(h.storage_cost(0, 64, 1), Error);
  CHECK_THROWS_AS(h.storage_cost(1024, 0, 1), Error);
  CHECK_THROWS_AS(h.storage_cost(1024, 64, 0), Error);
}
