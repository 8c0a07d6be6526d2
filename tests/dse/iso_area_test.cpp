// Iso-area sizing: the largest design whose area fits the budget, checked by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "arch/spec/arch_spec.hpp"
#include "arch/tech/cost_table.hpp"
#include "arch/tech/design_cost.hpp"
#include "dse/resolve.hpp"

using namespace einsim;
using namespace einsim::dse;

namespace {

// An array and DRAM only, so the area is the PEs' alone: rows x cols x one PE's area.
const char* kArch = R"(architecture:
  name: tiny
  technology: {table: horowitz45, node_nm: 45}
  clock: 1 GHz
  storage:
    - {name: DRAM, kind: dram, bandwidth: 10 GB/s}
    - {name: GB, kind: sram, capacity: 64 KiB, width_bits: 64, energy_per_bit_pj: 0.1}
  arrays:
    - {name: pe2d, rows: 8, cols: 8, pe: mac_int8}
)";

}  // namespace

TEST_CASE("design_area: the PEs' area is rows x cols x the table's PE area") {
  const ArchSpec arch = load_architecture(YamlDocument::load_string(kArch, "tiny.yaml"));
  const double pe = *resolve_technology("horowitz45", 45).pe_cost("mac_int8").area_um2;
  const DesignCost c = design_area(arch);
  REQUIRE(c.arrays[0].area_um2);
  CHECK(*c.arrays[0].area_um2 == Approx(64 * pe));
  // The total adds the buffer's SRAM area when the table has one.
  const double sram = c.levels[1].area_um2.value_or(0.0);
  CHECK(*c.area_um2 == Approx(64 * pe + sram));
  CHECK(c.energy_pj.value() == 0.0);  // no activity, no energy
}

TEST_CASE("iso-area picks the largest square array that fits") {
  const std::string dir = "/tmp";
  const std::string arch_file = dir + "/einsim_iso_tiny.yaml";
  std::ofstream(arch_file) << kArch;
  const ArchSpec arch = load_architecture(YamlDocument::load_string(kArch, arch_file));
  const double pe = *resolve_technology("horowitz45", 45).pe_cost("mac_int8").area_um2;
  const double sram = design_area(arch).levels[1].area_um2.value_or(0.0);
  const double budget_mm2 = 2.0;
  // Rows = cols = 4k: area(k) = 16 k^2 pe + sram <= budget  =>  k = floor(sqrt((budget - sram) / (16 pe))).
  const int64_t k = static_cast<int64_t>(std::floor(std::sqrt((budget_mm2 * 1e6 - sram) / (16 * pe))));
  REQUIRE(k > 1);
  const std::string sweep = std::string("sweep:\n  workload: ") + EINSIM_SOURCE_DIR +
                            "/workloads/library/gemm.yaml\n  architecture: " + arch_file +
                            "\n  mapping: {dataflow: ws}\n  iso_area:\n    budget_mm2: 2\n    grow:\n"
                            "      - {path: arch.arrays.pe2d.rows, per_step: 4}\n"
                            "      - {path: arch.arrays.pe2d.cols, per_step: 4}\n";
  const SweepSpec spec = parse_sweep(YamlDocument::load_string(sweep, "iso.yaml"));
  const PointResolver resolver(spec);
  const auto points = expand_points(spec);
  REQUIRE(points.size() == 1);
  const ResolvedPoint r = resolver.resolve(points[0]);
  CHECK(r.infeasible.empty());
  CHECK(r.config["iso_area"]["step"] == k);
  CHECK(r.config["iso_area"]["grown"]["arch.arrays.pe2d.rows"] == 4 * k);
  const double area = (16.0 * k * k * pe + sram) / 1e6;
  CHECK(*r.area_mm2 == Approx(area));
  CHECK(*r.slack_mm2 == Approx(budget_mm2 - area));
  CHECK((16.0 * (k + 1) * (k + 1) * pe + sram) / 1e6 > budget_mm2);  // one step more does not fit

  // A budget below the smallest design: infeasible, and says so.
  const std::string tight = sweep.substr(0, sweep.find("budget_mm2: 2")) + "budget_mm2: 0.001" +
                            sweep.substr(sweep.find("budget_mm2: 2") + 13);
  const SweepSpec spec2 = parse_sweep(YamlDocument::load_string(tight, "iso.yaml"));
  const ResolvedPoint r2 = PointResolver(spec2).resolve(expand_points(spec2)[0]);
  CHECK_THAT(r2.infeasible, Catch::Contains("over the budget"));
  std::remove(arch_file.c_str());
}
