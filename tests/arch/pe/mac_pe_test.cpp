#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "arch/pe/mac_pe.hpp"
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
      const double a = pe.a_format() == NumberFormat::fp32
                           ? static_cast<float>(test::random_magnitude(rng, -30, 30)) : random_float_value(pe.a_format(), rng);
      const double b = pe.b_format() == NumberFormat::fp32
                           ? -static_cast<float>(test::random_magnitude(rng, -30, 30)) : random_float_value(pe.b_format(), rng);
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
    if (std::isnan(want)) CHECK(std::isnan(pe.mac(a, b, acc)));
    else CHECK(pe.mac(a, b, acc) == want);
  }
}

TEST_CASE("MAC operands are rounded into their formats first", "[arch][pe][mac]") {
  MacPe pe(*parse_pe_kind("mac_fp8_e4m3"));
  CHECK(pe.mac(1.06, 3.1, 0) == 1.0 * 3.0);  // 1.06 -> 1, 3.1 -> 3 in e4m3
  CHECK_THROWS_AS(MacPe(NumberFormat::int8, NumberFormat::fp16, NumberFormat::fp32), Error);
  CHECK_THROWS_AS(MacPe(*parse_pe_kind("mixpe_w4a16")), Error);
  CHECK_THROWS_AS(pe.dot(std::vector<double>{1, 2}, std::vector<double>{1}), Error);
}
