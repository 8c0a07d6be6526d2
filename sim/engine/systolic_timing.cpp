#include "sim/engine/systolic_timing.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "arch/spec/arch_spec.hpp"
#include "sim/core/error.hpp"

namespace einsim {
namespace {

int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) {
    throw Error(fmt::format("systolic timing: the {} count does not fit in 64 bits", what));
  }
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) {
    throw Error(fmt::format("systolic timing: the {} count does not fit in 64 bits", what));
  }
  return r;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void check_extent(int64_t v, const char* name) {
  if (v <= 0) throw Error(fmt::format("systolic timing: {} must be positive, got {}", name, v));
  if (v > kMaxSystolicExtent) {
    throw Error(fmt::format("systolic timing: {} = {} exceeds the limit of {}", name, v, kMaxSystolicExtent));
  }
}

// Cycles of one fold: the rows of SCALE-Sim's demand matrices for the fold.
int64_t fold_cycles(Dataflow d, int64_t r, int64_t c, int64_t t) {
  switch (d) {
    case Dataflow::output_stationary:
      return r + c + t - 2;
    case Dataflow::weight_stationary:
    case Dataflow::input_stationary:
      return 2 * r + c + t - 2;
  }
  throw InternalError("unknown dataflow");
}

// The cycle count SCALE-Sim divides by for a fold's compute utilization:
// its demand-matrix rows plus the matrix width minus one, measured on the
// operand it computes utilization from (the ofmap for os, before its skew;
// the unskewed filter for ws; the unskewed ifmap for is).
int64_t utilization_cycles(Dataflow d, int64_t r, int64_t c, int64_t t) {
  switch (d) {
    case Dataflow::output_stationary:
      return r + c + t - 2;
    case Dataflow::weight_stationary:
    case Dataflow::input_stationary:
      return 2 * r + 2 * c + t - 3;
  }
  throw InternalError("unknown dataflow");
}

}  // namespace

SystolicMapping map_gemm(Dataflow d, const GemmShape& g) {
  switch (d) {
    case Dataflow::output_stationary:
      return {g.m, g.n, g.k};
    case Dataflow::weight_stationary:
      return {g.k, g.n, g.m};
    case Dataflow::input_stationary:
      return {g.k, g.m, g.n};
  }
  throw InternalError("unknown dataflow");
}

GemmShape conv2d_as_gemm(const Conv2dShape& c) {
  check_extent(c.ifmap_h, "ifmap height");
  check_extent(c.ifmap_w, "ifmap width");
  check_extent(c.filter_h, "filter height");
  check_extent(c.filter_w, "filter width");
  check_extent(c.channels, "channels");
  check_extent(c.num_filters, "filters");
  check_extent(c.stride_h, "vertical stride");
  check_extent(c.stride_w, "horizontal stride");
  if (c.filter_h > c.ifmap_h || c.filter_w > c.ifmap_w) {
    throw Error(fmt::format("conv2d: the {}x{} filter is larger than the {}x{} input", c.filter_h, c.filter_w,
                            c.ifmap_h, c.ifmap_w));
  }
  const int64_t out_h = ceil_div(c.ifmap_h - c.filter_h + c.stride_h, c.stride_h);
  const int64_t out_w = ceil_div(c.ifmap_w - c.filter_w + c.stride_w, c.stride_w);
  GemmShape g;
  g.m = checked_mul(out_h, out_w, "output pixel");
  g.k = checked_mul(checked_mul(c.filter_h, c.filter_w, "window"), c.channels, "window");
  g.n = c.num_filters;
  return g;
}

SystolicTiming systolic_gemm_timing(Dataflow d, int64_t m, int64_t k, int64_t n, int64_t rows, int64_t cols) {
  check_extent(m, "M");
  check_extent(k, "K");
  check_extent(n, "N");
  check_extent(rows, "array rows");
  check_extent(cols, "array columns");

  SystolicTiming t;
  t.dataflow = d;
  t.rows = rows;
  t.cols = cols;
  t.gemm = {m, k, n};
  t.mapping = map_gemm(d, t.gemm);
  const int64_t sr = t.mapping.sr, sc = t.mapping.sc, tt = t.mapping.t;

  t.row_folds = ceil_div(sr, rows);
  t.col_folds = ceil_div(sc, cols);
  t.folds = checked_mul(t.row_folds, t.col_folds, "fold");
  t.cycles_per_fold = fold_cycles(d, rows, cols, tt);
  t.total_cycles = checked_mul(t.folds, t.cycles_per_fold, "cycle");
  t.scalesim_total_cycles = t.total_cycles - 1;
  t.macs = checked_mul(checked_mul(m, k, "MAC"), n, "MAC");

  // Sums over all folds: the rows used add up to Sr once per column fold, the
  // columns used to Sc once per row fold, and rows x cols used to Sr x Sc.
  const int64_t rows_used_sum = checked_mul(sr, t.col_folds, "read");
  const int64_t cols_used_sum = checked_mul(sc, t.row_folds, "read");
  const int64_t used_pes_sum = checked_mul(sr, sc, "read");
  switch (d) {
    case Dataflow::output_stationary:
      t.ifmap_reads = checked_mul(tt, rows_used_sum, "ifmap read");
      t.filter_reads = checked_mul(tt, cols_used_sum, "filter read");
      t.ofmap_writes = used_pes_sum;
      t.scalesim_ofmap_writes =
          checked_add(t.ofmap_writes, checked_mul(t.folds, rows + cols, "ofmap write"), "ofmap write");
      break;
    case Dataflow::weight_stationary:
      t.ifmap_reads = checked_mul(tt, rows_used_sum, "ifmap read");
      t.filter_reads = used_pes_sum;
      t.ofmap_writes = checked_mul(tt, cols_used_sum, "ofmap write");
      t.scalesim_ofmap_writes = t.ofmap_writes;
      break;
    case Dataflow::input_stationary:
      t.ifmap_reads = used_pes_sum;
      t.filter_reads = checked_mul(tt, rows_used_sum, "filter read");
      t.ofmap_writes = checked_mul(tt, cols_used_sum, "ofmap write");
      t.scalesim_ofmap_writes = t.ofmap_writes;
      break;
  }

  const double pes = static_cast<double>(rows) * static_cast<double>(cols);
  const double folds = static_cast<double>(t.folds);
  t.mapping_efficiency = static_cast<double>(used_pes_sum) / (pes * folds);
  t.compute_utilization = static_cast<double>(used_pes_sum) * static_cast<double>(tt) /
                          (pes * static_cast<double>(utilization_cycles(d, rows, cols, tt)) * folds);
  // One fold on a 1x1 array with T = 1 lasts one cycle, and SCALE-Sim's count is then 0.
  t.overall_utilization =
      t.scalesim_total_cycles > 0
          ? static_cast<double>(t.macs) / (static_cast<double>(t.scalesim_total_cycles) * pes)
          : 0.0;
  return t;
}

SystolicTiming systolic_conv2d_timing(Dataflow d, const Conv2dShape& c, int64_t rows, int64_t cols) {
  GemmShape g = conv2d_as_gemm(c);
  return systolic_gemm_timing(d, g.m, g.k, g.n, rows, cols);
}

SystolicTiming systolic_gemm_timing(Dataflow d, const GemmShape& g, const ComputeArray& array) {
  if (array.dimensions != 2) {
    throw Error(fmt::format("array '{}' is 1D ({} lanes): a systolic {} GEMM needs a 2D array", array.name,
                            array.lanes(), dataflow_name(d)));
  }
  return systolic_gemm_timing(d, g.m, g.k, g.n, array.rows, array.cols);
}

SystolicFold systolic_fold(const SystolicTiming& t, int64_t index) {
  if (index < 0 || index >= t.folds) {
    throw Error(fmt::format("systolic timing: fold {} out of range (the GEMM has {} folds)", index, t.folds));
  }
  const int64_t sr = t.mapping.sr, sc = t.mapping.sc, tt = t.mapping.t;
  SystolicFold f;
  f.index = index;
  f.col_fold = index / t.row_folds;
  f.row_fold = index % t.row_folds;
  f.rows_used = std::min(t.rows, sr - f.row_fold * t.rows);
  f.cols_used = std::min(t.cols, sc - f.col_fold * t.cols);
  f.cycles = t.cycles_per_fold;
  const int64_t used = f.rows_used * f.cols_used;
  switch (t.dataflow) {
    case Dataflow::output_stationary:
      f.ifmap_reads = tt * f.rows_used;
      f.filter_reads = tt * f.cols_used;
      f.ofmap_writes = used;
      break;
    case Dataflow::weight_stationary:
      f.ifmap_reads = tt * f.rows_used;
      f.filter_reads = used;
      f.ofmap_writes = tt * f.cols_used;
      break;
    case Dataflow::input_stationary:
      f.ifmap_reads = used;
      f.filter_reads = tt * f.rows_used;
      f.ofmap_writes = tt * f.cols_used;
      break;
  }
  f.macs = used * tt;
  const double pes = static_cast<double>(t.rows) * static_cast<double>(t.cols);
  f.mapping_efficiency = static_cast<double>(used) / pes;
  f.compute_utilization = static_cast<double>(f.macs) /
                          (pes * static_cast<double>(utilization_cycles(t.dataflow, t.rows, t.cols, tt)));
  return f;
}

}  // namespace einsim
