#include "arch/formats/exact_ops.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "tests/arch/formats/random_values.hpp"

using namespace einsim;

TEST_CASE("fused multiply-add rounds once where float64 would round twice", "[arch][formats]") {
  // acc = 2^30 + 2^7 and a x b = -(2^6 - 2^-41), with a = -10610063 x 2^-23 and b = 13264529 x 2^-18
  // (24-bit significands, 10610063 x 13264529 = 2^47 - 1). The exact sum 2^30 + 2^6 + 2^-41 lies just
  // above the fp32 tie between 2^30 and 2^30 + 2^7 (spacing 2^7), so the correct result is 2^30 + 2^7.
  // float64 has spacing 2^-22 at 2^30: fl64(sum) = 2^30 + 2^6, the exact tie, and a second rounding
  // to fp32 gives the even 2^30.
  const double acc = std::ldexp(1, 30) + std::ldexp(1, 7);
  const double a = -std::ldexp(10610063.0, -23);
  const double b = std::ldexp(13264529.0, -18);
  REQUIRE(quantize(NumberFormat::fp32, a) == a);
  REQUIRE(quantize(NumberFormat::fp32, b) == b);
  REQUIRE(a * b == -(std::ldexp(1, 6) - std::ldexp(1, -41)));  // exact in float64
  const double twice = quantize(NumberFormat::fp32, acc + a * b);
  CHECK(twice == std::ldexp(1, 30));  // the double-rounding trap exists
  CHECK(round_fma(NumberFormat::fp32, a, b, acc) == std::ldexp(1, 30) + std::ldexp(1, 7));
  CHECK(round_add(NumberFormat::fp32, acc, a * b) == std::ldexp(1, 30) + std::ldexp(1, 7));
  CHECK(static_cast<double>(std::fmaf(static_cast<float>(a), static_cast<float>(b), static_cast<float>(acc))) ==
        std::ldexp(1, 30) + std::ldexp(1, 7));
}

TEST_CASE("once-rounded fp32 operations equal IEEE float arithmetic", "[arch][formats]") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const float a = static_cast<float>(test::random_magnitude(rng, -40, 40)) * ((rng() & 1) ? -1.f : 1.f);
    const float b = static_cast<float>(test::random_magnitude(rng, -40, 40)) * ((rng() & 1) ? -1.f : 1.f);
    const float c = static_cast<float>(test::random_magnitude(rng, -60, 60)) * ((rng() & 1) ? -1.f : 1.f);
    INFO(a << " " << b << " " << c);
    CHECK(round_add(NumberFormat::fp32, a, c) == static_cast<double>(a + c));
    CHECK(round_mul(NumberFormat::fp32, a, b) == static_cast<double>(a * b));
    CHECK(round_div(NumberFormat::fp32, a, b) == static_cast<double>(a / b));
    CHECK(round_fma(NumberFormat::fp32, a, b, c) == static_cast<double>(std::fmaf(a, b, c)));
  }
  CHECK(std::isnan(max_of(1.0, std::nan(""))));
  CHECK(max_of(-1.0, 2.0) == 2.0);
  CHECK(round_div(NumberFormat::fp16, 1.0, 0.0) == INFINITY);
}

TEST_CASE("round_add and round_fma with a FormatQuantizer equal them on the format", "[arch][formats]") {
  std::mt19937_64 rng(12);
  // The same number: both NaN, or equal with the same sign.
  auto same = [](double got, double want) {
    if (std::isnan(want)) return std::isnan(got);
    return got == want && std::signbit(got) == std::signbit(want);
  };
  auto random_value = [&](int lo, int hi) -> double {
    const uint64_t pick = rng() % 16;
    if (pick == 0) return 0.0;
    if (pick == 1) return (rng() & 1) ? INFINITY : -INFINITY;
    if (pick == 2) return std::nan("");
    const double x = test::random_magnitude(rng, lo, hi);
    return (rng() & 1) ? -x : x;
  };
  for (NumberFormat f : {NumberFormat::fp32, NumberFormat::fp16, NumberFormat::bf16, NumberFormat::fp8_e4m3,
                         NumberFormat::fp8_e5m2, NumberFormat::fp64}) {
    for (Overflow o : {Overflow::ieee, Overflow::saturate}) {
      const FormatQuantizer q(f, o);
      for (int i = 0; i < 20000; ++i) {
        // Operands of fp32 precision (and a few of full float64 precision, whose products are inexact).
        const bool wide = i % 8 == 0;
        double a = random_value(-70, 70), b = random_value(-70, 70), c = random_value(-150, 130);
        if (!wide) {
          a = static_cast<float>(a);
          b = static_cast<float>(b);
          c = static_cast<float>(c);
        }
        INFO(format_name(f) << " " << std::hexfloat << a << " x " << b << " + " << c);
        const double want = round_fma(f, a, b, c, o);
        REQUIRE(same(round_fma(q, a, b, c), want));
        REQUIRE(same(round_add(q, a, c), round_add(f, a, c, o)));
        // Products of fp32 values are exact in float64: the fma is a once-rounded add.
        if (!wide) REQUIRE(same(round_add(q, a * b, c), want));
      }
    }
  }
}
