#include "arch/pe/pe_arith.hpp"

#include <catch2/catch.hpp>

using namespace einsim;

TEST_CASE("every standard PE kind has an arithmetic", "[arch][pe]") {
  for (const auto& name : standard_pe_kind_names()) {
    INFO(name);
    const PeKind kind = *parse_pe_kind(name);
    PeArith pe = make_pe_arith(kind);
    CHECK(pe.index() == static_cast<size_t>(kind.family));
    CHECK(pe_counts(pe).total() == 0);
  }
  PeArith mac = make_pe_arith(*parse_pe_kind("mac_bf16"));
  std::get<MacPe>(mac).mac(1.5, 2.0, 0.25);
  CHECK(pe_counts(mac)[PeAction::mac] == 1);
  CHECK(pe_counts(mac).total() == 1);
}
