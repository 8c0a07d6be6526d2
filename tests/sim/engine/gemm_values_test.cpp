#include "sim/engine/gemm_values.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "arch/formats/codec.hpp"
#include "sim/core/error.hpp"
#include "sim/engine/error_metrics.hpp"

using namespace einsim;

namespace {

PeKind kind(const char* name) { return *parse_pe_kind(name); }

double uniform_pm1(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-52 - 1.0; }

}  // namespace

TEST_CASE("gemm values of a hand computed int8 GEMM") {
  // in = [[1, 2, 3], [-4, 5, -6]], w = [[1, 0], [2, -1], [-3, 4]]
  // out[0] = (1 + 4 - 9, 0 - 2 + 12) = (-4, 10); out[1] = (-4 + 10 + 18, 0 - 5 - 24) = (24, -29)
  const GemmShape g{2, 3, 2};
  const std::vector<double> in{1, 2, 3, -4, 5, -6}, w{1, 0, 2, -1, -3, 4};
  const std::vector<double> expected{-4, 10, 24, -29};
  for (Dataflow d : {Dataflow::output_stationary, Dataflow::weight_stationary, Dataflow::input_stationary}) {
    CHECK(gemm_values(kind("mac_int8"), d, 2, g, in, w) == expected);
  }
  CHECK(gemm_reference(g, in, w) == expected);
}

TEST_CASE("gemm values follow the accumulation order of the dataflow") {
  // mac_fp8_e4m3_acc16 (fp16 accumulator: spacing 2 between 2048 and 4096).
  // k = 0..3: in = (256, 1, 1, 1), w = (8, 1, 1, 1): products 2048, 1, 1, 1 (exact sum 2051).
  //  os, one chain: 2048 + 1 = 2049 -> 2048 (tie to even), and again twice: 2048.
  //  ws on 2 rows: row folds (2048 + 1 -> 2048) and (1 + 1 = 2); 2048 + 2 = 2050.
  //  ws on 1 row: every partial sum is one product; adding 1 to 2048 three times: 2048.
  const GemmShape g{1, 4, 1};
  const std::vector<double> in{256, 1, 1, 1}, w{8, 1, 1, 1};
  const PeKind k = kind("mac_fp8_e4m3_acc16");
  CHECK(gemm_values(k, Dataflow::output_stationary, 2, g, in, w) == std::vector<double>{2048});
  CHECK(gemm_values(k, Dataflow::weight_stationary, 2, g, in, w) == std::vector<double>{2050});
  CHECK(gemm_values(k, Dataflow::input_stationary, 2, g, in, w) == std::vector<double>{2050});
  CHECK(gemm_values(k, Dataflow::weight_stationary, 1, g, in, w) == std::vector<double>{2048});
  CHECK(gemm_values(k, Dataflow::weight_stationary, 4, g, in, w) == std::vector<double>{2048});
  CHECK(gemm_reference(g, in, w) == std::vector<double>{2051});
}

TEST_CASE("gemm values wrap the int32 accumulator") {
  // 140000 products of 127 x 127 = 16129: 2258060000 exceeds 2^31 - 1 and wraps to
  // 2258060000 - 2^32 = -2036907296 (two's complement, as MacPe).
  const int64_t K = 140000;
  const GemmShape g{1, K, 1};
  const std::vector<double> in(K, 127.0), w(K, 127.0);
  const double wrapped = 2258060000.0 - 4294967296.0;
  CHECK(gemm_values(kind("mac_int8"), Dataflow::output_stationary, 16, g, in, w) ==
        std::vector<double>{wrapped});
  CHECK(gemm_values(kind("mac_int8"), Dataflow::weight_stationary, 16, g, in, w) ==
        std::vector<double>{wrapped});
}

TEST_CASE("gemm values count one MAC per product") {
  GemmArithmetic arith(kind("mac_fp16"));
  const GemmShape g{3, 4, 5};
  gemm_values(arith, Dataflow::weight_stationary, 2, g, std::vector<double>(12, 0.5),
              std::vector<double>(20, 0.25));
  CHECK(arith.counts()[PeAction::mac] == 3 * 4 * 5);
}

TEST_CASE("gemm values refuse bad shapes and kinds") {
  const GemmShape g{2, 2, 2};
  const std::vector<double> four(4, 1.0), three(3, 1.0);
  CHECK_THROWS_AS(gemm_values(kind("mac_int8"), Dataflow::output_stationary, 2, g, three, four), Error);
  CHECK_THROWS_AS(gemm_values(kind("mac_int8"), Dataflow::output_stationary, 2, g, four, three), Error);
  CHECK_THROWS_AS(gemm_values(kind("mac_int8"), Dataflow::output_stationary, 0, g, four, four), Error);
  CHECK_THROWS_AS(gemm_values(kind("mixpe_w4a16"), Dataflow::output_stationary, 2, g, four, four), Error);
  CHECK_THROWS_AS(gemm_values(kind("vector_fp16"), Dataflow::output_stationary, 2, g, four, four), Error);
  CHECK_THROWS_AS(gemm_values(kind("mac_int8"), Dataflow::output_stationary, 2, GemmShape{0, 2, 2}, {}, four),
                  Error);
  const GemmShape huge{int64_t{1} << 20, int64_t{1} << 20, 1};
  CHECK_THROWS_AS(gemm_values(kind("mac_int8"), Dataflow::output_stationary, 2, huge, four, four), Error);
}

TEST_CASE("quantize gemm operands with an absmax int8 scale") {
  // absmax 1.0: scale 1/127; 0.5 x 127 = 63.5 -> 64 (ties to even), 0.25 x 127 = 31.75 -> 32.
  const GemmShape g{2, 2, 1};
  const QuantizedGemmOperands q =
      quantize_gemm_operands(kind("mac_int8"), g, {0.5, -1.0, 0.25, 0.0}, {2.0, -0.5});
  CHECK(q.in == std::vector<double>{64, -127, 32, 0});
  CHECK(q.in_scale == Approx(1.0 / 127.0));
  // weights: absmax 2, scale 2/127; -0.5 x 63.5 = -31.75 -> -32.
  CHECK(q.w == std::vector<double>{127, -32});
  CHECK(q.w_scale == Approx(2.0 / 127.0));
  CHECK(q.out_scale() == Approx(2.0 / 127.0 / 127.0));
}

TEST_CASE("quantize gemm operands rounds into float formats without a scale") {
  // e4m3 has 3 fraction bits: 0.3 = 1.2 x 2^-2 -> 1.25 x 2^-2 = 0.3125; 1.0 stays.
  const GemmShape g{1, 2, 1};
  const QuantizedGemmOperands q = quantize_gemm_operands(kind("mac_fp8_e4m3"), g, {0.3, 1.0}, {1.0, -0.3});
  CHECK(q.in == std::vector<double>{0.3125, 1.0});
  CHECK(q.w == std::vector<double>{1.0, -0.3125});
  CHECK(q.out_scale() == 1.0);
  CHECK_THROWS_AS(quantize_gemm_operands(kind("mac_fp16"), g, {std::nan(""), 1.0}, {1.0, 1.0}), Error);
}

TEST_CASE("fp8 and int8 errors of a random GEMM are consistent with their formats") {
  // Per-operand noise-to-signal for data uniform in [-1, 1):
  //  int8, absmax scale 1/127: noise variance step^2 / 12 against signal variance 1/3:
  //   SNR = 4 x 127^2 = 48.1 dB per operand, about 45 dB for a product of two.
  //  fp8 e4m3 (3 fraction bits), round to nearest: relative error variance 2^-7 / 12 averaged
  //   over a binade: SNR = 1536 = 31.9 dB per operand, about 29 dB for a product.
  // With 1 in 512 activations 128x larger (outliers), int8's step grows 128-fold:
  //   SNR = 4 x 127^2 (1/128^2 + 1/512) = 21 dB per activation, while fp8's relative error
  //   does not change: fp8 is then the more accurate format.
  const GemmShape g{32, 64, 32};
  std::mt19937_64 rng(7);
  std::vector<double> in(32 * 64), in_outliers(32 * 64), w(64 * 32);
  for (double& x : in) x = uniform_pm1(rng);
  for (size_t i = 0; i < in.size(); ++i) in_outliers[i] = i % 512 == 0 ? 128.0 * in[i] : in[i];
  for (double& x : w) x = uniform_pm1(rng);

  auto sqnr = [&](const char* name, const std::vector<double>& a) {
    const PeKind k = kind(name);
    const QuantizedGemmOperands q = quantize_gemm_operands(k, g, a, w);
    std::vector<double> out = gemm_values(k, Dataflow::weight_stationary, 16, g, q.in, q.w);
    for (double& v : out) v *= q.out_scale();
    const ErrorMetrics e = error_metrics(out, gemm_reference(g, a, w));
    CHECK(e.non_finite == 0);
    std::printf("%-14s max abs %.3e  rel rms %.3e  SQNR %.1f dB\n", name, e.max_abs_error, e.rel_rms_error,
                e.sqnr_db);
    return e.sqnr_db;
  };
  const double int8_uniform = sqnr("mac_int8", in);
  const double fp8_uniform = sqnr("mac_fp8_e4m3", in);
  CHECK(int8_uniform > 40.0);
  CHECK(int8_uniform < 50.0);
  CHECK(fp8_uniform > 25.0);
  CHECK(fp8_uniform < 34.0);
  CHECK(int8_uniform > fp8_uniform + 10.0);
  const double int8_outliers = sqnr("mac_int8", in_outliers);
  const double fp8_outliers = sqnr("mac_fp8_e4m3", in_outliers);
  CHECK(fp8_outliers > int8_outliers + 3.0);
}
