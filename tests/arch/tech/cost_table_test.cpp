// Width scaling and composition of PE costs. Every expected value is computed
// here from the formulas documented in arch/tech/cost_table.hpp and
// docs/energy_area.md, on a small synthetic table with round numbers.

#include <catch2/catch.hpp>

#include <cmath>

#include "arch/tech/cost_table.hpp"
#include "arch/tech/node_scaling.hpp"
#include "sim/core/error.hpp"

using namespace einsim;

namespace {

TechnologyTable synthetic(const std::string& extra = "") {
  std::string text =
      "technology:\n  name: synthetic\n  node_nm: 45\n  source: test\n  components:\n"
      // adder: 0.1 pJ and 2 um^2 per bit
      "    - {class: int_adder, bits: 8, energy_pj: 0.8, area_um2: 16}\n"
      // multiplier: 0.1 pJ and 10 um^2 per bit^2
      "    - {class: int_multiplier, bits: 8, energy_pj: 6.4, area_um2: 640}\n"
      // register: 0.01 pJ and 5 um^2 per bit
      "    - {class: register, bits: 1, energy_pj: 0.01, area_um2: 5}\n"
      // shifter: 16 * log2(16) = 64 muxes at 0.1 pJ and 1 um^2 each
      "    - {class: shifter, bits: 16, energy_pj: 6.4, area_um2: 64}\n"
      "    - {class: fp_adder, format: fp32, energy_pj: 5, area_um2: 500}\n"
      "    - {class: pe, kind: mac_fp16, energy_pj: {mac: 3}, area_um2: 100}\n" +
      extra;
  return parse_technology_table(YamlDocument::load_string(text, "synthetic.yaml").body());
}

// The documented formulas, per unit of the synthetic table.
double add_e(int w) { return 0.1 * w; }
double add_a(int w) { return 2.0 * w; }
double mul_e(int w) { return 0.1 * w * w; }
double mul_a(int w) { return 10.0 * w * w; }
double reg_e(int w) { return 0.01 * w; }
double reg_a(int w) { return 5.0 * w; }
double sh_e(int w) { return 0.1 * w * std::log2(w); }
double sh_a(int w) { return 1.0 * w * std::log2(w); }
// Float accumulator adder of a format with p significand and e exponent bits:
// exponent difference + aligner + significand adder + normalizer + rounding, w = p + 3.
double acc_e(int p, int e) { return add_e(e) + 2 * sh_e(p + 3) + add_e(p + 3) + add_e(p); }
double acc_a(int p, int e) { return add_a(e) + 2 * sh_a(p + 3) + add_a(p + 3) + add_a(p); }

}  // namespace

TEST_CASE("integer primitives scale linearly and quadratically with width", "[arch][tech][cost]") {
  CostTable c(synthetic(), 45);
  UnitCost a8 = c.int_adder(8);
  CHECK(a8.energy_pj == Approx(0.8));
  CHECK_FALSE(a8.derived);
  UnitCost a16 = c.int_adder(16);
  CHECK(a16.energy_pj == Approx(add_e(16)));
  CHECK(*a16.area_um2 == Approx(add_a(16)));
  CHECK(a16.derived);
  UnitCost m4 = c.int_multiplier(4);
  CHECK(m4.energy_pj == Approx(mul_e(4)));
  CHECK(*m4.area_um2 == Approx(mul_a(4)));
  UnitCost m24 = c.int_multiplier(24);
  CHECK(m24.energy_pj == Approx(mul_e(24)));
  CHECK(c.register_bits(32).energy_pj == Approx(reg_e(32)));
  CHECK(*c.register_bits(32).area_um2 == Approx(reg_a(32)));
  CHECK(c.shifter(27).energy_pj == Approx(sh_e(27)));
  CHECK(*c.shifter(27).area_um2 == Approx(sh_a(27)));
  // No comparator row: a comparison costs a subtraction.
  CHECK(c.comparator(16).energy_pj == Approx(add_e(16)));
  CHECK(c.comparator(16).derived);
}

TEST_CASE("a shifter missing from the table is derived from the adder", "[arch][tech][cost]") {
  auto text =
      "technology:\n  name: noshift\n  node_nm: 45\n  source: test\n  components:\n"
      "    - {class: int_adder, bits: 8, energy_pj: 0.8, area_um2: 16}\n";
  CostTable c(parse_technology_table(YamlDocument::load_string(text).body()), 45);
  // bits * log2(bits) multiplexers, each half an adder bit.
  CHECK(c.shifter(32).energy_pj == Approx(add_e(32) * 5 / 2));
  CHECK(*c.shifter(32).area_um2 == Approx(add_a(32) * 5 / 2));
  // No registers in the table: they cost nothing.
  CHECK(c.register_bits(32).energy_pj == 0);
}

TEST_CASE("float units are composed from significand and exponent parts", "[arch][tech][cost]") {
  CostTable c(synthetic(), 45);
  // fp8_e4m3: 4 significand bits, 4 exponent bits -> 4x4 multiplier + 5-bit exponent adder.
  UnitCost core = c.fp_multiplier_core(NumberFormat::fp8_e4m3, NumberFormat::fp8_e4m3);
  CHECK(core.energy_pj == Approx(mul_e(4) + add_e(5)));
  CHECK(*core.area_um2 == Approx(mul_a(4) + add_a(5)));
  CHECK(core.derived);
  // fp32 accumulator: p = 24, e = 8.
  UnitCost acc = c.fp_accumulator_adder(NumberFormat::fp32);
  CHECK(acc.energy_pj == Approx(acc_e(24, 8)));
  CHECK(*acc.area_um2 == Approx(acc_a(24, 8)));
  // A standalone fp32 adder is in the table: used as published.
  UnitCost add32 = c.fp_adder(NumberFormat::fp32);
  CHECK(add32.energy_pj == Approx(5));
  CHECK_FALSE(add32.derived);
  // fp16 adder is not: derived like the accumulator adder (p = 11, e = 5).
  CHECK(c.fp_adder(NumberFormat::fp16).energy_pj == Approx(acc_e(11, 5)));
  // Standalone multiplier: core + rounding incrementer of p bits.
  CHECK(c.fp_multiplier(NumberFormat::bf16).energy_pj == Approx(mul_e(8) + add_e(9) + add_e(8)));
}

TEST_CASE("MAC and L-Mul costs follow the documented composition", "[arch][tech][cost]") {
  CostTable c(synthetic(), 45);
  PeCost i8 = c.pe_cost("mac_int8");
  CHECK(i8.energy_pj.at(PeAction::mac) == Approx(mul_e(8) + add_e(32) + reg_e(32)));
  CHECK(*i8.area_um2 == Approx(mul_a(8) + add_a(32) + reg_a(32)));
  CHECK(i8.area_derived);

  PeCost f8 = c.pe_cost("mac_fp8_e4m3");
  CHECK(f8.energy_pj.at(PeAction::mac) == Approx(mul_e(4) + add_e(5) + acc_e(24, 8) + reg_e(32)));
  CHECK(*f8.area_um2 == Approx(mul_a(4) + add_a(5) + acc_a(24, 8) + reg_a(32)));

  PeCost f8h = c.pe_cost("mac_fp8_e5m2_acc16");  // 3 significand bits, 5 exponent bits, fp16 accumulator
  CHECK(f8h.energy_pj.at(PeAction::mac) == Approx(mul_e(3) + add_e(6) + acc_e(11, 5) + reg_e(16)));

  // L-Mul with 3 mantissa bits on e4m3 operands: one 7-bit integer adder + fp32 accumulator.
  PeCost lm = c.pe_cost("lmul_m3");
  CHECK(lm.energy_pj.at(PeAction::mac) == Approx(add_e(4 + 3) + acc_e(24, 8) + reg_e(32)));
  CHECK(*lm.area_um2 == Approx(add_a(7) + acc_a(24, 8) + reg_a(32)));

  // mac_fp16 is a whole unit of the table: published numbers, not derived.
  PeCost f16 = c.pe_cost("mac_fp16");
  CHECK(f16.energy_pj.at(PeAction::mac) == Approx(3));
  CHECK(*f16.area_um2 == Approx(100));
  CHECK_FALSE(f16.any_derived());
}

TEST_CASE("MixPE costs one significand shift-add per weight bit-plane plus a shared accumulator",
          "[arch][tech][cost]") {
  CostTable c(synthetic(), 45);
  // fp16 activations (p = 11, e = 5), int4 weights, fp32 accumulator.
  PeCost m = c.pe_cost("mixpe_w4a16");
  double plane = add_e(11 + 4);
  double per_product = add_e(5) + acc_e(24, 8) + reg_e(32);
  CHECK(m.energy_pj.at(PeAction::shift_add) == Approx(plane + per_product / 4));
  CHECK(*m.area_um2 == Approx(4 * add_a(15) + add_a(5) + acc_a(24, 8) + reg_a(32)));
  // Dequantization: an fp32 multiply (derived: 24x24 core + 9-bit exponent adder + rounding) and the fp32 adder.
  double dq = mul_e(24) + add_e(9) + add_e(24) + 5;
  CHECK(m.energy_pj.at(PeAction::dequant) == Approx(dq));
  auto kind = parse_pe_kind("mixpe_w4a16");
  CHECK(c.energy_per_mac(*kind, 128) == Approx(4 * (plane + per_product / 4) + dq / 128));

  // int8 activations, int8 weights: integer tree, int32 accumulator.
  PeCost mi = c.pe_cost("mixpe_w8a8");
  CHECK(mi.energy_pj.at(PeAction::shift_add) == Approx(add_e(16) + (add_e(32) + reg_e(32)) / 8));
}

TEST_CASE("a vector lane costs its add mul div max and exp units", "[arch][tech][cost]") {
  CostTable c(synthetic(), 45);
  PeCost v = c.pe_cost("vector_fp32");
  CHECK(v.energy_pj.size() == 6);
  CHECK(v.energy_pj.at(PeAction::add) == Approx(5));
  CHECK_FALSE(v.energy_derived.at(PeAction::add));
  CHECK(v.energy_pj.at(PeAction::sub) == Approx(5));
  CHECK(v.energy_pj.at(PeAction::max) == Approx(add_e(32)));
  // Exp: FuseMax's Taylor series, kExpTaylorSteps = 6 fused multiply-adds (the PE traits).
  double fma = mul_e(24) + add_e(9) + acc_e(24, 8) + reg_e(32);
  CHECK(v.energy_pj.at(PeAction::exp) == Approx(6 * fma));
  // Divider: (p + 2) steps of a (p + 2)-bit adder and a 2(p + 2)-bit register, plus the exponent subtractor.
  CHECK(v.energy_pj.at(PeAction::div) == Approx(26 * add_e(26) + add_e(8) + 26 * reg_e(52)));
}

TEST_CASE("costs at another node are the table's times the node factors", "[arch][tech][cost]") {
  CostTable c45(synthetic(), 45), c16(synthetic(), 16);
  CHECK(c16.energy_factor() == Approx(energy_scale(45, 16)));
  CHECK(c16.area_factor() == Approx(0.19));
  for (const char* k : {"mac_int8", "mac_fp16", "mixpe_w4a16", "vector_fp32"}) {
    INFO(k);
    PeCost a = c45.pe_cost(k), b = c16.pe_cost(k);
    CHECK(*b.area_um2 == Approx(*a.area_um2 * 0.19));
    for (const auto& [act, e] : a.energy_pj) CHECK(b.energy_pj.at(act) == Approx(e * energy_scale(45, 16)));
  }
  CHECK_THROWS_AS(CostTable(synthetic(), 3), Error);
}

TEST_CASE("a direct PE without area gets a derived area and missing parts fail clearly", "[arch][tech][cost]") {
  CostTable c(synthetic("    - {class: pe, kind: mac_int8, energy_pj: {mac: 0.25}}\n"), 45);
  PeCost i8 = c.pe_cost("mac_int8");
  CHECK(i8.energy_pj.at(PeAction::mac) == Approx(0.25));
  CHECK_FALSE(i8.energy_derived.at(PeAction::mac));
  CHECK(*i8.area_um2 == Approx(mul_a(8) + add_a(32) + reg_a(32)));
  CHECK(i8.area_derived);

  auto text =
      "technology:\n  name: sparse\n  node_nm: 45\n  source: test\n  components:\n"
      "    - {class: pe, kind: mac_fp16, energy_pj: {mac: 2}}\n";
  CostTable s(parse_technology_table(YamlDocument::load_string(text).body()), 45);
  CHECK(s.pe_cost("mac_fp16").energy_pj.at(PeAction::mac) == Approx(2));
  CHECK_FALSE(s.pe_cost("mac_fp16").area_um2);
  CHECK_THROWS_WITH(s.pe_cost("mac_int8"), Catch::Contains("has no `int_"));
  CHECK_THROWS_WITH(s.pe_cost("mac_int7"), Catch::Contains("unknown PE kind"));
}

TEST_CASE("every standard kind is costed by the primitive tables", "[arch][tech][cost]") {
  for (const char* name : {"horowitz45", "aladdin40"}) {
    CostTable c = resolve_technology(name, 45);
    for (const auto& k : standard_pe_kind_names()) {
      INFO(name << " " << k);
      PeCost p = c.pe_cost(k);
      REQUIRE(p.area_um2);
      CHECK(*p.area_um2 > 0);
      auto kind = parse_pe_kind(k);
      CHECK(p.energy_pj.size() == kind->actions.size());
      for (const auto& [a, e] : p.energy_pj) CHECK(e > 0);
    }
  }
}

TEST_CASE("the MixPE table gives its synthesized PEs as power over frequency", "[arch][tech][cost]") {
  CostTable m = resolve_technology("mixpe28", 28);
  // 344.3 uW at 500 MHz = 0.6886 pJ per product, 4 weight bit-planes.
  PeCost w4a8 = m.pe_cost("mixpe_w4a8");
  CHECK(w4a8.energy_pj.at(PeAction::shift_add) == Approx(344.3 / 500 / 4));
  CHECK_FALSE(w4a8.energy_derived.at(PeAction::shift_add));
  CHECK(w4a8.energy_pj.at(PeAction::dequant) == Approx(1032.924 / 500));
  CHECK(w4a8.energy_derived.at(PeAction::dequant));
  CHECK_FALSE(w4a8.area_um2);
  // 673.44 uW, 8 weight bit-planes; FP16 PE 1032.924 uW.
  CHECK(m.pe_cost("mixpe_w8a16").energy_pj.at(PeAction::shift_add) == Approx(673.44 / 500 / 8));
  CHECK(m.pe_cost("mac_fp16").energy_pj.at(PeAction::mac) == Approx(1032.924 / 500));
  CHECK(m.energy_per_mac(*parse_pe_kind("mixpe_w8a16"), 128) == Approx(673.44 / 500 + 1032.924 / 500 / 128));
  // At 45 nm the energies follow the node factor from 28 nm.
  CostTable m45 = resolve_technology("mixpe28", 45);
  CHECK(m45.pe_cost("mac_fp16").energy_pj.at(PeAction::mac) == Approx(1032.924 / 500 * energy_scale(28, 45)));
}

TEST_CASE("a MAC costs at least the same table's published multiply and add", "[arch][tech][cost]") {
  // Horowitz 45 nm publishes the fp16 multiply (1.1 pJ) and the fp32 add (0.9 pJ): mac_fp16
  // (fp16 x fp16, fp32 accumulator) is that multiply, that add and the fp32 register write.
  CostTable c = resolve_technology("horowitz45", 45);
  const PeKind k = *parse_pe_kind("mac_fp16");
  const double mac = c.pe_cost("mac_fp16").energy_pj.at(PeAction::mac);
  CHECK(mac == Approx(1.1 + 0.9 + c.register_bits(format_bits(k.acc)).energy_pj));
  CHECK(mac > c.fp_multiplier(NumberFormat::fp16).energy_pj);
  CHECK(mac > c.pe_cost("vector_fp16").energy_pj.at(PeAction::mul));
}

TEST_CASE("a vector lane's divide is not cheaper than the same table's multiply", "[arch][tech][cost]") {
  // Horowitz 45 nm publishes the fp16 multiply; the fp16 divider is a radix-2 recurrence of
  // p + 2 = 13 steps built from the integer primitives, scaled by published / derived multiply.
  CostTable c = resolve_technology("horowitz45", 45);
  const PeCost v = c.pe_cost("vector_fp16");
  const int w = 11 + 2;
  const double recurrence = w * c.int_adder(w).energy_pj + c.int_adder(5).energy_pj + w * c.register_bits(2 * w).energy_pj;
  const double derived_mul = (c.fp_multiplier_core(NumberFormat::fp16, NumberFormat::fp16) + c.int_adder(11)).energy_pj;
  CHECK(v.energy_pj.at(PeAction::div) == Approx(recurrence * 1.1 / derived_mul));
  CHECK(v.energy_pj.at(PeAction::div) > v.energy_pj.at(PeAction::mul));
}
