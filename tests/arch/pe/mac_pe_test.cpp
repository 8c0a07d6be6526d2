#include "arch/pe/mac_pe.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "sim/core/error.hpp"
#include "tests/arch/formats/random_values.hpp"

using namespace einsim;

namespace {

// A random finite code of an 8- or 16-bit float format (NaN and infinity codes skipped).
double random_float_value(NumberFormat f, std::mt19937_64& rng) {
  for (;;) {
    const uint32_t c = static_cast<uint32_t>(rng()) & code_mask(f);
    const double v = decode(f, c);
    if (std::isfinite(v)) return v;
  }
}

}  // namespace

TEST_CASE("int8 MAC accumulates exactly in int32 and wraps", "[arch][pe][mac]") {
  MacPe pe(*parse_pe_kind("mac_int8"));
  std::mt19937_64 rng(1);
  std::vector<double> a(256), b(256);
  int64_t exact = 5;
  for (size_t k = 0; k < a.size(); ++k) {
    a[k] = static_cast<int>(rng() % 256) - 128;
    b[k] = static_cast<int>(rng() % 256) - 128;
    exact += static_cast<int64_t>(a[k]) * static_cast<int64_t>(b[k]);
  }
  CHECK(pe.dot(a, b, 5) == static_cast<double>(exact));
  CHECK(pe.counts()[PeAction::mac] == 256);
  CHECK(pe.mac(-128, -128, 0) == 16384);
  // 2^31 - 1 + 1 wraps to -2^31 (two's complement accumulator); a saturating PE stays.
  CHECK(pe.mac(1, 1, 2147483647.0) == -2147483648.0);
  MacPe sat(NumberFormat::int8, NumberFormat::int8, NumberFormat::int32, Overflow::saturate);
  CHECK(sat.mac(1, 1, 2147483647.0) == 2147483647.0);
  CHECK(pe.mac_codes(encode(NumberFormat::int8, -3), encode(NumberFormat::int8, 7), encode(NumberFormat::int32, 1)) ==
        encode(NumberFormat::int32, -20));
}

TEST_CASE("fp8 fp16 bf16 and fp32 MACs with fp32 accumulation equal one fused rounding", "[arch][pe][mac]") {
  // The reference: fmaf computes a x b + acc exactly and rounds once to fp32 (IEEE 754 fusedMultiplyAdd);
  // every operand format here is a subset of fp32.
  std::mt19937_64 rng(2);
  for (const char* name : {"mac_fp8_e4m3", "mac_fp8_e5m2", "mac_fp16", "mac_bf16", "mac_fp32"}) {
    MacPe pe(*parse_pe_kind(name));
    REQUIRE(pe.acc_format() == NumberFormat::fp32);
    for (int i = 0; i < 5000; ++i) {
      const double a = pe.a_format() == NumberFormat::fp32 ? static_cast<float>(test::random_magnitude(rng, -30, 30))
                                                           : random_float_value(pe.a_format(), rng);
      const double b = pe.b_format() == NumberFormat::fp32 ? -static_cast<float>(test::random_magnitude(rng, -30, 30))
                                                           : random_float_value(pe.b_format(), rng);
      const float acc = static_cast<float>(test::random_magnitude(rng, -40, 40)) * ((rng() & 1) ? 1.f : -1.f);
      const double want = std::fmaf(static_cast<float>(a), static_cast<float>(b), acc);
      INFO(name << ": " << a << " x " << b << " + " << acc);
      REQUIRE(pe.mac(a, b, acc) == want);
    }
    CHECK(pe.counts()[PeAction::mac] == 5000);
  }
}

TEST_CASE("fp8 MAC with fp16 accumulation rounds the exact sum once into fp16", "[arch][pe][mac]") {
  MacPe pe(*parse_pe_kind("mac_fp8_e4m3_acc16"));
  REQUIRE(pe.acc_format() == NumberFormat::fp16);
  // Hand cases around 2048 (fp16 spacing 2): 2048 + 1 is a tie -> 2048; 2048 + 3 -> 2052 (even).
  CHECK(pe.mac(1, 1, 2048) == 2048);
  CHECK(pe.mac(1.5, 2, 2048) == 2052);
  CHECK(pe.mac(448, 448, 65504) == INFINITY);  // fp16 overflows to infinity
  // Random: e4m3 products are multiples of 2^-18 and fp16 values of 2^-24, all below 2^17 in
  // magnitude, so acc + a x b is exact in float64 and one quantize is the single rounding.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    const double a = random_float_value(NumberFormat::fp8_e4m3, rng);
    const double b = random_float_value(NumberFormat::fp8_e4m3, rng);
    const double acc = random_float_value(NumberFormat::fp16, rng);
    const double want = quantize(NumberFormat::fp16, acc + a * b);
    INFO(a << " x " << b << " + " << acc);
    if (std::isnan(want))
      CHECK(std::isnan(pe.mac(a, b, acc)));
    else
      CHECK(pe.mac(a, b, acc) == want);
  }
}

TEST_CASE("MAC operands are rounded into their formats first", "[arch][pe][mac]") {
  MacPe pe(*parse_pe_kind("mac_fp8_e4m3"));
  CHECK(pe.mac(1.06, 3.1, 0) == 1.0 * 3.0);  // 1.06 -> 1, 3.1 -> 3 in e4m3
  CHECK_THROWS_AS(MacPe(NumberFormat::int8, NumberFormat::fp16, NumberFormat::fp32), Error);
  CHECK_THROWS_AS(MacPe(*parse_pe_kind("mixpe_w4a16")), Error);
  CHECK_THROWS_AS(pe.dot(std::vector<double>{1, 2}, std::vector<double>{1}), Error);
}

namespace {

// The codec's general route: encode, then decode.
double codec_round(NumberFormat f, double x, Overflow o = Overflow::ieee) {
  return decode(f, encode(f, x, Rounding::nearest_even, o));
}

}  // namespace

TEST_CASE("int8 MAC equals the codec route and int64 arithmetic on edge, overflowing and random operands",
          "[arch][pe][mac]") {
  const double i32_max = 2147483647.0, i32_min = -2147483648.0;
  // Operands: the int8 edges, and values a PE would first round into int8 (halves tie to even,
  // out-of-range values saturate).
  const std::vector<double> operands = {-128, -127, -64,  -1,    0,      1,   2,    63,  126,   127, -0.0,
                                        0.5,  1.5,  -2.5, 127.4, -128.5, 128, -129, 200, -1000, 1e10};
  // Accumulators: zero, the int32 edges and sums that land on them or one past, values rounded
  // into int32 first (halves; out of range wraps or saturates with the PE's mode).
  const std::vector<double> accs = {0,
                                    -0.0,
                                    1,
                                    -1,
                                    i32_max,
                                    i32_min,
                                    i32_max - 16383,
                                    i32_max - 16384,
                                    i32_min + 16384,
                                    i32_min + 16256,
                                    123456789,
                                    2.5,
                                    -3.5,
                                    i32_max + 1,
                                    i32_min - 1,
                                    3e9,
                                    -5e9};
  for (Overflow o : {Overflow::wrap, Overflow::saturate, Overflow::ieee}) {
    MacPe pe(NumberFormat::int8, NumberFormat::int8, NumberFormat::int32, o);
    auto codec_mac = [&](double a, double b, double acc) {
      const double qa = codec_round(NumberFormat::int8, a), qb = codec_round(NumberFormat::int8, b);
      return codec_round(NumberFormat::int32, codec_round(NumberFormat::int32, acc, o) + qa * qb, o);
    };
    // Two's complement hardware: an int64 sum cut to 32 bits, or clamped.
    auto int64_mac = [&](int64_t a, int64_t b, int64_t acc) {
      const int64_t s = acc + a * b;
      if (o == Overflow::wrap) return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(s)));
      return static_cast<double>(std::clamp<int64_t>(s, INT32_MIN, INT32_MAX));
    };
    for (double a : operands) {
      for (double b : operands) {
        for (double acc : accs) {
          INFO("overflow " << static_cast<int>(o) << ": " << acc << " + " << a << " x " << b);
          const double got = pe.mac(a, b, acc);
          REQUIRE(got == codec_mac(a, b, acc));
          const bool in_range = a == std::trunc(a) && b == std::trunc(b) && acc == std::trunc(acc) && a >= -128 &&
                                a <= 127 && b >= -128 && b <= 127 && acc >= i32_min && acc <= i32_max;
          if (in_range)
            REQUIRE(got == int64_mac(static_cast<int64_t>(a), static_cast<int64_t>(b), static_cast<int64_t>(acc)));
        }
      }
    }
    // Random operands, the accumulator over the whole int32 range or within 2^15 of its ends,
    // so that a good share of the sums overflow.
    std::mt19937_64 rng(17);
    int64_t overflowed = 0;
    for (int i = 0; i < 100000; ++i) {
      const int64_t a = static_cast<int64_t>(rng() % 256) - 128, b = static_cast<int64_t>(rng() % 256) - 128;
      int64_t acc = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(rng())));
      if (i % 2) acc = (acc < 0 ? INT32_MIN : INT32_MAX) - (acc % 32768);
      const int64_t s = acc + a * b;
      overflowed += s < INT32_MIN || s > INT32_MAX;
      const double got = pe.mac(static_cast<double>(a), static_cast<double>(b), static_cast<double>(acc));
      INFO(acc << " + " << a << " x " << b);
      REQUIRE(got == int64_mac(a, b, acc));
      REQUIRE(got == codec_mac(static_cast<double>(a), static_cast<double>(b), static_cast<double>(acc)));
    }
    CHECK(overflowed > 0);
  }
  MacPe pe(*parse_pe_kind("mac_int8"));
  CHECK(pe.mac(-128, -128, 0) == 16384);
  CHECK(pe.mac(-128, -128, i32_max - 16383) == i32_min);  // 2^31 wraps to -2^31
  CHECK(pe.mac(-128, 127, i32_min) == i32_max - 16255);   // -2^31 - 16256 wraps
  CHECK_THROWS_AS(pe.mac(std::nan(""), 1, 0), Error);     // NaN has no int8 code
}

TEST_CASE("floating-point MACs equal an independent fused rounding on edge and random operands", "[arch][pe][mac]") {
  // Edge operands of every format: zeros, the smallest subnormals and normals, the largest finite
  // values, infinities, NaN, values that round (ties included) or overflow in the operand formats.
  std::vector<double> edges = {
      0.0,      -0.0,      1.0,        -1.0,           1.0625,     1.06,     3.1,       -2.75,       0x1.0p-24,
      0x1.0p-9, 0x1.0p-14, 0x1.0p-133, 0x1.0p-149,     0x1.0p-126, 448.0,    464.0,     480.0,       57344.0,
      65504.0,  65520.0,   0x1.fep127, 0x1.fffffep127, 3.4e38,     INFINITY, -INFINITY, std::nan("")};
  const size_t base = edges.size();
  for (size_t i = 0; i < base; ++i) edges.push_back(-edges[i] * 1.5);
  for (const char* name : {"mac_fp8_e4m3", "mac_fp8_e5m2", "mac_fp16", "mac_bf16", "mac_fp32", "mac_fp8_e4m3_acc16"}) {
    MacPe pe(*parse_pe_kind(name));
    const NumberFormat fa = pe.a_format(), fb = pe.b_format(), facc = pe.acc_format();
    // The reference, computed without the PE's rounding code: operands and accumulator rounded
    // by the codec's encode and decode; then for an fp32 accumulator the hardware's fmaf (every
    // operand is an fp32 value), for fp16 the exact float64 sum (e4m3 products and fp16 values
    // are multiples of 2^-24 below 2^18) rounded by the codec.
    auto reference = [&](double a, double b, double acc) {
      const double qa = codec_round(fa, a), qb = codec_round(fb, b), qacc = codec_round(facc, acc);
      if (facc == NumberFormat::fp32)
        return static_cast<double>(std::fmaf(static_cast<float>(qa), static_cast<float>(qb), static_cast<float>(qacc)));
      if (!std::isfinite(qa) || !std::isfinite(qb) || !std::isfinite(qacc)) return qacc + qa * qb;
      return codec_round(facc, qacc + qa * qb);
    };
    auto check = [&](double a, double b, double acc) {
      const double got = pe.mac(a, b, acc), want = reference(a, b, acc);
      INFO(name << ": " << std::hexfloat << acc << " + " << a << " x " << b << " -> " << got << ", want " << want);
      if (std::isnan(want)) {
        REQUIRE(std::isnan(got));
      } else {
        REQUIRE(got == want);
        REQUIRE(std::signbit(got) == std::signbit(want));
      }
    };
    for (double a : edges)
      for (double b : edges)
        for (double acc : edges) check(a, b, acc);
    std::mt19937_64 rng(23);
    for (int i = 0; i < 20000; ++i) {
      const double a = random_float_value(fa == NumberFormat::fp32 ? NumberFormat::fp16 : fa, rng);
      const double b = random_float_value(fb == NumberFormat::fp32 ? NumberFormat::bf16 : fb, rng);
      double acc = facc == NumberFormat::fp32 ? static_cast<float>(test::random_magnitude(rng, -40, 40))
                                              : random_float_value(facc, rng);
      if (rng() & 1) acc = -acc;
      check(a, b, acc);
      check(a * 1.01, b, acc);  // operands off the format's grid are rounded first
    }
  }
}
