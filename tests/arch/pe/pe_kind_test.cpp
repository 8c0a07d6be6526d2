#include <catch2/catch.hpp>

#include "arch/pe/pe_kind.hpp"

using namespace einsim;

TEST_CASE("every standard PE kind parses to itself", "[arch][pe]") {
  for (const auto& name : standard_pe_kind_names()) {
    auto k = parse_pe_kind(name);
    INFO(name);
    REQUIRE(k);
    CHECK(k->name == name);
    CHECK_FALSE(k->actions.empty());
  }
}

TEST_CASE("PE kind names pick formats and accumulators", "[arch][pe]") {
  auto i8 = parse_pe_kind("mac_int8");
  REQUIRE(i8);
  CHECK(i8->acc == NumberFormat::int32);
  auto f8 = parse_pe_kind("mac_fp8_e4m3_acc16");
  REQUIRE(f8);
  CHECK(f8->a == NumberFormat::fp8_e4m3);
  CHECK(f8->acc == NumberFormat::fp16);
  auto mix = parse_pe_kind("mixpe_uw4a16");
  REQUIRE(mix);
  CHECK(mix->family == PeFamily::mixpe);
  CHECK(mix->b == NumberFormat::uint4);
  CHECK(mix->a == NumberFormat::fp16);
  auto lm = parse_pe_kind("lmul_m3");
  REQUIRE(lm);
  CHECK(lm->lmul_mantissa_bits == 3);
  CHECK_FALSE(parse_pe_kind("mac_int4_acc8"));
  CHECK_FALSE(parse_pe_kind("mixpe_w2a16"));
  CHECK_FALSE(parse_pe_kind("vector_int8"));
  CHECK_FALSE(parse_pe_kind("mac_"));
  CHECK(parse_action("shift_add") == PeAction::shift_add);
  CHECK(action_name(PeAction::dequant) == "dequant");
}
