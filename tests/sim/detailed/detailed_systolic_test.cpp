// The Detailed fidelity against hand-computed cycle counts (SCALE-Sim's fold
// formulas written out below), exact integer GEMMs, the floating-point error
// bound, gemm_values, and its VCD trace. Each TEST_CASE elaborates SystemC once
// (ctest runs each in its own process); the 50 random configurations run in
// child processes of einsim_detailed_probe.
//
// Fold cycles (SCALE-Sim v2's demand-matrix rows per fold, see systolic_timing.hpp):
//   os: R + C + T - 2 with T = K;  ws: 2R + C + T - 2 with T = M;  is: 2R + C + T - 2 with T = N.
// Folds: ceil(Sr / R) x ceil(Sc / C) with (Sr, Sc) = (M, N) os, (K, N) ws, (K, M) is.

#include "sim/detailed/detailed_systolic.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "arch/formats/codec.hpp"
#include "arch/spec/arch_spec.hpp"
#include "sim/core/error.hpp"
#include "sim/engine/gemm_values.hpp"
#include "tests/sim/detailed/random_operands.hpp"

using namespace einsim;

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The closed form written out for the tests: folds x cycles per fold.
int64_t hand_cycles(Dataflow d, int64_t R, int64_t C, int64_t M, int64_t K, int64_t N) {
  switch (d) {
    case Dataflow::output_stationary:
      return ceil_div(M, R) * ceil_div(N, C) * (R + C + K - 2);
    case Dataflow::weight_stationary:
      return ceil_div(K, R) * ceil_div(N, C) * (2 * R + C + M - 2);
    case Dataflow::input_stationary:
      return ceil_div(K, R) * ceil_div(M, C) * (2 * R + C + N - 2);
  }
  return -1;
}

DetailedConfig int8_config(Dataflow d, int64_t R, int64_t C, int64_t M, int64_t K, int64_t N, uint64_t seed) {
  DetailedConfig c;
  c.dataflow = d;
  c.rows = R;
  c.cols = C;
  c.gemm = {M, K, N};
  c.pe_kind = "mac_int8";
  std::mt19937_64 rng(seed);
  c.in = test::random_int8(rng, M * K);
  c.w = test::random_int8(rng, K * N);
  return c;
}

// Runs an int8 configuration and checks cycles (total and per fold), MACs and exact outputs.
void check_int8_run(Dataflow d, int64_t R, int64_t C, int64_t M, int64_t K, int64_t N,
                    int64_t expected_cycles) {
  DetailedConfig c = int8_config(d, R, C, M, K, N, 42);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == expected_cycles);
  CHECK(r.cycles == hand_cycles(d, R, C, M, K, N));
  const SystolicTiming t = systolic_gemm_timing(d, M, K, N, R, C);
  CHECK(r.cycles == t.total_cycles);
  REQUIRE(static_cast<int64_t>(r.folds.size()) == t.folds);
  for (int64_t f = 0; f < t.folds; ++f) {
    const SystolicFold sf = systolic_fold(t, f);
    CHECK(r.folds[static_cast<size_t>(f)].cycles == sf.cycles);
    CHECK(r.folds[static_cast<size_t>(f)].macs == sf.macs);
  }
  CHECK(r.macs == M * K * N);
  // int8 x int8 summed in int32: exact (|sum| <= K x 127^2 is far below 2^31).
  const std::vector<double> exact = gemm_reference(c.gemm, c.in, c.w);
  CHECK(r.out == exact);
  CHECK(r.counts[PeAction::mac] == static_cast<uint64_t>(M * K * N));
}

// gamma_n = n u / (1 - n u): the classic bound on the relative error of an n-term sum.
double gamma(int64_t n, double u) { return static_cast<double>(n) * u / (1.0 - static_cast<double>(n) * u); }

// Checks |out - exact| <= gamma_K(u_acc) x sum_k |a||b| for every output.
void check_float_bound(const DetailedConfig& c, const std::vector<double>& out, double u_acc) {
  const GemmShape& g = c.gemm;
  const std::vector<double> exact = gemm_reference(g, c.in, c.w);
  double worst = 0;
  for (int64_t m = 0; m < g.m; ++m) {
    for (int64_t n = 0; n < g.n; ++n) {
      double abs_sum = 0;
      for (int64_t k = 0; k < g.k; ++k) {
        abs_sum += std::fabs(c.in[static_cast<size_t>(m * g.k + k)] * c.w[static_cast<size_t>(k * g.n + n)]);
      }
      const size_t o = static_cast<size_t>(m * g.n + n);
      const double err = std::fabs(out[o] - exact[o]);
      const double bound = gamma(g.k, u_acc) * abs_sum;
      CHECK(err <= bound);
      if (abs_sum > 0) worst = std::max(worst, err / bound);
    }
  }
  std::printf("largest error / bound: %.3f\n", worst);
}

}  // namespace

TEST_CASE("detailed ws cycles equal the closed form on a divisible shape") {
  // 4x4 array, M = K = N = 8: (8/4) x (8/4) = 4 folds of 2x4 + 4 + 8 - 2 = 18 cycles.
  check_int8_run(Dataflow::weight_stationary, 4, 4, 8, 8, 8, 4 * 18);
}

TEST_CASE("detailed os cycles equal the closed form on a non-divisible shape") {
  // 3x5 array, M = 7, K = 6, N = 11: ceil(7/3) x ceil(11/5) = 9 folds of 3 + 5 + 6 - 2 = 12 cycles.
  check_int8_run(Dataflow::output_stationary, 3, 5, 7, 6, 11, 9 * 12);
}

TEST_CASE("detailed is cycles equal the closed form on a non-divisible shape") {
  // 4x3 array, M = 5, K = 10, N = 7: ceil(10/4) x ceil(5/3) = 6 folds of 2x4 + 3 + 7 - 2 = 16 cycles.
  check_int8_run(Dataflow::input_stationary, 4, 3, 5, 10, 7, 6 * 16);
}

TEST_CASE("detailed ws cycles equal the closed form on a non-divisible shape") {
  // 3x4 array, M = 5, K = 7, N = 9: ceil(7/3) x ceil(9/4) = 9 folds of 2x3 + 4 + 5 - 2 = 13 cycles.
  check_int8_run(Dataflow::weight_stationary, 3, 4, 5, 7, 9, 9 * 13);
}

TEST_CASE("detailed os cycles equal the closed form on a divisible shape") {
  // 4x4 array, M = 8, K = 5, N = 4: 2 x 1 folds of 4 + 4 + 5 - 2 = 11 cycles.
  check_int8_run(Dataflow::output_stationary, 4, 4, 8, 5, 4, 2 * 11);
}

TEST_CASE("detailed is cycles equal the closed form on a divisible shape") {
  // 2x2 array, M = 4, K = 4, N = 3: 2 x 2 folds of 2x2 + 2 + 3 - 2 = 7 cycles.
  check_int8_run(Dataflow::input_stationary, 2, 2, 4, 4, 3, 4 * 7);
}

TEST_CASE("detailed on a 1x1 array") {
  // ws, M = 3, K = 2, N = 2: 2 x 2 folds of 2 + 1 + 3 - 2 = 4 cycles.
  check_int8_run(Dataflow::weight_stationary, 1, 1, 3, 2, 2, 4 * 4);
}

TEST_CASE("detailed os on a 1x1 array") {
  // os, M = 2, K = 3, N = 2: 2 x 2 folds of 1 + 1 + 3 - 2 = 3 cycles.
  check_int8_run(Dataflow::output_stationary, 1, 1, 2, 3, 2, 4 * 3);
}

TEST_CASE("detailed on a 1xN array") {
  // os on 1x8, M = 3, K = 5, N = 6: 3 x 1 folds of 1 + 8 + 5 - 2 = 12 cycles.
  check_int8_run(Dataflow::output_stationary, 1, 8, 3, 5, 6, 3 * 12);
}

TEST_CASE("detailed is on a 1xN array") {
  // is on 1x6, M = 4, K = 3, N = 5: 3 x 1 folds of 2 + 6 + 5 - 2 = 11 cycles.
  check_int8_run(Dataflow::input_stationary, 1, 6, 4, 3, 5, 3 * 11);
}

TEST_CASE("detailed ws on an Nx1 array") {
  // ws on 5x1, M = 3, K = 7, N = 2: 2 x 2 folds of 10 + 1 + 3 - 2 = 12 cycles.
  check_int8_run(Dataflow::weight_stationary, 5, 1, 3, 7, 2, 4 * 12);
}

TEST_CASE("detailed full folds end with the last MAC of the bottom right PE") {
  // ws 3x3, M = 4, K = 6, N = 3: every fold is full, so the array itself is busy until
  // the fold's last cycle: PE(R-1, C-1) does the last MAC in fold cycle R + (T-1) + (R-1) + (C-1).
  DetailedConfig c = int8_config(Dataflow::weight_stationary, 3, 3, 4, 6, 3, 7);
  DetailedResult r = run_detailed_systolic(c);
  REQUIRE(r.folds.size() == 2);
  const int64_t F = 2 * 3 + 3 + 4 - 2;
  for (const DetailedFold& f : r.folds) {
    CHECK(f.cycles == F);
    CHECK(f.first_mac_cycle == f.start_cycle + 3);  // PE(0, 0) after R cycles of weight loading
    CHECK(f.last_mac_cycle == f.start_cycle + 3 + 3 + 2 + 2);
    CHECK(f.last_mac_cycle + 1 == f.start_cycle + F);
    CHECK(f.outputs == 4 * 3);  // T partial sums per column
  }
  CHECK(r.cycles == 2 * F);
  // The last output is written in the ofmap demand's last row: 2R - 1 + (T - 1) + (C - 1) into the last fold.
  CHECK(r.last_output_cycle == F + 5 + 3 + 2);
}

TEST_CASE("detailed os drains results after the last fold") {
  // os 2x3, M = 2, K = 4, N = 3: one fold of 2 + 3 + 4 - 2 = 7 cycles; PE(i, j) finishes
  // in cycle K - 1 + i + j and its result queues down the column to the drain.
  DetailedConfig c = int8_config(Dataflow::output_stationary, 2, 3, 2, 4, 3, 9);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == 7);
  REQUIRE(r.folds.size() == 1);
  CHECK(r.folds[0].last_mac_cycle == 3 + 1 + 2);
  CHECK(r.last_output_cycle >= r.cycles);  // os drain time is outside SCALE-Sim's count
  CHECK(r.out == gemm_reference(c.gemm, c.in, c.w));
}

TEST_CASE("detailed fp16 ws outputs are within the accumulation bound and equal gemm_values") {
  // mac_fp16: fp16 operands, fp32 accumulation. Products of fp16 values are exact in fp32's
  // 24 bits, so only the K - 1 additions round: |err| <= gamma_K(2^-24) sum |a||b|.
  DetailedConfig c;
  c.dataflow = Dataflow::weight_stationary;
  c.rows = 4;
  c.cols = 3;
  c.gemm = {6, 11, 5};  // K = 11: three row folds whose partial sums the drain adds
  c.pe_kind = "mac_fp16";
  std::mt19937_64 rng(3);
  c.in = test::random_in_format(rng, 6 * 11, NumberFormat::fp16, 8.0);
  c.w = test::random_in_format(rng, 11 * 5, NumberFormat::fp16, 8.0);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == hand_cycles(c.dataflow, 4, 3, 6, 11, 5));
  check_float_bound(c, r.out, 0x1.0p-24);
  CHECK(r.out == gemm_values(*parse_pe_kind(c.pe_kind), c.dataflow, c.rows, c.gemm, c.in, c.w));
}

TEST_CASE("detailed fp8 acc16 is outputs are within the accumulation bound and equal gemm_values") {
  // mac_fp8_e4m3_acc16: e4m3 operands, fp16 accumulation. A product of two 4-bit
  // significands fits fp16's 11 bits, so the K - 1 additions round (relative error
  // <= 2^-11 each) and, in fp16's subnormal range, each rounding may add up to half the
  // subnormal spacing 2^-24: |err| <= gamma_K(2^-11) sum |a||b| + K 2^-25.
  DetailedConfig c;
  c.dataflow = Dataflow::input_stationary;
  c.rows = 3;
  c.cols = 4;
  c.gemm = {7, 8, 5};
  c.pe_kind = "mac_fp8_e4m3_acc16";
  std::mt19937_64 rng(5);
  c.in = test::random_in_format(rng, 7 * 8, NumberFormat::fp8_e4m3, 4.0);
  c.w = test::random_in_format(rng, 8 * 5, NumberFormat::fp8_e4m3, 4.0);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == hand_cycles(c.dataflow, 3, 4, 7, 8, 5));
  const std::vector<double> exact = gemm_reference(c.gemm, c.in, c.w);
  for (int64_t m = 0; m < 7; ++m) {
    for (int64_t n = 0; n < 5; ++n) {
      double abs_sum = 0;
      for (int64_t k = 0; k < 8; ++k) abs_sum += std::fabs(c.in[size_t(m * 8 + k)] * c.w[size_t(k * 5 + n)]);
      const size_t o = size_t(m * 5 + n);
      CHECK(std::fabs(r.out[o] - exact[o]) <= gamma(8, 0x1.0p-11) * abs_sum + 8 * 0x1.0p-25);
    }
  }
  CHECK(r.out == gemm_values(*parse_pe_kind(c.pe_kind), c.dataflow, c.rows, c.gemm, c.in, c.w));
}

TEST_CASE("detailed fp8 os outputs are within the accumulation bound and equal gemm_values") {
  // mac_fp8_e5m2 accumulates in fp32: products of two 3-bit significands are exact.
  DetailedConfig c;
  c.dataflow = Dataflow::output_stationary;
  c.rows = 4;
  c.cols = 4;
  c.gemm = {5, 9, 6};
  c.pe_kind = "mac_fp8_e5m2";
  std::mt19937_64 rng(11);
  c.in = test::random_in_format(rng, 5 * 9, NumberFormat::fp8_e5m2, 2.0);
  c.w = test::random_in_format(rng, 9 * 6, NumberFormat::fp8_e5m2, 2.0);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == hand_cycles(c.dataflow, 4, 4, 5, 9, 6));
  check_float_bound(c, r.out, 0x1.0p-24);
  CHECK(r.out == gemm_values(*parse_pe_kind(c.pe_kind), c.dataflow, c.rows, c.gemm, c.in, c.w));
}

TEST_CASE("detailed lmul outputs equal gemm_values") {
  DetailedConfig c;
  c.dataflow = Dataflow::weight_stationary;
  c.rows = 3;
  c.cols = 3;
  c.gemm = {4, 7, 5};
  c.pe_kind = "lmul_m3";
  std::mt19937_64 rng(13);
  c.in = test::random_in_format(rng, 4 * 7, NumberFormat::fp8_e4m3);
  c.w = test::random_in_format(rng, 7 * 5, NumberFormat::fp8_e4m3);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == hand_cycles(c.dataflow, 3, 3, 4, 7, 5));
  const std::vector<double> expected =
      gemm_values(*parse_pe_kind(c.pe_kind), c.dataflow, c.rows, c.gemm, c.in, c.w);
  CHECK(r.out == expected);
  // L-Mul's product error is at most about 2^-l(m) relative... the values must at least be close.
  const std::vector<double> exact = gemm_reference(c.gemm, c.in, c.w);
  for (size_t i = 0; i < exact.size(); ++i) {
    double abs_sum = 0;
    const int64_t m = int64_t(i) / 5, n = int64_t(i) % 5;
    for (int64_t k = 0; k < 7; ++k) abs_sum += std::fabs(c.in[size_t(m * 7 + k)] * c.w[size_t(k * 5 + n)]);
    // Each L-Mul product is within 1/8 + 2^-3 (truncation and offset) of the true one, relatively.
    CHECK(std::fabs(r.out[i] - exact[i]) <= 0.25 * abs_sum + 1e-12);
  }
}

TEST_CASE("detailed timing only run moves no values") {
  DetailedConfig c;
  c.dataflow = Dataflow::input_stationary;
  c.rows = 5;
  c.cols = 4;
  c.gemm = {9, 12, 7};
  c.values = false;
  DetailedResult r = run_detailed_systolic(c);
  // ceil(12/5) x ceil(9/4) = 9 folds of 10 + 4 + 7 - 2 = 19 cycles.
  CHECK(r.cycles == 9 * 19);
  CHECK(r.macs == 9 * 12 * 7);
  CHECK(r.out.empty());
}

TEST_CASE("detailed writes a VCD trace to exactly the file named, at the architecture's clock") {
  const std::string path = "detailed_trace_test.wave";  // no .vcd: nothing is appended
  std::remove(path.c_str());
  DetailedConfig c = int8_config(Dataflow::weight_stationary, 3, 3, 4, 3, 3, 1);
  c.vcd_path = path;
  c.clock_hz = 250e6;  // a 4 ns period: 4000 ps, edges every 2000 ps
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.vcd_file == path);
  CHECK(!std::ifstream(path + ".vcd").good());
  CHECK(!std::ifstream(path + ".partial.vcd").good());
  std::ifstream f(path);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  CHECK(text.find("$enddefinitions") != std::string::npos);
  CHECK(text.find("$var") != std::string::npos);
  CHECK(text.find("clk") != std::string::npos);
  CHECK(text.find("psum_out") != std::string::npos);
  CHECK(text.find("1 ps") != std::string::npos);  // the time unit
  // Value changes after the header: the clock toggles every half period, 2000 ps, and
  // psum_out of PE(0, 0) changes once the weights are loaded.
  const size_t header_end = text.find("$enddefinitions");
  REQUIRE(header_end != std::string::npos);
  CHECK(text.find("\n#2000\n", header_end) != std::string::npos);
  CHECK(text.find("\n#4000\n", header_end) != std::string::npos);
  CHECK(text.find("\n#500\n", header_end) == std::string::npos);  // not the former fixed 1 ns period
  CHECK(std::count(text.begin() + static_cast<long>(header_end), text.end(), '#') >= r.cycles);
  std::remove(path.c_str());
}

TEST_CASE("detailed clock period in picoseconds") {
  CHECK(detailed_clock_period_ps(1e9) == 1000);
  CHECK(detailed_clock_period_ps(250e6) == 4000);
  // 940 MHz: 1e12 / 940e6 = 1063.83 ps; half 531.9 rounds to 532, so 1064 ps.
  CHECK(detailed_clock_period_ps(940e6) == 1064);
  CHECK(detailed_clock_period_ps(500e9) == 2);
  CHECK_THROWS_AS(detailed_clock_period_ps(600e9), Error);
  CHECK_THROWS_AS(detailed_clock_period_ps(0), Error);
  CHECK_THROWS_AS(detailed_clock_period_ps(-1), Error);
  CHECK_THROWS_AS(detailed_clock_period_ps(std::nan("")), Error);
  CHECK_THROWS_AS(detailed_clock_period_ps(1e-30), Error);
}

TEST_CASE("detailed time limit: the estimate, the message and the option that raises it") {
  DetailedConfig c = int8_config(Dataflow::weight_stationary, 2, 2, 2, 2, 2, 1);
  c.values = false;
  c.gemm = {int64_t{1} << 20, int64_t{1} << 20, 4};
  const SystolicTiming t = systolic_gemm_timing(c.dataflow, c.gemm.m, c.gemm.k, c.gemm.n, c.rows, c.cols);
  const int64_t pe_cycles = 2 * 2 * (t.total_cycles + 8);  // ws drains for 8 cycles
  const DetailedEstimate e = detailed_estimate(c);
  CHECK(e.cycles == t.total_cycles + 8);
  CHECK(e.pe_cycles == pe_cycles);
  // 2 x 2 PEs, timing only: 36 ns per PE-cycle and 1024 PE-cycles per PE of elaboration.
  CHECK(e.seconds == Approx((static_cast<double>(pe_cycles) + 1024 * 4) * 36e-9));
  REQUIRE(e.seconds > kDefaultDetailedLimitSeconds);
  try {
    run_detailed_systolic(c);
    FAIL("expected the time limit");
  } catch (const Error& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("= " + std::to_string(pe_cycles) + " PE-cycles") != std::string::npos);
    CHECK(msg.find("over the limit of 60 s") != std::string::npos);
    CHECK(msg.find("--detailed-limit") != std::string::npos);
  }
  // Values double the cost on small arrays; large arrays cost more per PE-cycle.
  DetailedConfig v = c;
  v.values = true;
  CHECK(detailed_estimate(v).seconds == Approx(2 * e.seconds));
  DetailedConfig big = c;
  big.rows = big.cols = 128;
  big.gemm = {128, 128, 128};
  const DetailedEstimate b = detailed_estimate(big);
  CHECK(b.seconds == Approx((static_cast<double>(b.pe_cycles) + 1024.0 * 128 * 128) * 36e-9 * 4));
  c.max_seconds = -1;
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.max_seconds = 60;
  c.gemm = {2, 2, 2};
  c.clock_hz = 0;
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
}

TEST_CASE("detailed refuses a second elaboration in one process") {
  DetailedConfig c = int8_config(Dataflow::output_stationary, 2, 2, 2, 2, 2, 1);
  DetailedResult r = run_detailed_systolic(c);
  CHECK(r.cycles == 2 + 2 + 2 - 2);
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
}

TEST_CASE("detailed refuses bad configurations before elaborating") {
  DetailedConfig c = int8_config(Dataflow::weight_stationary, 2, 2, 2, 2, 2, 1);
  c.rows = 0;
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.rows = kMaxDetailedSide + 1;
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.rows = 2;
  c.pe_kind = "mixpe_w4a16";
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.pe_kind = "no_such_pe";
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.pe_kind = "mac_int8";
  c.in.pop_back();
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.in.push_back(std::nan(""));
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);
  c.in.back() = 0;
  c.gemm = {int64_t{1} << 20, int64_t{1} << 20, 4};
  c.values = false;
  CHECK_THROWS_AS(run_detailed_systolic(c), Error);  // over the PE-cycle limit
  // A valid configuration still runs: nothing was elaborated by the refusals.
  c.gemm = {2, 2, 2};
  c.values = true;
  CHECK(run_detailed_systolic(c).cycles == 2 * 2 + 2 + 2 - 2);
}

TEST_CASE("detailed equals the closed form on 50 random small configurations") {
  // Each configuration runs in its own child process (one elaboration per process).
  std::mt19937_64 rng(2026);
  const Dataflow flows[] = {Dataflow::output_stationary, Dataflow::weight_stationary,
                            Dataflow::input_stationary};
  for (int i = 0; i < 50; ++i) {
    const Dataflow d = flows[rng() % 3];
    const int64_t R = 1 + int64_t(rng() % 6), C = 1 + int64_t(rng() % 6);
    const int64_t M = 1 + int64_t(rng() % 12), K = 1 + int64_t(rng() % 12), N = 1 + int64_t(rng() % 12);
    const std::string cmd = std::string(EINSIM_DETAILED_PROBE) + " " + std::string(dataflow_name(d)) + " " +
                            std::to_string(R) + " " + std::to_string(C) + " " + std::to_string(M) + " " +
                            std::to_string(K) + " " + std::to_string(N) + " " + std::to_string(i);
    INFO(cmd);
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (size_t got = std::fread(buf, 1, sizeof buf, p)) out.append(buf, got);
    REQUIRE(pclose(p) == 0);
    const nlohmann::json j = nlohmann::json::parse(out);
    CHECK(j.at("cycles").get<int64_t>() == hand_cycles(d, R, C, M, K, N));
    const int64_t per_fold = d == Dataflow::output_stationary   ? R + C + K - 2
                             : d == Dataflow::weight_stationary ? 2 * R + C + M - 2
                                                                : 2 * R + C + N - 2;
    for (const auto& fc : j.at("fold_cycles")) CHECK(fc.get<int64_t>() == per_fold);
    CHECK(j.at("macs").get<int64_t>() == M * K * N);
    CHECK(j.at("values_equal_gemm_values").get<bool>());
  }
}

TEST_CASE("detailed config from an architecture's 2D array") {
  ComputeArray a;
  a.name = "pe2d";
  a.rows = 4;
  a.cols = 6;
  a.pe = *parse_pe_kind("mac_fp16");
  DetailedConfig c = detailed_config(a, Dataflow::output_stationary, GemmShape{9, 5, 13});
  CHECK(c.rows == 4);
  CHECK(c.cols == 6);
  CHECK(c.pe_kind == "mac_fp16");
  c.values = false;
  // os: ceil(9/4) x ceil(13/6) = 9 folds of 4 + 6 + 5 - 2 = 13 cycles.
  CHECK(run_detailed_systolic(c).cycles == 9 * 13);
  ComputeArray lanes = a;
  lanes.dimensions = 1;
  lanes.rows = 1;
  CHECK_THROWS_AS(detailed_config(lanes, Dataflow::output_stationary, GemmShape{1, 1, 1}), Error);
}
