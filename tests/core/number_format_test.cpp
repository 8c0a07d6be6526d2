#include <catch2/catch.hpp>

#include "sim/core/number_format.hpp"

using namespace einsim;

TEST_CASE("number formats round-trip through their names", "[core][formats]") {
  for (NumberFormat f : all_formats()) {
    auto parsed = parse_format(format_name(f));
    REQUIRE(parsed);
    CHECK(*parsed == f);
    const FormatInfo& info = format_info(f);
    // Floats: sign + exponent + mantissa fill the storage exactly.
    if (info.is_float) CHECK(1 + info.exponent_bits + info.mantissa_bits == info.bits);
  }
  CHECK_FALSE(parse_format("fp8"));
  CHECK(format_bits(NumberFormat::int4) == 4);
  CHECK(format_info(NumberFormat::fp8_e4m3).exponent_bias == 7);
  CHECK(format_info(NumberFormat::fp8_e5m2).exponent_bias == 15);
  CHECK(format_info(NumberFormat::bf16).exponent_bits == 8);
}
