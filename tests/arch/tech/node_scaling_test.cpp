#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "arch/tech/node_scaling.hpp"
#include "sim/core/error.hpp"

using namespace einsim;

TEST_CASE("scaling a node to itself is the identity", "[arch][tech][scaling]") {
  for (double n : scaling_nodes_nm()) {
    CHECK(area_scale(n, n) == 1.0);
    CHECK(energy_scale(n, n) == 1.0);
  }
  CHECK(area_scale(28, 28) == 1.0);
  CHECK(energy_scale(40, 40) == 1.0);
}

TEST_CASE("45 nm to 16 nm uses the published Stillmaker and Baas factors", "[arch][tech][scaling]") {
  // Area: the paper's factor from 45 nm to 16 nm is 0.19.
  CHECK(area_scale(45, 16) == Approx(0.19));
  CHECK(area_scale(45, 130) == Approx(6.4));
  CHECK(area_scale(45, 7) == Approx(0.059));
  CHECK(area_scale(16, 45) == Approx(1 / 0.19));
  // Energy: the per-node fits a V^2 + b V + c at V = 0.8:
  //   45 nm: 1.103 V^2 - 0.362 V + 0.2767;  16 nm: 0.2958 V^2 - 0.1241 V + 0.03024.
  const double v = 0.8;
  const double e45 = 1.103 * v * v - 0.362 * v + 0.2767;
  const double e16 = 0.2958 * v * v - 0.1241 * v + 0.03024;
  CHECK(energy_scale(45, 16) == Approx(e16 / e45));
  std::cout << "45 nm -> 16 nm: area x" << area_scale(45, 16) << ", energy x" << energy_scale(45, 16) << "\n";
}

TEST_CASE("area factors between any tabulated nodes agree with the published matrix", "[arch][tech][scaling]") {
  const auto& nodes = scaling_nodes_nm();
  double worst = 0;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (size_t j = 0; j < nodes.size(); ++j) {
      double published = area_factor_published(static_cast<int>(i), static_cast<int>(j));
      double ours = area_scale(nodes[i], nodes[j]);
      INFO(nodes[i] << " nm -> " << nodes[j] << " nm");
      CHECK(ours == Approx(published).epsilon(0.06));
      worst = std::max(worst, std::abs(ours / published - 1));
    }
  std::cout << "largest deviation from the published area matrix: " << worst * 100 << "%\n";
  // Factors compose: 130 -> 28 -> 7 equals 130 -> 7.
  CHECK(area_scale(130, 28) * area_scale(28, 7) == Approx(area_scale(130, 7)));
}

TEST_CASE("area and energy shrink monotonically from 130 nm to 7 nm", "[arch][tech][scaling]") {
  double prev_area = 2, prev_energy = 2;
  for (double n = 130; n >= 7; n -= 1) {
    double a = area_scale(130, n), e = energy_scale(130, n);
    INFO(n);
    CHECK(a <= prev_area + 1e-12);
    CHECK(e <= prev_energy + 1e-12);
    prev_area = a;
    prev_energy = e;
  }
}

TEST_CASE("an untabulated node lies between its tabulated neighbours", "[arch][tech][scaling]") {
  // 28 nm lies between 32 and 20 nm.
  double a28 = area_scale(45, 28);
  CHECK(a28 < area_scale(45, 32));
  CHECK(a28 > area_scale(45, 20));
  double e28 = energy_scale(45, 28);
  CHECK(e28 < energy_scale(45, 32));
  CHECK(e28 > energy_scale(45, 20));
  // Going there and back through an untabulated node is the identity.
  CHECK(area_scale(45, 28) * area_scale(28, 45) == Approx(1.0));
  CHECK(energy_scale(40, 28) * energy_scale(28, 40) == Approx(1.0));
}

TEST_CASE("nodes outside 7 to 130 nm are refused", "[arch][tech][scaling]") {
  CHECK_THROWS_AS(area_scale(45, 5), Error);
  CHECK_THROWS_AS(energy_scale(180, 45), Error);
  CHECK_THROWS_WITH(energy_scale(45, 3), Catch::Contains("outside the scaling range"));
}
