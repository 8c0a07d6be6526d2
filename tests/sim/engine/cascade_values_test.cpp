#include "sim/engine/cascade_values.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

using namespace einsim;

namespace {

EinsumCascade load_text(const std::string& yaml) { return load_workload(YamlDocument::load_string(yaml, "t.yaml")); }

EinsumCascade load_library(const std::string& name, const std::vector<std::string>& sets) {
  YamlDocument doc = YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/workloads/library/" + name);
  for (const auto& s : sets) doc.apply_override(s);
  return load_workload(doc);
}

std::vector<EinsumPe> all_on(const EinsumCascade& c, const char* kind, bool dedicated_exp = false) {
  return std::vector<EinsumPe>(c.einsums.size(), EinsumPe{*parse_pe_kind(kind), dedicated_exp});
}

}  // namespace

TEST_CASE("cascade values: an fp32 lane drops what float64 keeps") {
  // Z = sum_k A[k] with A = (1, 2^-30, 2^-30, 2^-30): in fp32 (24-bit significand) 1 + 2^-30
  // rounds back to 1 at every step, so Z = 1; float64 gives 1 + 3 x 2^-30.
  const EinsumCascade c = load_text(R"Y(workload:
  name: sum
  ranks: {K: 4}
  format: fp64
  tensors: {A: {ranks: [K]}}
  einsums: [ "Z[] = A[k]" ]
)Y");
  CascadeValueOptions o;
  o.inputs["A"] = {1.0, 0x1p-30, 0x1p-30, 0x1p-30};
  const CascadeValueResult r = cascade_values(c, all_on(c, "vector_fp32"), o);
  CHECK(r.total.count == 1);
  CHECK(r.total.max_abs_error == 3 * 0x1p-30);
  // The same on fp16 lanes: 1 + 2^-30 is 1 as well, and the inputs 2^-30 are below fp16's
  // smallest subnormal (2^-24) / 2, so they quantize to 0: Z = 1 again.
  CHECK(cascade_values(c, all_on(c, "vector_fp16"), o).total.max_abs_error == 3 * 0x1p-30);
}

TEST_CASE("cascade values: an int8 MAC with absmax scales") {
  // A = (1, 0.5), B = (1, 1) as int8 with one absmax scale each: s = 1/127.
  // 0.5 / s = 63.5 rounds to 64 (ties to even), so A = (127, 64) s and B = (127, 127) s.
  // The int32 accumulator: 127 x 127 + 64 x 127 = 24257; Z = 24257 s^2 = 24257 / 16129.
  // float64: 1 + 0.5 = 1.5; the error 24257 / 16129 - 1.5 = 63.5 / 16129 (then Z rounds to fp32).
  const EinsumCascade c = load_text(R"Y(workload:
  name: dot
  ranks: {K: 2}
  format: int8
  tensors: {A: {ranks: [K]}, B: {ranks: [K]}, Z: {format: fp32}}
  einsums: [ "Z[] = A[k] * B[k]" ]
)Y");
  CascadeValueOptions o;
  o.inputs["A"] = {1.0, 0.5};
  o.inputs["B"] = {1.0, 1.0};
  const CascadeValueResult r = cascade_values(c, all_on(c, "mac_int8"), o);
  CHECK(r.total.max_abs_error == Approx(63.5 / 16129).epsilon(1e-6));
}

TEST_CASE("cascade values: an fp16 accumulator rounds every MAC") {
  // mac_fp16_acc16: 2048 + 1 = 2049 is not an fp16 number (spacing 2 above 2048): ties to even
  // give 2048, three times over; float64 gives 2051.
  const EinsumCascade c = load_text(R"Y(workload:
  name: dot
  ranks: {K: 4}
  format: fp16
  tensors: {A: {ranks: [K]}, B: {ranks: [K]}}
  einsums: [ "Z[] = A[k] * B[k]" ]
)Y");
  CascadeValueOptions o;
  o.inputs["A"] = {256, 1, 1, 1};
  o.inputs["B"] = {8, 1, 1, 1};
  CHECK(cascade_values(c, all_on(c, "mac_fp16_acc16"), o).total.max_abs_error == 3.0);
  // With an fp32 accumulator the sum 2051 is exact, but the output Z is stored in fp16, where
  // 2051 lies halfway between 2050 and 2052 and ties to the even 2052: error 1.
  CHECK(cascade_values(c, all_on(c, "mac_fp16"), o).total.max_abs_error == 1.0);
}

TEST_CASE("cascade values: a result kept in the PEs is not rounded to its tensor") {
  // P = A . B = 2051 exactly in mac_fp16's fp32 accumulator (as above); Z = P x 1 on an fp32 lane.
  // Stored in fp16, P becomes 2052 (a tie, to even): Z errs by 1. Kept in the PEs (a systolic
  // GEMM's epilogue reads it there), P stays 2051 and Z is exact.
  const EinsumCascade c = load_text(R"Y(workload:
  name: dot_scale
  ranks: {K: 4}
  format: fp16
  tensors: {A: {ranks: [K]}, B: {ranks: [K]}, S: {ranks: []}, Z: {format: fp32}}
  einsums: [ "P[] = A[k] * B[k]", "Z[] = P[] * S[]" ]
)Y");
  CascadeValueOptions o;
  o.inputs["A"] = {256, 1, 1, 1};
  o.inputs["B"] = {8, 1, 1, 1};
  o.inputs["S"] = {1};
  std::vector<EinsumPe> pes = {EinsumPe{*parse_pe_kind("mac_fp16")}, EinsumPe{*parse_pe_kind("vector_fp32")}};
  CHECK(cascade_values(c, pes, o).total.max_abs_error == 1.0);
  pes[0].output_in_pe = true;
  const CascadeValueResult kept = cascade_values(c, pes, o);
  CHECK(kept.total.max_abs_error == 0.0);
  bool said = false;
  for (const auto& n : kept.notes) said = said || n.find("P: mac_fp16") != std::string::npos &&
                                                      n.find("the result kept in the PEs") != std::string::npos;
  CHECK(said);
}

TEST_CASE("cascade values: MixPE shift-and-add over a group, then one dequantization") {
  // W = (1, 0.5) as int4: s = 1/7, 0.5 x 7 = 3.5 rounds to 4: W = (7, 4) s. A = (0.5, 0.25) in fp16.
  // Group partial sum 0.5 x 7 + 0.25 x 4 = 4.5, dequantized once: 4.5 / 7; float64: 0.5 + 0.125.
  const EinsumCascade c = load_text(R"Y(workload:
  name: group
  ranks: {K: 2}
  format: fp16
  tensors: {A: {ranks: [K]}, W: {ranks: [K], format: int4}, Z: {format: fp32}}
  einsums: [ "Z[] = shift_add(A[k], W[k])" ]
)Y");
  CascadeValueOptions o;
  o.inputs["A"] = {0.5, 0.25};
  o.inputs["W"] = {1.0, 0.5};
  const CascadeValueResult r = cascade_values(c, all_on(c, "mixpe_w4a16"), o);
  // The dequantization rounds the scale and the product into fp32: within 2 ulp of 0.64 (2^-24 each).
  CHECK(r.total.max_abs_error == Approx(4.5 / 7 - 0.625).margin(0x1p-23));
}

TEST_CASE("cascade values: the error of attention follows the formats of its PEs") {
  // The 1-pass cascade on one head: 32 queries, 512 keys in tiles of 128, 64-wide heads.
  const std::vector<std::string> sets = {"ranks.B=1", "ranks.H=1", "ranks.P=32", "ranks.M=512", "partitions.M.M0=128"};
  const EinsumCascade fp16 = load_library("attention_fusemax.yaml", sets);
  std::vector<std::string> sets32 = sets;
  sets32.push_back("format=fp32");
  const EinsumCascade fp32 = load_library("attention_fusemax.yaml", sets32);
  const double e16 = cascade_values(fp16, all_on(fp16, "vector_fp16"), {}).total.rel_rms_error;
  const double e32 = cascade_values(fp32, all_on(fp32, "vector_fp32"), {}).total.rel_rms_error;
  // fp16's unit roundoff is u = 2^-11, fp32's 2^-24. Sequential sums of n terms err by about
  // sqrt(n) u, and exp turns the absolute error of a score (|QK| up to ~10) into a relative
  // one: the relative error lies between u / 16 and 64 u, far from the other format's.
  CHECK(e16 > 0x1p-11 / 16);
  CHECK(e16 < 0x1p-11 * 64);
  CHECK(e32 > 0x1p-24 / 16);
  CHECK(e32 < 0x1p-24 * 64);
  // FuseMax's split: scores, exponentials and sums on fp16 MACs (exp as a Taylor series), the
  // rest on fp16 lanes; still within fp16's error.
  std::vector<EinsumPe> split = all_on(fp16, "vector_fp16");
  for (size_t e = 0; e < fp16.einsums.size(); ++e) {
    const std::string& n = fp16.einsums[e].name;
    if (n == "QK" || n == "LM" || n == "SLN" || n == "SLD" || n == "SLNV") split[e] = {*parse_pe_kind("mac_fp16_acc16")};
  }
  const CascadeValueResult r = cascade_values(fp16, split, {});
  CHECK(r.total.count == 32 * 64);
  CHECK(r.total.non_finite == 0);
  CHECK(r.total.rel_rms_error < 0x1p-11 * 64);
  CHECK(r.outputs.count("AV") == 1);
}

TEST_CASE("cascade values: ranks a sample may cut") {
  const EinsumCascade c = load_library("attention_fusemax.yaml", {});
  std::vector<std::string> names;
  for (int r : value_sample_ranks(c)) names.push_back(c.ranks[static_cast<size_t>(r)].name);
  // B, H, P and F are never reduced; M is partitioned, E is reduced by QK.
  CHECK(names == std::vector<std::string>{"B", "H", "P", "F"});
  CascadeValueOptions o;
  CHECK_FALSE(fits_value_limits(c, o));
}

TEST_CASE("cascade values: an integer MAC needs a tensor operand") {
  const EinsumCascade c = load_text(R"Y(workload:
  name: dot
  ranks: {K: 2}
  format: fp16
  tensors: {A: {ranks: [K]}, B: {ranks: [K]}}
  einsums: [ "Z[] = (A[k] + B[k]) * B[k]" ]
)Y");
  CHECK_THROWS_WITH(cascade_values(c, all_on(c, "mac_int8"), {}),
                    Catch::Contains("feeds an expression to the integer operand"));
}
