#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "arch/formats/quantize.hpp"
#include "sim/core/error.hpp"
#include "tests/arch/formats/random_values.hpp"

using namespace einsim;

namespace {

std::vector<double> random_values(size_t n, uint64_t seed, double lo, double hi) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = lo + (hi - lo) * test::unit(rng);
  return v;
}

}  // namespace

TEST_CASE("per-tensor int8 quantization by absmax", "[arch][formats][quantize]") {
  const std::vector<double> x = {-2.0, 1.0, 0.5, 2.0};
  auto q = quantize_tensor(x, {4}, {NumberFormat::int8});
  REQUIRE(q.scales.size() == 1);
  CHECK(q.scales[0] == 2.0 / 127);
  CHECK(q.zeros.empty());
  // x / scale = -127, 63.5 (tie -> 64), 31.75 -> 32, 127.
  CHECK(decode(NumberFormat::int8, q.codes[0]) == -127);
  CHECK(decode(NumberFormat::int8, q.codes[1]) == 64);
  CHECK(decode(NumberFormat::int8, q.codes[2]) == 32);
  CHECK(decode(NumberFormat::int8, q.codes[3]) == 127);
  const auto d = q.dequantize();
  for (size_t k = 0; k < x.size(); ++k) CHECK(std::fabs(d[k] - x[k]) <= q.scales[0] / 2 * (1 + 1e-12));
}

TEST_CASE("per-channel scales follow the chosen axis", "[arch][formats][quantize]") {
  // 2 x 3, channels along axis 0 (rows) and along axis 1 (columns).
  const std::vector<double> x = {1, -4, 2, 0.5, 0.25, -0.125};
  auto rows = quantize_tensor(x, {2, 3}, {NumberFormat::int4, ScaleGranularity::per_channel, 0});
  REQUIRE(rows.scales.size() == 2);
  CHECK(rows.scales[0] == 4.0 / 7);
  CHECK(rows.scales[1] == 0.5 / 7);
  CHECK(rows.scale_index(4) == 1);
  auto cols = quantize_tensor(x, {2, 3}, {NumberFormat::int4, ScaleGranularity::per_channel, 1});
  REQUIRE(cols.scales.size() == 3);
  CHECK(cols.scales[0] == 1.0 / 7);
  CHECK(cols.scales[1] == 4.0 / 7);
  CHECK(cols.scales[2] == 2.0 / 7);
  CHECK(cols.scale_index(5) == 2);
  CHECK(decode(NumberFormat::int4, cols.codes[1]) == -7);
}

TEST_CASE("per-group quantization round trip stays within half a step", "[arch][formats][quantize]") {
  // Shape [5, 70] with groups of 16 along the last axis: 5 groups per row (the last has 6 elements).
  const std::vector<int64_t> shape = {5, 70};
  const auto x = random_values(5 * 70, 3, -3.0, 3.0);
  for (NumberFormat f : {NumberFormat::int4, NumberFormat::int8}) {
    INFO(format_name(f));
    auto q = quantize_tensor(x, shape, {f, ScaleGranularity::per_group, -1, 16});
    REQUIRE(q.scales.size() == 5 * 5);
    const auto d = q.dequantize();
    for (size_t k = 0; k < x.size(); ++k) {
      const size_t row = k / 70, col = k % 70, g = col / 16;
      REQUIRE(q.scale_index(k) == row * 5 + g);
      double absmax = 0;
      for (size_t j = g * 16; j < std::min<size_t>(g * 16 + 16, 70); ++j) absmax = std::max(absmax, std::fabs(x[row * 70 + j]));
      const double scale = absmax / max_finite(f);
      CHECK(q.scales[q.scale_index(k)] == scale);
      CHECK(std::fabs(d[k] - x[k]) <= scale / 2 * (1 + 1e-12));
    }
  }
}

TEST_CASE("asymmetric uint4 groups use zero points", "[arch][formats][quantize]") {
  const auto x = random_values(4 * 32, 5, -1.0, 3.0);
  auto q = quantize_tensor(x, {4, 32}, {NumberFormat::uint4, ScaleGranularity::per_group, 1, 8});
  REQUIRE(q.zeros.size() == q.scales.size());
  REQUIRE(q.scales.size() == 16);
  const auto d = q.dequantize();
  for (size_t s = 0; s < q.scales.size(); ++s) {
    double lo = 0, hi = 0;
    for (size_t k = s * 8; k < s * 8 + 8; ++k) lo = std::min(lo, x[k]), hi = std::max(hi, x[k]);
    CHECK(q.scales[s] == (hi - lo) / 15);
    CHECK(q.zeros[s] == static_cast<int>(std::nearbyint(-lo / q.scales[s])));
  }
  for (size_t k = 0; k < x.size(); ++k) CHECK(std::fabs(d[k] - x[k]) <= q.scales[q.scale_index(k)] / 2 * (1 + 1e-9));
}

TEST_CASE("fp8 per-channel quantization keeps relative precision", "[arch][formats][quantize]") {
  const auto x = random_values(8 * 40, 8, -100.0, 100.0);
  auto q = quantize_tensor(x, {8, 40}, {NumberFormat::fp8_e4m3, ScaleGranularity::per_channel, 0});
  const auto d = q.dequantize();
  for (size_t k = 0; k < x.size(); ++k) {
    const double s = q.scales[q.scale_index(k)];
    // Half a unit in the last place: 2^-4 relative for normals, half the smallest subnormal below.
    const double bound = std::max(std::fabs(x[k]) * std::ldexp(1, -4), min_subnormal(NumberFormat::fp8_e4m3) / 2 * s);
    CHECK(std::fabs(d[k] - x[k]) <= bound * (1 + 1e-12));
  }
}

TEST_CASE("stochastic tensor quantization is reproducible", "[arch][formats][quantize]") {
  const auto x = random_values(256, 13, -1.0, 1.0);
  QuantSpec spec{NumberFormat::int4, ScaleGranularity::per_group, -1, 32, Rounding::stochastic};
  StochasticRounder a(1), b(1);
  CHECK(quantize_tensor(x, {256}, spec, &a).codes == quantize_tensor(x, {256}, spec, &b).codes);
  StochasticRounder c(2);
  CHECK(quantize_tensor(x, {256}, spec, &c).codes != quantize_tensor(x, {256}, spec, &a).codes);
}

TEST_CASE("tensor quantization refuses bad requests", "[arch][formats][quantize]") {
  const std::vector<double> x(6, 1.0);
  CHECK_THROWS_AS(quantize_tensor(x, {2, 2}, {}), Error);
  CHECK_THROWS_AS(quantize_tensor(x, {2, 3}, {NumberFormat::int8, ScaleGranularity::per_channel, 2}), Error);
  CHECK_THROWS_AS(quantize_tensor(x, {2, 3}, {NumberFormat::int8, ScaleGranularity::per_group, 1, 0}), Error);
  CHECK_THROWS_AS(quantize_tensor(x, {0, 3}, {}), Error);
  CHECK_THROWS_AS(quantize_tensor({1.0, INFINITY}, {2}, {}), Error);
  CHECK_THROWS_AS(quantize_tensor(x, {1 << 20, 1 << 20}, {}), Error);
  CHECK_THROWS_AS(quantize_tensor(x, {6}, {NumberFormat::fp64}), Error);
  // All zeros: scale 1, codes 0.
  auto z = quantize_tensor(std::vector<double>(4, 0.0), {4}, {});
  CHECK(z.scales[0] == 1.0);
  CHECK(z.codes == std::vector<uint32_t>(4, 0));
}
