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

TEST_CASE("register files cost the table's regfile row, scaled in capacity and width", "[arch][tech][storage]") {
  CostTable f = resolve_technology("fusemax45", 45);
  // The FuseMax artifact's reg_file: 32 x 16 bits, read 0.653431 pJ, write 0.56957 pJ, 4255.9342 um^2.
  StorageCost rf = f.regfile_cost(64, 16);
  CHECK(rf.read_pj == Approx(0.653431));
  CHECK(rf.write_pj == Approx(0.56957));
  REQUIRE(rf.area_um2);
  CHECK(*rf.area_um2 == Approx(4255.9342));
  CHECK_FALSE(rf.derived);
  // Linear in the access width; per bit ~ sqrt(capacity); area ~ capacity.
  StorageCost wide = f.regfile_cost(64, 32);
  CHECK(wide.read_pj == Approx(2 * 0.653431));
  CHECK(wide.derived);
  StorageCost big = f.regfile_cost(256, 16);
  CHECK(big.read_pj == Approx(0.653431 * 2));
  CHECK(big.write_pj == Approx(0.56957 * 2));
  CHECK(*big.area_um2 == Approx(4255.9342 * 4));
  // At another node: the node's energy and area factors.
  CostTable f16 = resolve_technology("fusemax45", 16);
  CHECK(f16.regfile_cost(64, 16).read_pj == Approx(0.653431 * energy_scale(45, 16)));
  CHECK(*f16.regfile_cost(64, 16).area_um2 == Approx(4255.9342 * area_scale(45, 16)));
}

TEST_CASE("register files without a regfile row are built from registers or the SRAM fit", "[arch][tech][storage]") {
  // Aladdin: a 1-bit register, 0.009 pJ and 5.98 um^2. A w-bit access touches w of them;
  // the file holds capacity x 8.
  CostTable a = resolve_technology("aladdin40", 40);
  StorageCost ra = a.regfile_cost(64, 16);
  CHECK(ra.read_pj == Approx(16 * 0.009));
  CHECK(ra.write_pj == Approx(16 * 0.009));
  REQUIRE(ra.area_um2);
  CHECK(*ra.area_um2 == Approx(64 * 8 * 5.98));
  CHECK(ra.derived);
  // Horowitz: no register file or register: the SRAM fit below its 8 KB point, sqrt(capacity).
  CostTable h = resolve_technology("horowitz45", 45);
  StorageCost rh = h.regfile_cost(64, 16);
  CHECK(rh.read_pj == Approx(10.0 / 64 * 16 * std::sqrt(64.0 / 8192)));
  CHECK(rh.derived);
  CHECK_FALSE(rh.area_um2);
  // MixPE's table has only whole PEs.
  CostTable m = resolve_technology("mixpe28", 28);
  CHECK_THROWS_WITH(m.regfile_cost(64, 16), Catch::Contains("no `regfile`, `register` or `sram` entries"));
}
