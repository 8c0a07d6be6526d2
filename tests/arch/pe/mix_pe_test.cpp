#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "arch/formats/quantize.hpp"
#include "arch/pe/mix_pe.hpp"
#include "sim/core/error.hpp"
#include "tests/arch/formats/random_values.hpp"

using namespace einsim;

TEST_CASE("MixPE equals dequantize-then-multiply when both are exact", "[arch][pe][mixpe]") {
  // fp16 activations with few significant bits, int4 weights, power-of-two scales: every partial sum
  // is a small dyadic number, so both orders of computation are exact and must agree bit for bit.
  const std::vector<double> act = {0.5, -1.25, 3, 0.75, -2, 1.5, 0.125, 4, -0.25, 1, 2.5, -3.5, 0.375, 6, -1, 0.0625};
  const std::vector<int32_t> w = {-8, 7, 3, -1, 0, 5, -4, 2, 1, -2, 6, -7, 4, -3, 7, -8};
  const std::vector<double> scales = {0.5, 0.25, 2, 0.125};
  MixPe pe(*parse_pe_kind("mixpe_w4a16"));
  double reference = 0;  // dequantize the weights, then multiply: sum_k act[k] x (w[k] x scale[g])
  for (size_t k = 0; k < act.size(); ++k) reference += act[k] * (w[k] * scales[k / 4]);
  CHECK(pe.dot(act, w, 4, scales) == reference);
  CHECK(pe.counts()[PeAction::shift_add] == 16 * 4);
  CHECK(pe.counts()[PeAction::dequant] == 4);

  // uint4 weights with zero points: value = (w - zero) x scale.
  const std::vector<int32_t> uw = {0, 15, 8, 3, 12, 7, 1, 9, 4, 4, 10, 2, 15, 0, 6, 11};
  const std::vector<int32_t> zeros = {8, 3, 0, 15};
  MixPe upe(*parse_pe_kind("mixpe_uw4a16"));
  double ureference = 0;
  for (size_t k = 0; k < act.size(); ++k) ureference += act[k] * ((uw[k] - zeros[k / 4]) * scales[k / 4]);
  CHECK(upe.dot(act, uw, 4, scales, zeros) == ureference);

  // int8 activations and int8 weights accumulate exactly in int32.
  const std::vector<double> iact = {-128, 127, 5, -3, 64, -77, 12, 100};
  const std::vector<int32_t> iw = {127, -128, -1, 99, -50, 3, 0, 77};
  MixPe ipe(*parse_pe_kind("mixpe_w8a8"));
  double ireference = 0;
  for (size_t k = 0; k < iact.size(); ++k) ireference += iact[k] * (iw[k] * (k < 4 ? 0.5 : 0.25));
  CHECK(ipe.dot(iact, iw, 4, std::vector<double>{0.5, 0.25}) == ireference);
  CHECK(ipe.counts()[PeAction::shift_add] == 8 * 8);
}

TEST_CASE("MixPE shift-and-add steps walk the weight bit-planes", "[arch][pe][mixpe]") {
  MixPe pe(NumberFormat::fp16, NumberFormat::int4, NumberFormat::fp32);
  pe.step(1.5, -8);  // int4 -8 = 1000b: only the sign plane, weight -2^3
  CHECK(pe.group_psum() == -12);
  CHECK(pe.counts()[PeAction::shift_add] == 4);
  pe.step(0.25, 5);  // 0101b: planes 0 and 2 -> 0.25 + 1
  CHECK(pe.group_psum() == -12 + 1.25);
  CHECK(pe.group_activation_sum() == 1.75);
  CHECK(pe.finish_group(2.0, 0, 1.0) == 1.0 + 2.0 * (-10.75));
  CHECK(pe.group_psum() == 0);
  CHECK(pe.counts()[PeAction::dequant] == 1);
  CHECK_THROWS_AS(pe.step(1.0, 8), Error);   // outside int4
  CHECK_THROWS_AS(pe.step(1.0, -9), Error);
  MixPe u(NumberFormat::fp16, NumberFormat::uint4, NumberFormat::fp32);
  CHECK_THROWS_AS(u.step(1.0, -1), Error);
  CHECK_THROWS_AS(MixPe(NumberFormat::fp32, NumberFormat::int4, NumberFormat::fp32), Error);
  CHECK_THROWS_AS(pe.dot(std::vector<double>(8, 1.0), std::vector<int32_t>(8, 1), 4, std::vector<double>{1.0}), Error);
}

TEST_CASE("MixPE action counts for a K element dot product with group G", "[arch][pe][mixpe]") {
  for (const char* name : {"mixpe_w4a16", "mixpe_w8a16", "mixpe_w4a8", "mixpe_uw4a16"}) {
    MixPe pe(*parse_pe_kind(name));
    const size_t K = 128, G = 32;
    std::vector<double> act(K, 1.0);
    std::vector<int32_t> w(K, 1);
    std::vector<double> scales(K / G, 0.5);
    pe.dot(act, w, G, scales);
    INFO(name);
    CHECK(pe.counts()[PeAction::shift_add] == K * static_cast<uint64_t>(pe.weight_bit_planes()));
    CHECK(pe.counts()[PeAction::dequant] == K / G);
    CHECK(pe.counts()[PeAction::mac] == 0);
  }
}

TEST_CASE("MixPE error against the float64 reference on random data", "[arch][pe][mixpe]") {
  // Weights quantized per group (int4, uint4 with zero points), fp16 activations; the reference is
  // the float64 dot product of the activations with the dequantized weights.
  std::mt19937_64 rng(17);
  const size_t K = 4096, G = 128;
  std::vector<double> act(K), wf(K);
  for (size_t k = 0; k < K; ++k) {
    act[k] = quantize(NumberFormat::fp16, 4 * test::unit(rng) - 2);
    wf[k] = 0.1 * (2 * test::unit(rng) - 1);
  }
  for (NumberFormat wfmt : {NumberFormat::int4, NumberFormat::uint4, NumberFormat::int8}) {
    auto q = quantize_tensor(wf, {static_cast<int64_t>(K)}, {wfmt, ScaleGranularity::per_group, 0, static_cast<int64_t>(G)});
    std::vector<int32_t> w(K);
    for (size_t k = 0; k < K; ++k) w[k] = static_cast<int32_t>(decode(wfmt, q.codes[k]));
    const auto wd = q.dequantize();
    double bias = 0;
    for (size_t k = 0; k < K; ++k) {
      REQUIRE(std::fabs(wd[k] - wf[k]) <= q.scales[k / G] / 2 * (1 + 1e-9));
      bias += wd[k] - wf[k];
    }
    INFO("mean weight quantization error " << bias / K);
    double reference = 0, magnitude = 0, unquantized = 0;
    for (size_t k = 0; k < K; ++k) {
      reference += act[k] * wd[k];
      magnitude += std::fabs(act[k] * wd[k]);
      unquantized += act[k] * wf[k];
    }
    MixPe pe(NumberFormat::fp16, wfmt, NumberFormat::fp32);
    const double got = pe.dot(act, w, G, q.scales, q.zeros);
    const double err = std::fabs(got - reference) / magnitude;
    WARN("MixPE w=" << format_name(wfmt) << " a=fp16 K=" << K << " G=" << G << ": result " << got
         << ", float64 dequantize-then-multiply " << reference << ", error/sum|terms| " << err
         << "; weight quantization error vs unquantized weights " << std::fabs(reference - unquantized));
    // fp32 accumulation: each of the ~K x (bits + 1) roundings is within 2^-24 of a partial sum bounded
    // by sum|terms| x (1 + zero/|w|) < 16 x sum|terms|; the bound below is far above the expected error.
    CHECK(err < K * 16 * std::ldexp(1, -24));
  }
}
