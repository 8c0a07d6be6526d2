#include "sim/engine/systolic_timing.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

using namespace einsim;

// SCALE-Sim v2's cycle conventions, derived from its compute modules
// (scalesim/compute/systolic_compute_{os,ws,is}.py) and its memory system
// (double_buffered_scratchpad_mem.service_memory_requests):
//
// Each compute module builds, per fold, one demand matrix per operand whose
// rows are cycles. The three matrices of a fold have the same number of rows:
//
//   os (Sr = M, Sc = N, T = K): the ifmap demand is T rows of operands plus
//      C - 1 empty rows (outputs drain), then skewed over R columns (+R - 1):
//      T + C - 1 + R - 1 = R + C + T - 2 rows. The ofmap demand is T - 1 empty
//      rows plus R output rows, skewed over C columns: T - 1 + R + C - 1, the same.
//   ws (Sr = K, Sc = N, T = M): the ifmap demand is R empty rows (weights
//      load) + T input rows + C - 1 empty rows (drain), skewed over R columns:
//      R + T + C - 1 + R - 1 = 2R + C + T - 2. The filter demand is R weight
//      rows + (R + C + T - 2) empty rows, unskewed: the same.
//   is (Sr = K, Sc = M, T = N): the ifmap (stationary) demand is R rows +
//      (R + C + T - 2) empty rows: 2R + C + T - 2.
//
// The memory system then issues demand row i at cycle i (plus stalls; none
// here: SCALE-Sim's CALC bandwidth mode is stall-free for reads) and reports
// as "Total Cycles" the cycle of the last ofmap row, i.e. rows - 1.
//
// Folds: ceil(Sr / R) x ceil(Sc / C); every fold has the full-array length.
// Reads and writes count the non-padded elements of the demand matrices:
//   os: ifmap T x rows_used, filter T x cols_used, ofmap rows_used x cols_used
//       (its reported counter adds R + C per fold, a quirk of its code)
//   ws: ifmap T x rows_used, filter rows_used x cols_used, ofmap T x cols_used
//   is: ifmap rows_used x cols_used, filter T x rows_used, ofmap T x cols_used
// Mapping efficiency per fold = rows_used x cols_used / (R x C); compute
// utilization per fold = rows_used x cols_used x T / (R x C x U) with
// U = R + C + T - 2 (os) or 2R + 2C + T - 3 (ws, is: the unskewed matrix's
// rows + its width - 1); both averaged over folds. Overall utilization =
// M x N x K / (Total Cycles x R x C).

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Expected {
  int64_t sr, sc, t, row_folds, col_folds, folds, per_fold, total, reported;
  int64_t ifmap, filter, ofmap, ofmap_reported;
  double mapping_eff, compute_util, overall_util;
};

// The formulas above, written out independently of the implementation.
Expected expected(Dataflow d, int64_t m, int64_t k, int64_t n, int64_t r, int64_t c) {
  Expected e{};
  if (d == Dataflow::output_stationary) {
    e.sr = m, e.sc = n, e.t = k;
  } else if (d == Dataflow::weight_stationary) {
    e.sr = k, e.sc = n, e.t = m;
  } else {
    e.sr = k, e.sc = m, e.t = n;
  }
  e.row_folds = ceil_div(e.sr, r);
  e.col_folds = ceil_div(e.sc, c);
  e.folds = e.row_folds * e.col_folds;
  const bool os = d == Dataflow::output_stationary;
  e.per_fold = os ? r + c + e.t - 2 : 2 * r + c + e.t - 2;
  e.total = e.folds * e.per_fold;
  e.reported = e.total - 1;
  // Explicit sums over the folds (no closed form), to check the implementation's.
  int64_t used = 0, rows_sum = 0, cols_sum = 0;
  for (int64_t fc = 0; fc < e.col_folds; ++fc) {
    for (int64_t fr = 0; fr < e.row_folds; ++fr) {
      int64_t ru = std::min(r, e.sr - fr * r);
      int64_t cu = std::min(c, e.sc - fc * c);
      used += ru * cu;
      rows_sum += ru;
      cols_sum += cu;
    }
  }
  if (os) {
    e.ifmap = e.t * rows_sum, e.filter = e.t * cols_sum, e.ofmap = used;
    e.ofmap_reported = used + e.folds * (r + c);
  } else if (d == Dataflow::weight_stationary) {
    e.ifmap = e.t * rows_sum, e.filter = used, e.ofmap = e.t * cols_sum;
    e.ofmap_reported = e.ofmap;
  } else {
    e.ifmap = used, e.filter = e.t * rows_sum, e.ofmap = e.t * cols_sum;
    e.ofmap_reported = e.ofmap;
  }
  const double pes = double(r) * double(c);
  const double u = os ? double(r + c + e.t - 2) : double(2 * r + 2 * c + e.t - 3);
  e.mapping_eff = double(used) / (pes * double(e.folds));
  e.compute_util = double(used) * double(e.t) / (pes * u * double(e.folds));
  e.overall_util = double(m * n * k) / (double(e.reported) * pes);
  return e;
}

void check_against_formulas(Dataflow d, int64_t m, int64_t k, int64_t n, int64_t r, int64_t c) {
  INFO("dataflow " << dataflow_name(d) << " M=" << m << " K=" << k << " N=" << n << " on " << r << "x" << c);
  const Expected e = expected(d, m, k, n, r, c);
  const SystolicTiming t = systolic_gemm_timing(d, m, k, n, r, c);
  CHECK(t.mapping.sr == e.sr);
  CHECK(t.mapping.sc == e.sc);
  CHECK(t.mapping.t == e.t);
  CHECK(t.row_folds == e.row_folds);
  CHECK(t.col_folds == e.col_folds);
  CHECK(t.folds == e.folds);
  CHECK(t.cycles_per_fold == e.per_fold);
  CHECK(t.total_cycles == e.total);
  CHECK(t.scalesim_total_cycles == e.reported);
  CHECK(t.macs == m * k * n);
  CHECK(t.ifmap_reads == e.ifmap);
  CHECK(t.filter_reads == e.filter);
  CHECK(t.ofmap_writes == e.ofmap);
  CHECK(t.scalesim_ofmap_writes == e.ofmap_reported);
  CHECK(t.mapping_efficiency == Approx(e.mapping_eff).epsilon(1e-12));
  CHECK(t.compute_utilization == Approx(e.compute_util).epsilon(1e-12));
  if (e.reported > 0) CHECK(t.overall_utilization == Approx(e.overall_util).epsilon(1e-12));
}

const Dataflow kAll[] = {Dataflow::output_stationary, Dataflow::weight_stationary,
                         Dataflow::input_stationary};

}  // namespace

TEST_CASE("dataflow names parse and print", "[sim][systolic]") {
  CHECK(parse_dataflow("os") == Dataflow::output_stationary);
  CHECK(parse_dataflow("ws") == Dataflow::weight_stationary);
  CHECK(parse_dataflow("is") == Dataflow::input_stationary);
  CHECK(parse_dataflow("weight_stationary") == Dataflow::weight_stationary);
  CHECK_FALSE(parse_dataflow("rs"));
  CHECK_FALSE(parse_dataflow(""));
  for (Dataflow d : kAll) CHECK(parse_dataflow(dataflow_name(d)) == d);
}

TEST_CASE("SCALE-Sim mapping of GEMM ranks onto Sr Sc and T", "[sim][systolic]") {
  GemmShape g{10, 20, 30};  // M, K, N
  auto os = map_gemm(Dataflow::output_stationary, g);
  CHECK((os.sr == 10 && os.sc == 30 && os.t == 20));
  auto ws = map_gemm(Dataflow::weight_stationary, g);
  CHECK((ws.sr == 20 && ws.sc == 30 && ws.t == 10));
  auto is = map_gemm(Dataflow::input_stationary, g);
  CHECK((is.sr == 20 && is.sc == 10 && is.t == 30));
}

// Hand-worked: a 4x4 array, M = K = N = 4, weight stationary. Sr = K = 4,
// Sc = N = 4, T = M = 4: one fold using every PE.
//   cycles 0..3   the four weight rows enter from the top (the filter demand's
//                 first R = 4 rows, reversed so the top row enters last);
//   cycles 4..10  input row t (t = 0..3) enters array row j at cycle 4 + t + j:
//                 the first at cycle 4 (row 0), the last at 4 + 3 + 3 = 10;
//   cycles 7..13  output (t, column c) leaves the bottom at 2R - 1 + t + c =
//                 7 + t + c: the first at 7, the last at 7 + 3 + 3 = 13.
// So the fold spans cycles 0..13: 14 cycles = 2R + C + T - 2 = 8 + 4 + 4 - 2.
// SCALE-Sim reports "Total Cycles" 13 (the last cycle's index), overall
// utilization 64 / (13 x 16) = 30.77 %, compute utilization 64 / (16 x 17) =
// 23.53 % (U = 2R + 2C + T - 3 = 17) and 16 reads or writes of each operand.
TEST_CASE("hand-worked 4x4 weight-stationary GEMM of 4x4x4", "[sim][systolic]") {
  auto t = systolic_gemm_timing(Dataflow::weight_stationary, 4, 4, 4, 4, 4);
  CHECK(t.folds == 1);
  CHECK(t.cycles_per_fold == 14);
  CHECK(t.total_cycles == 14);
  CHECK(t.scalesim_total_cycles == 13);
  CHECK(t.ifmap_reads == 16);
  CHECK(t.filter_reads == 16);
  CHECK(t.ofmap_writes == 16);
  CHECK(t.mapping_efficiency == Approx(1.0));
  CHECK(t.compute_utilization == Approx(64.0 / (16.0 * 17.0)));
  CHECK(t.overall_utilization == Approx(64.0 / (13.0 * 16.0)));
}

// Hand-worked: the same GEMM output stationary. Sr = M = 4, Sc = N = 4, T = K = 4.
// Operand k of row i enters PE row i at cycle k + i (ifmap skewed by row) and
// reaches column j at k + i + j; PE (i, j) does its last MAC at 3 + i + j, the
// last PE (3, 3) at cycle 9. The ofmap demand (T - 1 = 3 empty rows, then
// R = 4 output rows skewed over C = 4 columns) ends at row 3 + 4 + 3 - 1 = 9.
// 10 cycles = R + C + T - 2; SCALE-Sim reports 9, and 16 + R + C = 24 ofmap writes.
TEST_CASE("hand-worked 4x4 output-stationary GEMM of 4x4x4", "[sim][systolic]") {
  auto t = systolic_gemm_timing(Dataflow::output_stationary, 4, 4, 4, 4, 4);
  CHECK(t.cycles_per_fold == 10);
  CHECK(t.total_cycles == 10);
  CHECK(t.scalesim_total_cycles == 9);
  CHECK(t.ofmap_writes == 16);
  CHECK(t.scalesim_ofmap_writes == 24);
  CHECK(t.compute_utilization == Approx(64.0 / (16.0 * 10.0)));
  CHECK(t.overall_utilization == Approx(64.0 / (9.0 * 16.0)));
}

// Hand-worked non-divisible case: output stationary, M = 10, K = 5, N = 7 on a
// 4x3 array. Row folds ceil(10/4) = 3 (4, 4 and 2 rows used), column folds
// ceil(7/3) = 3 (3, 3 and 1 columns used): 9 folds of 4 + 3 + 5 - 2 = 10
// cycles, 90 in all (SCALE-Sim: 89). ifmap reads = K x M x column folds =
// 5 x 10 x 3 = 150; filter reads = K x N x row folds = 5 x 7 x 3 = 105; ofmap
// writes = 70 (SCALE-Sim's counter: 70 + 9 x (4 + 3) = 133). Mapping
// efficiency = 70 / (9 x 12).
TEST_CASE("hand-worked non-divisible output-stationary GEMM", "[sim][systolic]") {
  auto t = systolic_gemm_timing(Dataflow::output_stationary, 10, 5, 7, 4, 3);
  CHECK(t.row_folds == 3);
  CHECK(t.col_folds == 3);
  CHECK(t.cycles_per_fold == 10);
  CHECK(t.total_cycles == 90);
  CHECK(t.scalesim_total_cycles == 89);
  CHECK(t.ifmap_reads == 150);
  CHECK(t.filter_reads == 105);
  CHECK(t.ofmap_writes == 70);
  CHECK(t.scalesim_ofmap_writes == 133);
  CHECK(t.mapping_efficiency == Approx(70.0 / 108.0));
  CHECK(t.compute_utilization == Approx(70.0 * 5.0 / (12.0 * 10.0 * 9.0)));
}

// Hand-worked: input stationary, M = 6, K = 3, N = 2 on a 2x4 array. Sr = K = 3,
// Sc = M = 6, T = N = 2: row folds ceil(3/2) = 2, column folds ceil(6/4) = 2,
// 4 folds of 2R + C + T - 2 = 4 + 4 + 2 - 2 = 8 cycles: 32 (SCALE-Sim: 31).
// ifmap reads (stationary) = K x M = 18; filter reads = T x K x column folds =
// 2 x 3 x 2 = 12; ofmap writes = T x M x row folds = 2 x 6 x 2 = 24.
TEST_CASE("hand-worked non-divisible input-stationary GEMM", "[sim][systolic]") {
  auto t = systolic_gemm_timing(Dataflow::input_stationary, 6, 3, 2, 2, 4);
  CHECK(t.folds == 4);
  CHECK(t.cycles_per_fold == 8);
  CHECK(t.total_cycles == 32);
  CHECK(t.scalesim_total_cycles == 31);
  CHECK(t.ifmap_reads == 18);
  CHECK(t.filter_reads == 12);
  CHECK(t.ofmap_writes == 24);
}

TEST_CASE("divisible shapes follow the SCALE-Sim formulas", "[sim][systolic]") {
  for (Dataflow d : kAll) {
    check_against_formulas(d, 64, 64, 64, 8, 8);
    check_against_formulas(d, 128, 256, 64, 32, 32);
    check_against_formulas(d, 256, 128, 512, 128, 128);
    check_against_formulas(d, 32, 16, 48, 16, 8);
  }
}

TEST_CASE("non-divisible shapes follow the SCALE-Sim formulas", "[sim][systolic]") {
  for (Dataflow d : kAll) {
    check_against_formulas(d, 100, 37, 55, 8, 8);
    check_against_formulas(d, 7, 3, 5, 4, 4);
    check_against_formulas(d, 1000, 129, 257, 128, 128);
    check_against_formulas(d, 3, 1000, 2, 16, 32);
    check_against_formulas(d, 1, 1, 1, 16, 16);
  }
}

TEST_CASE("1x1 1xN and Nx1 arrays follow the SCALE-Sim formulas", "[sim][systolic]") {
  for (Dataflow d : kAll) {
    check_against_formulas(d, 5, 7, 3, 1, 1);
    check_against_formulas(d, 5, 7, 3, 1, 8);
    check_against_formulas(d, 5, 7, 3, 8, 1);
    check_against_formulas(d, 64, 64, 64, 1, 64);
    check_against_formulas(d, 64, 64, 64, 64, 1);
  }
  // 1x1 array, os: every one of the M x N outputs is a fold of 1 + 1 + K - 2 = K cycles.
  auto os = systolic_gemm_timing(Dataflow::output_stationary, 5, 7, 3, 1, 1);
  CHECK(os.folds == 15);
  CHECK(os.total_cycles == 15 * 7);
  // 1x1 array, ws: K x N folds of 2 + 1 + M - 2 = M + 1 cycles (one to load the weight).
  auto ws = systolic_gemm_timing(Dataflow::weight_stationary, 5, 7, 3, 1, 1);
  CHECK(ws.folds == 21);
  CHECK(ws.total_cycles == 21 * 6);
  // A 1x1 GEMM on a 1x1 array, os: one cycle; SCALE-Sim's count is then 0.
  auto one = systolic_gemm_timing(Dataflow::output_stationary, 1, 1, 1, 1, 1);
  CHECK(one.total_cycles == 1);
  CHECK(one.scalesim_total_cycles == 0);
  CHECK(one.overall_utilization == 0.0);
}

TEST_CASE("the folds add up to the totals", "[sim][systolic]") {
  for (Dataflow d : kAll) {
    auto t = systolic_gemm_timing(d, 45, 23, 17, 8, 6);
    int64_t cycles = 0, ifmap = 0, filter = 0, ofmap = 0, macs = 0;
    double eff = 0, util = 0;
    for (int64_t i = 0; i < t.folds; ++i) {
      SystolicFold f = systolic_fold(t, i);
      CHECK(f.index == i);
      CHECK(f.row_fold == i % t.row_folds);
      CHECK(f.col_fold == i / t.row_folds);
      cycles += f.cycles;
      ifmap += f.ifmap_reads;
      filter += f.filter_reads;
      ofmap += f.ofmap_writes;
      macs += f.macs;
      eff += f.mapping_efficiency;
      util += f.compute_utilization;
    }
    CHECK(cycles == t.total_cycles);
    CHECK(ifmap == t.ifmap_reads);
    CHECK(filter == t.filter_reads);
    CHECK(ofmap == t.ofmap_writes);
    CHECK(macs == t.macs);
    CHECK(eff / double(t.folds) == Approx(t.mapping_efficiency));
    CHECK(util / double(t.folds) == Approx(t.compute_utilization));
  }
  // The last fold of a non-divisible shape uses the remainder: os, M = 10 on 4
  // rows leaves 2 rows, N = 7 on 3 columns leaves 1.
  auto t = systolic_gemm_timing(Dataflow::output_stationary, 10, 5, 7, 4, 3);
  auto last = systolic_fold(t, t.folds - 1);
  CHECK(last.rows_used == 2);
  CHECK(last.cols_used == 1);
  CHECK(last.macs == 2 * 1 * 5);
  CHECK(last.mapping_efficiency == Approx(2.0 / 12.0));
}

TEST_CASE("conv2d lowers to a GEMM as SCALE-Sim does", "[sim][systolic]") {
  // 56x56x64 input, 3x3 filters, 128 of them, stride 1: output 54x54,
  // M = 2916 pixels, K = 3 x 3 x 64 = 576, N = 128.
  Conv2dShape c{56, 56, 3, 3, 64, 128, 1, 1};
  GemmShape g = conv2d_as_gemm(c);
  CHECK(g.m == 54 * 54);
  CHECK(g.k == 576);
  CHECK(g.n == 128);
  // Stride 2 on a 6x6 input with a 3x3 filter: SCALE-Sim's ceil((6 - 3 + 2) / 2)
  // = 3 outputs per dimension (a plain convolution would give 2).
  Conv2dShape s{6, 6, 3, 3, 1, 1, 2, 2};
  CHECK(conv2d_as_gemm(s).m == 9);
  // A 1x1 convolution is a GEMM over the pixels.
  Conv2dShape p{14, 7, 1, 1, 32, 16, 1, 1};
  auto gp = conv2d_as_gemm(p);
  CHECK((gp.m == 98 && gp.k == 32 && gp.n == 16));
  auto t = systolic_conv2d_timing(Dataflow::weight_stationary, c, 32, 32);
  CHECK(t.total_cycles == expected(Dataflow::weight_stationary, 2916, 576, 128, 32, 32).total);
  CHECK_THROWS_AS(conv2d_as_gemm(Conv2dShape{2, 2, 3, 3, 1, 1, 1, 1}), Error);
  CHECK_THROWS_AS(conv2d_as_gemm(Conv2dShape{8, 8, 3, 3, 0, 1, 1, 1}), Error);
}

TEST_CASE("bad sizes and fold indices are errors", "[sim][systolic]") {
  using D = Dataflow;
  CHECK_THROWS_AS(systolic_gemm_timing(D::output_stationary, 0, 4, 4, 4, 4), Error);
  CHECK_THROWS_AS(systolic_gemm_timing(D::output_stationary, 4, -1, 4, 4, 4), Error);
  CHECK_THROWS_AS(systolic_gemm_timing(D::output_stationary, 4, 4, 4, 0, 4), Error);
  CHECK_THROWS_AS(systolic_gemm_timing(D::output_stationary, 4, 4, 4, 4, 0), Error);
  CHECK_THROWS_AS(systolic_gemm_timing(D::output_stationary, kMaxSystolicExtent + 1, 1, 1, 4, 4), Error);
  // Each extent within the limit, but M x K x N overflows 63 bits.
  CHECK_THROWS_AS(systolic_gemm_timing(D::weight_stationary, int64_t{1} << 30, int64_t{1} << 30,
                                       int64_t{1} << 30, 128, 128),
                  Error);
  auto t = systolic_gemm_timing(D::input_stationary, 8, 8, 8, 4, 4);
  CHECK_THROWS_AS(systolic_fold(t, -1), Error);
  CHECK_THROWS_AS(systolic_fold(t, t.folds), Error);
  CHECK_NOTHROW(systolic_fold(t, t.folds - 1));
}

TEST_CASE("large GEMMs are computed in closed form", "[sim][systolic]") {
  // 65536 x 4096 x 4096 on 128x128, ws: Sr = 4096, Sc = 4096, T = 65536;
  // 32 x 32 folds of 256 + 128 + 65536 - 2 = 65918 cycles.
  auto t = systolic_gemm_timing(Dataflow::weight_stationary, 65536, 4096, 4096, 128, 128);
  CHECK(t.folds == 1024);
  CHECK(t.cycles_per_fold == 65918);
  CHECK(t.total_cycles == int64_t{1024} * 65918);
  CHECK(t.ofmap_writes == int64_t{65536} * 4096 * 32);
}

TEST_CASE("GEMM timing on an architecture's 2D array uses its rows and cols", "[sim][systolic]") {
  YamlDocument doc =
      YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) + "/arch/library/fusemax_cloud.yaml");
  doc.apply_override("arrays.pe2d.rows=16");
  doc.apply_override("arrays.pe2d.cols=8");
  ArchSpec arch = load_architecture(doc);
  // ws on 16x8: Sr = K = 40 -> 3 row folds, Sc = N = 20 -> 3 column folds,
  // 9 folds of 2 x 16 + 8 + 30 - 2 = 68 cycles.
  auto t = systolic_gemm_timing(Dataflow::weight_stationary, GemmShape{30, 40, 20}, arch.array("pe2d"));
  CHECK(t.folds == 9);
  CHECK(t.cycles_per_fold == 68);
  CHECK(t.total_cycles == 9 * 68);
  CHECK_THROWS_AS(
      systolic_gemm_timing(Dataflow::weight_stationary, GemmShape{30, 40, 20}, arch.array("pe1d")), Error);
}
