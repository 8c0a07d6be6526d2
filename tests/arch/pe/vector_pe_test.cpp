#include "arch/pe/vector_pe.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "sim/core/error.hpp"
#include "tests/arch/formats/random_values.hpp"

using namespace einsim;

namespace {

double random_lane_value(std::mt19937_64& rng, NumberFormat f) {
  const double v = quantize(f, test::random_magnitude(rng, -8, 8));
  return (rng() & 1) ? -v : v;
}

// One unit in the last place of f at |v| (the subnormal spacing below the normal range).
double ulp(NumberFormat f, double v) {
  return std::max(std::ldexp(1.0, std::ilogb(v) - format_info(f).mantissa_bits), min_subnormal(f));
}

}  // namespace

TEST_CASE("fp32 vector lane equals IEEE float arithmetic", "[arch][pe][vector]") {
  VectorPe pe(*parse_pe_kind("vector_fp32"));
  std::mt19937_64 rng(31);
  for (int i = 0; i < 5000; ++i) {
    const float a = static_cast<float>(random_lane_value(rng, NumberFormat::fp32));
    const float b = static_cast<float>(random_lane_value(rng, NumberFormat::fp32));
    CHECK(pe.add(a, b) == static_cast<double>(a + b));
    CHECK(pe.sub(a, b) == static_cast<double>(a - b));
    CHECK(pe.mul(a, b) == static_cast<double>(a * b));
    CHECK(pe.div(a, b) == static_cast<double>(a / b));
    CHECK(pe.max(a, b) == static_cast<double>(std::fmax(a, b)));
  }
  CHECK(pe.counts()[PeAction::add] == 5000);
  CHECK(pe.counts()[PeAction::div] == 5000);
}

TEST_CASE("fp16 and bf16 vector lanes round the exact result once", "[arch][pe][vector]") {
  // For +, -, x, / of two p-bit floats, a float64 result rounded again to p bits is correctly
  // rounded whenever 53 >= 2p + 2 (Figueroa, "When is double rounding innocuous?", 1995); p = 11, 8.
  for (NumberFormat f : {NumberFormat::fp16, NumberFormat::bf16}) {
    VectorPe pe(f);
    std::mt19937_64 rng(37);
    for (int i = 0; i < 5000; ++i) {
      const double a = random_lane_value(rng, f), b = random_lane_value(rng, f);
      INFO(format_name(f) << " " << a << " " << b);
      CHECK(pe.add(a, b) == quantize(f, a + b));
      CHECK(pe.sub(a, b) == quantize(f, a - b));
      CHECK(pe.mul(a, b) == quantize(f, a * b));
      CHECK(pe.div(a, b) == quantize(f, a / b));
      CHECK(pe.max(a, b) == std::fmax(a, b));
    }
  }
  VectorPe h(NumberFormat::fp16);
  CHECK(h.add(65504, 65504) == INFINITY);
  CHECK(h.div(1, 0) == INFINITY);
  CHECK(std::isnan(h.max(std::nan(""), 1)));
  CHECK(h.apply(VectorOp::sub, 3, 5) == -2);
}

TEST_CASE("exp on a dedicated unit is the exact exp rounded once", "[arch][pe][vector]") {
  VectorPe pe(NumberFormat::fp16, ExpUnit::dedicated);
  for (int i = -100; i <= 20; ++i) {
    const double x = quantize(NumberFormat::fp16, i * 0.1);
    CHECK(pe.exp(x) == quantize(NumberFormat::fp16, std::exp(x)));
  }
  CHECK(pe.counts()[PeAction::exp] == 121);
  CHECK(pe.counts()[PeAction::mac] == 0);
}

TEST_CASE("exp as a Taylor series on the MACs", "[arch][pe][vector]") {
  // Range reduction r = x - k ln2 with |r| <= ln2/2, then a degree-5 polynomial by Horner (6
  // multiply-adds, the PE traits' kExpTaylorSteps): truncation error <= (ln2/2)^6 / 6! x sqrt(2) ~
  // 3.4e-6 relative, plus fp32 roundings; the fp16 result is then within one fp16 ulp of the exact exp.
  VectorPe pe(NumberFormat::fp16, ExpUnit::taylor_on_mac);
  REQUIRE(pe.taylor_cycles() == 6);
  REQUIRE(pe.op_cycles(VectorOp::exp) == pe_op_traits(*parse_pe_kind("vector_fp16"), PeOp::exp).cycles);
  int n = 0;
  for (int i = -120; i <= 20; ++i, ++n) {
    const double x = quantize(NumberFormat::fp16, i * 0.09);
    const double exact = std::exp(x);
    INFO("x=" << x);
    CHECK(std::fabs(pe.exp(x) - exact) <= ulp(NumberFormat::fp16, exact));
  }
  CHECK(pe.counts()[PeAction::exp] == static_cast<uint64_t>(n));  // one exp action each (the traits)
  CHECK(pe.counts()[PeAction::mac] == 0);

  VectorPe pe32(NumberFormat::fp32, ExpUnit::taylor_on_mac);
  VectorPe pe32_deg9(NumberFormat::fp32, ExpUnit::taylor_on_mac, 9);
  double worst6 = 0, worst9 = 0;  // worst6: the default degree 5 (6 multiply-adds)
  for (int i = -200; i <= 50; ++i) {
    const double x = quantize(NumberFormat::fp32, i * 0.0437);
    worst6 = std::max(worst6, std::fabs(pe32.exp(x) - std::exp(x)) / std::exp(x));
    worst9 = std::max(worst9, std::fabs(pe32_deg9.exp(x) - std::exp(x)) / std::exp(x));
  }
  WARN("Taylor exp in an fp32 lane: worst relative error " << worst6 << " (degree 5, 6 MAC cycles), " << worst9
                                                           << " (degree 9, 10 MAC cycles)");
  // Lagrange remainder: (ln2/2)^6 / 6! x e^(ln2/2) = 2.41e-6 x 1.414 ~ 3.4e-6 relative.
  CHECK(worst6 < 3.41e-6 + 8 * std::ldexp(1, -24));
  CHECK(worst9 < 8 * std::ldexp(1, -24));
  CHECK(pe32_deg9.taylor_cycles() == 10);
  CHECK(pe32_deg9.counts()[PeAction::exp] == 251u);
  CHECK_THROWS_AS(VectorPe(NumberFormat::fp16, ExpUnit::taylor_on_mac, 0), Error);
  CHECK_THROWS_AS(VectorPe(NumberFormat::int8), Error);
}
