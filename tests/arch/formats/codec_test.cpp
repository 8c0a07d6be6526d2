#include "arch/formats/codec.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "sim/core/error.hpp"
#include "tests/arch/formats/random_values.hpp"

using namespace einsim;

namespace {

// The value of an 8-bit float code from its fields, written out here from the format
// definitions (OCP 8-bit floating point spec, v1.0).
double e4m3_value(uint32_t c) {
  const int s = (c >> 7) & 1, e = (c >> 3) & 15, m = c & 7;
  if (e == 15 && m == 7) return std::numeric_limits<double>::quiet_NaN();
  const double mag = e == 0 ? std::ldexp(m, 1 - 7 - 3) : std::ldexp(8 + m, e - 7 - 3);
  return s ? -mag : mag;
}

double e5m2_value(uint32_t c) {
  const int s = (c >> 7) & 1, e = (c >> 2) & 31, m = c & 3;
  if (e == 31) return m == 0 ? (s ? -INFINITY : INFINITY) : std::numeric_limits<double>::quiet_NaN();
  const double mag = e == 0 ? std::ldexp(m, 1 - 15 - 2) : std::ldexp(4 + m, e - 15 - 2);
  return s ? -mag : mag;
}

void check_all_codes(NumberFormat f, double (*expected)(uint32_t)) {
  int nans = 0;
  for (uint32_t c = 0; c < 256; ++c) {
    INFO(format_name(f) << " code " << c);
    const double want = expected(c);
    const double got = decode(f, c);
    if (std::isnan(want)) {
      CHECK(std::isnan(got));
      CHECK(is_nan_code(f, c));
      ++nans;
      continue;
    }
    CHECK_FALSE(is_nan_code(f, c));
    CHECK(got == want);
    CHECK(std::signbit(got) == std::signbit(want));
    CHECK(encode(f, got) == c);
  }
  if (f == NumberFormat::fp8_e4m3) CHECK(nans == 2);  // S.1111.111 only
  if (f == NumberFormat::fp8_e5m2) CHECK(nans == 6);  // S.11111.{01,10,11}
}

// For a positive finite x within range: the chosen value and its neighbour bracket x, the
// chosen one is the nearer, and a tie picks the even code.
void check_nearest_even(NumberFormat f, double x) {
  const uint32_t c = encode(f, x);
  const double v = decode(f, c);
  INFO(format_name(f) << " x=" << x << " code=" << c << " value=" << v);
  REQUIRE(std::isfinite(v));
  double other;
  if (v <= x) {
    other = decode(f, c + 1);  // positive codes are ordered like their values
    REQUIRE(v <= x);
    REQUIRE(x <= other);
  } else {
    REQUIRE(c > 0);
    other = decode(f, c - 1);
    REQUIRE(other <= x);
  }
  const double dv = std::fabs(v - x), dother = std::fabs(other - x);  // exact (Sterbenz)
  CHECK(dv <= dother);
  if (dv == dother && v != other) CHECK((c & 1u) == 0);
  CHECK(encode(f, -x) == (c | (1u << (format_bits(f) - 1))));
}

}  // namespace

TEST_CASE("fp8_e4m3 decodes all 256 codes exactly and re-encodes them", "[arch][formats]") {
  check_all_codes(NumberFormat::fp8_e4m3, e4m3_value);
  CHECK(max_finite(NumberFormat::fp8_e4m3) == 448.0);
  CHECK_FALSE(has_infinity(NumberFormat::fp8_e4m3));
}

TEST_CASE("fp8_e5m2 decodes all 256 codes exactly and re-encodes them", "[arch][formats]") {
  check_all_codes(NumberFormat::fp8_e5m2, e5m2_value);
  CHECK(max_finite(NumberFormat::fp8_e5m2) == 57344.0);
  CHECK(decode(NumberFormat::fp8_e5m2, 0x7C) == INFINITY);
  CHECK(decode(NumberFormat::fp8_e5m2, 0xFC) == -INFINITY);
}

TEST_CASE("int8 and uint8 decode all 256 codes and re-encode them", "[arch][formats]") {
  for (uint32_t c = 0; c < 256; ++c) {
    const double want_signed = c < 128 ? static_cast<double>(c) : static_cast<double>(c) - 256.0;
    CHECK(decode(NumberFormat::int8, c) == want_signed);
    CHECK(encode(NumberFormat::int8, want_signed) == c);
    CHECK(decode(NumberFormat::uint8, c) == static_cast<double>(c));
    CHECK(encode(NumberFormat::uint8, static_cast<double>(c)) == c);
  }
}

TEST_CASE("int4 and uint4 ranges saturate and wrap", "[arch][formats]") {
  for (uint32_t c = 0; c < 16; ++c) {
    const double s = c < 8 ? c : static_cast<double>(c) - 16.0;
    CHECK(decode(NumberFormat::int4, c) == s);
    CHECK(encode(NumberFormat::int4, s) == c);
    CHECK(decode(NumberFormat::uint4, c) == c);
  }
  CHECK(lowest_finite(NumberFormat::int4) == -8);
  CHECK(max_finite(NumberFormat::int4) == 7);
  CHECK(lowest_finite(NumberFormat::uint4) == 0);
  CHECK(max_finite(NumberFormat::uint4) == 15);
  CHECK(quantize(NumberFormat::int4, 9) == 7);
  CHECK(quantize(NumberFormat::int4, -20) == -8);
  CHECK(quantize(NumberFormat::int4, 9, Rounding::nearest_even, Overflow::wrap) == 9 - 16);
  CHECK(quantize(NumberFormat::int4, -9, Rounding::nearest_even, Overflow::wrap) == -9 + 16);
  CHECK(quantize(NumberFormat::uint4, -1) == 0);
  CHECK(quantize(NumberFormat::uint4, -1, Rounding::nearest_even, Overflow::wrap) == 15);
  CHECK(quantize(NumberFormat::uint4, 17, Rounding::nearest_even, Overflow::wrap) == 1);
  CHECK(quantize(NumberFormat::int4, INFINITY) == 7);
  CHECK(quantize(NumberFormat::int16, 40000) == 32767);
  CHECK(quantize(NumberFormat::int32, -3e9) == -2147483648.0);
  CHECK(quantize(NumberFormat::int32, 2147483648.0, Rounding::nearest_even, Overflow::wrap) == -2147483648.0);
  CHECK(encode(NumberFormat::int32, -1) == 0xFFFFFFFFu);
}

TEST_CASE("round to nearest ties to even", "[arch][formats]") {
  // fp8_e4m3 on [1, 2): spacing 1/8.
  CHECK(quantize(NumberFormat::fp8_e4m3, 1.0625) == 1.0);    // tie between 1 (m=0) and 1.125 (m=1)
  CHECK(quantize(NumberFormat::fp8_e4m3, 1.1875) == 1.25);   // tie between 1.125 (m=1) and 1.25 (m=2)
  CHECK(quantize(NumberFormat::fp8_e4m3, 1.0626) == 1.125);  // above the tie
  // fp8_e5m2 on [1, 2): spacing 1/4.
  CHECK(quantize(NumberFormat::fp8_e5m2, 1.125) == 1.0);
  CHECK(quantize(NumberFormat::fp8_e5m2, 1.375) == 1.5);
  // fp16 around 2048: spacing 2.
  CHECK(quantize(NumberFormat::fp16, 2049) == 2048);
  CHECK(quantize(NumberFormat::fp16, 2051) == 2052);
  CHECK(quantize(NumberFormat::fp16, 1 + std::ldexp(1, -11)) == 1.0);
  CHECK(quantize(NumberFormat::fp16, 1 + 3 * std::ldexp(1, -11)) == 1 + std::ldexp(1, -9));
  // bf16 on [1, 2): spacing 2^-7.
  CHECK(quantize(NumberFormat::bf16, 1 + std::ldexp(1, -8)) == 1.0);
  CHECK(quantize(NumberFormat::bf16, 1 + 3 * std::ldexp(1, -8)) == 1 + std::ldexp(1, -6));
  // fp32 on [1, 2): spacing 2^-23.
  CHECK(quantize(NumberFormat::fp32, 1 + std::ldexp(1, -24)) == 1.0);
  CHECK(quantize(NumberFormat::fp32, 1 + 3 * std::ldexp(1, -24)) == 1 + std::ldexp(1, -22));
  // Integers.
  CHECK(quantize(NumberFormat::int8, 2.5) == 2);
  CHECK(quantize(NumberFormat::int8, 3.5) == 4);
  CHECK(quantize(NumberFormat::int8, -2.5) == -2);
  CHECK(quantize(NumberFormat::int8, -3.5) == -4);
  CHECK(quantize(NumberFormat::int8, 2.5000001) == 3);
  // Subnormal ties: e4m3 spacing 2^-9 below 2^-6.
  CHECK(quantize(NumberFormat::fp8_e4m3, std::ldexp(1, -10)) == 0.0);
  CHECK(quantize(NumberFormat::fp8_e4m3, std::ldexp(3, -10)) == std::ldexp(2, -9));
  // Truncation.
  CHECK(quantize(NumberFormat::fp8_e4m3, 1.2, Rounding::toward_zero) == 1.125);
  CHECK(quantize(NumberFormat::fp8_e4m3, -1.2, Rounding::toward_zero) == -1.125);
  CHECK(quantize(NumberFormat::int8, -2.7, Rounding::toward_zero) == -2);
  // Signed zero survives.
  CHECK(std::signbit(quantize(NumberFormat::fp16, -0.0)));
  CHECK(encode(NumberFormat::fp8_e4m3, -0.0) == 0x80u);
}

TEST_CASE("overflow saturates or goes to infinity or NaN per format", "[arch][formats]") {
  const auto sat = Overflow::saturate;
  const auto rne = Rounding::nearest_even;
  // e4m3: 448 = 1.75 x 2^8 (m=6). 464 is the tie with the would-be 480 (m=7, the NaN code): even -> 448.
  CHECK(quantize(NumberFormat::fp8_e4m3, 460) == 448);
  CHECK(quantize(NumberFormat::fp8_e4m3, 464) == 448);
  CHECK(std::isnan(quantize(NumberFormat::fp8_e4m3, 470)));
  CHECK(quantize(NumberFormat::fp8_e4m3, 470, rne, sat) == 448);
  CHECK(std::isnan(quantize(NumberFormat::fp8_e4m3, 1e9)));
  CHECK(quantize(NumberFormat::fp8_e4m3, -1e9, rne, sat) == -448);
  CHECK(std::isnan(quantize(NumberFormat::fp8_e4m3, INFINITY)));
  CHECK(quantize(NumberFormat::fp8_e4m3, -INFINITY, rne, sat) == -448);
  // e5m2: 57344 = 1.75 x 2^15 (m=3); the tie 61440 goes to the even neighbour 2^16, i.e. infinity.
  CHECK(quantize(NumberFormat::fp8_e5m2, 60000) == 57344);
  CHECK(quantize(NumberFormat::fp8_e5m2, 61440) == INFINITY);
  CHECK(quantize(NumberFormat::fp8_e5m2, 61440, rne, sat) == 57344);
  CHECK(quantize(NumberFormat::fp8_e5m2, -1e6) == -INFINITY);
  // fp16: max 65504; 65520 is the tie with 2^16 -> infinity.
  CHECK(max_finite(NumberFormat::fp16) == 65504);
  CHECK(quantize(NumberFormat::fp16, 65519) == 65504);
  CHECK(quantize(NumberFormat::fp16, 65520) == INFINITY);
  CHECK(quantize(NumberFormat::fp16, 65520, rne, sat) == 65504);
  CHECK(quantize(NumberFormat::fp16, 1e6, Rounding::toward_zero) == 65504);
  CHECK(quantize(NumberFormat::fp16, 1e300) == INFINITY);
  // bf16 and fp32 maxima from their layouts: (2 - 2^-M) x 2^127.
  CHECK(max_finite(NumberFormat::bf16) == std::ldexp(2 - std::ldexp(1, -7), 127));
  CHECK(max_finite(NumberFormat::fp32) == std::ldexp(2 - std::ldexp(1, -23), 127));
  CHECK(quantize(NumberFormat::fp32, 3.5e38) == INFINITY);
  CHECK(quantize(NumberFormat::bf16, -3.5e38, rne, sat) == -max_finite(NumberFormat::bf16));
}

TEST_CASE("subnormals smallest and largest", "[arch][formats]") {
  struct Case {
    NumberFormat f;
    int mantissa_bits;
    int emin;
  };
  for (auto [f, M, emin] :
       {Case{NumberFormat::fp8_e4m3, 3, -6}, Case{NumberFormat::fp8_e5m2, 2, -14}, Case{NumberFormat::fp16, 10, -14},
        Case{NumberFormat::bf16, 7, -126}, Case{NumberFormat::fp32, 23, -126}}) {
    INFO(format_name(f));
    const double smallest = std::ldexp(1.0, emin - M);
    const double largest = std::ldexp((1 << M) - 1, emin - M);
    CHECK(min_subnormal(f) == smallest);
    CHECK(min_normal(f) == std::ldexp(1.0, emin));
    CHECK(encode(f, smallest) == 1u);
    CHECK(encode(f, largest) == (1u << M) - 1);
    CHECK(encode(f, std::ldexp(1.0, emin)) == (1u << M));
    CHECK(decode(f, 1u) == smallest);
    CHECK(decode(f, (1u << M) - 1) == largest);
    CHECK(quantize(f, smallest * 0.5) == 0.0);  // tie with 0 -> even (0)
    CHECK(quantize(f, smallest * 0.51) == smallest);
    CHECK(quantize(f, smallest * 1.5) == 2 * smallest);  // tie -> even (code 2)
    CHECK(quantize(f, -smallest) == -smallest);
    CHECK(quantize(f, 1e-300) == 0.0);
  }
}

TEST_CASE("fp16 and bf16 round random doubles to the nearer neighbour", "[arch][formats]") {
  std::mt19937_64 rng(20241123);
  for (int i = 0; i < 20000; ++i) {
    check_nearest_even(NumberFormat::fp16, test::random_magnitude(rng, -26, 14));
    check_nearest_even(NumberFormat::bf16, test::random_magnitude(rng, -135, 126));
  }
  // Exact ties drawn at random: the midpoint of two neighbours goes to the even code.
  for (int i = 0; i < 2000; ++i) {
    const uint32_t c = 1 + static_cast<uint32_t>(rng() % 0x7BFE);
    const double mid = (decode(NumberFormat::fp16, c) + decode(NumberFormat::fp16, c + 1)) / 2;  // exact
    CHECK(encode(NumberFormat::fp16, mid) == ((c & 1u) ? c + 1 : c));
  }
}

TEST_CASE("fp32 encoding equals the hardware double to float conversion", "[arch][formats]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    double x = test::random_magnitude(rng, -152, 127);
    if (rng() & 1) x = -x;
    const float hw = static_cast<float>(x);  // IEEE 754 conversion, round to nearest even
    INFO("x=" << x);
    CHECK(encode(NumberFormat::fp32, x) == std::bit_cast<uint32_t>(hw));
  }
}

TEST_CASE("stochastic rounding is deterministic per seed and unbiased", "[arch][formats]") {
  const NumberFormat f = NumberFormat::fp8_e4m3;
  const double x = 1.0 + 0.3 * 0.125;  // 30% of the way from 1 to 1.125
  StochasticRounder r1(42), r2(42);
  double sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double a = quantize(f, x, Rounding::stochastic, Overflow::ieee, &r1);
    const double b = quantize(f, x, Rounding::stochastic, Overflow::ieee, &r2);
    REQUIRE(a == b);
    REQUIRE((a == 1.0 || a == 1.125));
    sum += a;
  }
  const double mean = sum / n;
  const double sigma = 0.125 * std::sqrt(0.3 * 0.7 / n);
  INFO("mean " << mean << " input " << x << " sigma " << sigma);
  CHECK(std::fabs(mean - x) < 5 * sigma);
  // Integers: 2.25 rounds up a quarter of the time.
  StochasticRounder r3(9);
  double isum = 0;
  for (int i = 0; i < n; ++i) isum += quantize(NumberFormat::int8, 2.25, Rounding::stochastic, Overflow::ieee, &r3);
  CHECK(std::fabs(isum / n - 2.25) < 5 * std::sqrt(0.25 * 0.75 / n));
  // Representable values never move.
  for (int i = 0; i < 100; ++i) CHECK(quantize(f, 1.125, Rounding::stochastic, Overflow::ieee, &r3) == 1.125);
}

TEST_CASE("codec refuses what it cannot represent", "[arch][formats]") {
  CHECK_THROWS_AS(encode(NumberFormat::fp64, 1.0), Error);
  CHECK(quantize(NumberFormat::fp64, 0.1) == 0.1);
  CHECK_THROWS_AS(encode(NumberFormat::fp16, 1.3, Rounding::stochastic), Error);
  CHECK_THROWS_AS(encode(NumberFormat::fp16, 1.0, Rounding::nearest_even, Overflow::wrap), Error);
  CHECK_THROWS_AS(encode(NumberFormat::int8, std::nan("")), Error);
  CHECK_THROWS_AS(encode(NumberFormat::int8, INFINITY, Rounding::nearest_even, Overflow::wrap), Error);
  CHECK(is_nan_code(NumberFormat::fp16, encode(NumberFormat::fp16, std::nan(""))));
  CHECK(is_nan_code(NumberFormat::fp8_e4m3, encode(NumberFormat::fp8_e4m3, std::nan(""))));
  CHECK(is_nan_code(NumberFormat::fp32, encode(NumberFormat::fp32, std::nan(""))));
  CHECK(std::isnan(decode(NumberFormat::bf16, 0x7FC0)));
}

TEST_CASE("every fp16 and bf16 code decodes to its field value and re-encodes to itself", "[arch][formats]") {
  struct Layout {
    NumberFormat f;
    int exponent_bits, mantissa_bits, bias;
  };
  for (auto [f, E, M, bias] : {Layout{NumberFormat::fp16, 5, 10, 15}, Layout{NumberFormat::bf16, 8, 7, 127}}) {
    const uint32_t all_ones = (1u << E) - 1;
    for (uint32_t c = 0; c < 65536; ++c) {
      const uint32_t s = c >> 15, e = (c >> M) & all_ones, m = c & ((1u << M) - 1);
      double want = e == 0 ? std::ldexp(m, 1 - bias - M) : std::ldexp((1u << M) + m, int(e) - bias - M);
      if (e == all_ones) want = m == 0 ? INFINITY : std::numeric_limits<double>::quiet_NaN();
      if (s) want = -want;
      const double got = decode(f, c);
      if (std::isnan(want)) {
        REQUIRE(std::isnan(got));
        continue;
      }
      REQUIRE(got == want);
      REQUIRE(encode(f, got) == c);
    }
  }
}

namespace {

// The codec's general route for round to nearest even (or any mode): encode, then decode.
double codec_round(NumberFormat f, double x, Rounding r = Rounding::nearest_even, Overflow o = Overflow::ieee) {
  return decode(f, encode(f, x, r, o));
}

// Equal as rounding results: both NaN, or the same value with the same sign of zero for floats
// (an integer format has one zero: a -0.0 input that is already a value stays as it is).
bool same_result(NumberFormat f, double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  if (got != want) return false;
  return !format_info(f).is_float || std::signbit(got) == std::signbit(want);
}

// Inputs that exercise every branch of rounding into f: each code's value, the midpoint of each
// pair of neighbouring codes (exact ties) and the doubles either side of it, values either side
// of each code, random doubles from below the smallest subnormal to beyond the largest finite,
// zeros, infinities and NaN; for integers also halves and integers far outside the range.
std::vector<double> rounding_probes(NumberFormat f, std::mt19937_64& rng) {
  std::vector<double> xs = {0.0,
                            -0.0,
                            INFINITY,
                            -INFINITY,
                            std::nan(""),
                            0x1.0p-1074,
                            -0x1.0p-1060,
                            std::numeric_limits<double>::max(),
                            -std::numeric_limits<double>::min()};
  const int bits = format_bits(f);
  const bool all_codes = bits <= 16;
  const uint64_t codes = all_codes ? (uint64_t{1} << bits) : 40000;
  auto around = [&](double v) {
    if (!std::isfinite(v)) return;
    xs.push_back(v);
    xs.push_back(-v);
    xs.push_back(std::nextafter(v, INFINITY));
    xs.push_back(std::nextafter(v, -INFINITY));
  };
  for (uint64_t i = 0; i < codes; ++i) {
    const uint32_t c = all_codes ? static_cast<uint32_t>(i) : static_cast<uint32_t>(rng()) & code_mask(f);
    const double v = decode(f, c), next = decode(f, (c + 1) & code_mask(f));
    around(v);
    // Neighbouring codes of one sign are neighbouring values (floats) or differ by one (integers).
    if (std::isfinite(v) && std::isfinite(next) && std::fabs(next - v) <= std::fabs(v) + 1.0)
      around(v + (next - v) / 2);
  }
  const double top = std::log2(max_finite(f)), bottom = std::log2(min_subnormal(f));
  for (int i = 0; i < 20000; ++i) {
    const double x = test::random_magnitude(rng, static_cast<int>(bottom) - 4, static_cast<int>(top) + 3);
    xs.push_back((rng() & 1) ? -x : x);
  }
  if (!format_info(f).is_float) {
    for (int i = 0; i < 4000; ++i) {
      const double n =
          static_cast<double>(static_cast<int64_t>(rng() >> (i % 2 ? 11 : 24)) - (int64_t{1} << (i % 2 ? 52 : 39)));
      xs.push_back(n);
      xs.push_back(n + 0.5);
    }
  }
  return xs;
}

}  // namespace

TEST_CASE("FormatQuantizer and quantize equal the codec's encode and decode on every format", "[arch][formats]") {
  std::mt19937_64 rng(20250611);
  for (NumberFormat f : all_formats()) {
    if (f == NumberFormat::fp64) continue;
    const bool is_int = !format_info(f).is_float;
    const std::vector<double> xs = rounding_probes(f, rng);
    std::vector<Overflow> overflows = {Overflow::ieee, Overflow::saturate};
    if (is_int) overflows.push_back(Overflow::wrap);
    for (Overflow o : overflows) {
      const FormatQuantizer q(f, o);
      REQUIRE(q.format() == f);
      REQUIRE(q.overflow() == o);
      int64_t checked = 0;
      for (double x : xs) {
        // What the codec refuses (NaN into an integer, infinity wrapped) quantize refuses too.
        if (is_int && (std::isnan(x) || (std::isinf(x) && o == Overflow::wrap))) {
          CHECK_THROWS_AS(q(x), Error);
          CHECK_THROWS_AS(quantize(f, x, Rounding::nearest_even, o), Error);
          continue;
        }
        const double want = codec_round(f, x, Rounding::nearest_even, o);
        const double want_tz = codec_round(f, x, Rounding::toward_zero, o);
        if (!same_result(f, q(x), want) || !same_result(f, quantize(f, x, Rounding::nearest_even, o), want) ||
            !same_result(f, quantize(f, x, Rounding::toward_zero, o), want_tz)) {
          INFO(format_name(f) << " overflow " << static_cast<int>(o) << " x=" << std::hexfloat << x << " quick " << q(x)
                              << " quantize " << quantize(f, x, Rounding::nearest_even, o) << " codec " << want
                              << " toward zero " << quantize(f, x, Rounding::toward_zero, o) << " codec " << want_tz);
          FAIL();
        }
        ++checked;
      }
      CHECK(checked > 20000);
    }
  }
  // fp64 rounds nothing; wrap is for integers only.
  CHECK(FormatQuantizer(NumberFormat::fp64)(0.1) == 0.1);
  CHECK_THROWS_AS(FormatQuantizer(NumberFormat::fp16, Overflow::wrap), Error);
  // quantize with wrap on a float: a value of the format stays, anything else is refused.
  CHECK(quantize(NumberFormat::fp16, 1.5, Rounding::nearest_even, Overflow::wrap) == 1.5);
  CHECK_THROWS_AS(quantize(NumberFormat::fp16, 1.3, Rounding::nearest_even, Overflow::wrap), Error);
  CHECK_THROWS_AS(quantize(NumberFormat::fp32, 0.1, Rounding::toward_zero, Overflow::wrap), Error);
  // A few cases by hand: a tie to even, a carry into the exponent, wrapping and saturating int32.
  CHECK(FormatQuantizer(NumberFormat::fp16)(2049.0) == 2048.0);
  CHECK(FormatQuantizer(NumberFormat::fp16)(2051.0) == 2052.0);
  CHECK(FormatQuantizer(NumberFormat::fp8_e4m3)(1.9375) == 2.0);
  CHECK(FormatQuantizer(NumberFormat::int32, Overflow::wrap)(2147483648.0) == -2147483648.0);
  CHECK(FormatQuantizer(NumberFormat::int32, Overflow::saturate)(2147483648.0) == 2147483647.0);
  CHECK(FormatQuantizer(NumberFormat::int8)(-128.5) == -128.0);
}
