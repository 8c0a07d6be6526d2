#pragma once
// Compute timing of a GEMM (or a convolution lowered to a GEMM) on an R x C
// systolic array, counted exactly as SCALE-Sim v2 counts it (its compute
// modules systolic_compute_{os,ws,is} and its memory system in the stall-free
// case). No SystemC: the cycle-level engine asks for the cycles of one fold
// and waits for them; the analytical model asks for the totals.
//
// SCALE-Sim's view of a GEMM  out[M][N] = in[M][K] x w[K][N]:
//   the ifmap operand matrix is M x K, the filter operand matrix is K x N and
//   the ofmap is M x N. Each dataflow keeps one operand in the PEs and maps
//   two of the three ranks onto the array (Sr onto rows, Sc onto columns);
//   the third rank T streams through in time:
//     output stationary (os): Sr = M, Sc = N, T = K
//     weight stationary (ws): Sr = K, Sc = N, T = M
//     input stationary  (is): Sr = K, Sc = M, T = N
//   The array runs ceil(Sr/R) x ceil(Sc/C) folds, column folds outermost
//   (fold i is row fold i % row_folds of column fold i / row_folds).
//
// Cycles of one fold (the rows of SCALE-Sim's demand matrices for the fold;
// they do not depend on how many rows and columns the fold really uses):
//   os: R + C + T - 2        (operands skewed in over T + R - 1 + C - 1 cycles;
//                             outputs drain while the next fold fills)
//   ws: 2R + C + T - 2       (R cycles to load the weights, T inputs skewed
//                             over R - 1 cycles, C - 1 cycles to drain)
//   is: 2R + C + T - 2       (as ws with the inputs held in place)
// SCALE-Sim prints as "Total Cycles" the 0-based index of the last cycle, the
// sum of the fold cycles minus one; both are given below.

#include <cstdint>
#include <optional>
#include <string_view>

#include "mappings/dataflow.hpp"

namespace einsim {

struct ComputeArray;


// A GEMM out[M][N] = in[M][K] x w[K][N].
struct GemmShape {
  int64_t m = 1;
  int64_t k = 1;
  int64_t n = 1;
};

// SCALE-Sim's spatial rows, spatial columns and temporal extent for a dataflow.
struct SystolicMapping {
  int64_t sr = 1;  // mapped onto the array rows
  int64_t sc = 1;  // mapped onto the array columns
  int64_t t = 1;   // streamed through in time
};

SystolicMapping map_gemm(Dataflow d, const GemmShape& g);

// A 2D convolution (one image, NHWC), as SCALE-Sim's topology files give it.
struct Conv2dShape {
  int64_t ifmap_h = 1;
  int64_t ifmap_w = 1;
  int64_t filter_h = 1;
  int64_t filter_w = 1;
  int64_t channels = 1;
  int64_t num_filters = 1;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
};

// im2col as SCALE-Sim does it: M = output pixels, K = filter_h x filter_w x
// channels (the convolution window), N = filters. The output size is
// ceil((ifmap - filter + stride) / stride) per dimension, SCALE-Sim's rule (a
// last window that hangs over the edge still counts). Throws Error for a
// filter larger than the input or a non-positive size.
GemmShape conv2d_as_gemm(const Conv2dShape& c);

// What one fold does.
struct SystolicFold {
  int64_t index = 0;
  int64_t row_fold = 0;            // which block of Sr
  int64_t col_fold = 0;            // which block of Sc
  int64_t rows_used = 0;           // min(R, Sr - row_fold * R)
  int64_t cols_used = 0;           // min(C, Sc - col_fold * C)
  int64_t cycles = 0;              // cycles the fold occupies the array (see above)
  int64_t ifmap_reads = 0;         // SRAM reads of the M x K operand (non-padded elements)
  int64_t filter_reads = 0;        // SRAM reads of the K x N operand
  int64_t ofmap_writes = 0;        // SRAM writes of outputs (partial sums included for ws and is)
  int64_t macs = 0;                // rows_used x cols_used x T
  double mapping_efficiency = 0;   // rows_used x cols_used / (R x C)
  double compute_utilization = 0;  // macs / (R x C x SCALE-Sim's utilization cycles of the fold)
};

// Totals of a GEMM on an R x C array.
struct SystolicTiming {
  Dataflow dataflow = Dataflow::output_stationary;
  int64_t rows = 1;  // R
  int64_t cols = 1;  // C
  GemmShape gemm;
  SystolicMapping mapping;
  int64_t row_folds = 1;  // ceil(Sr / R)
  int64_t col_folds = 1;  // ceil(Sc / C)
  int64_t folds = 1;      // row_folds x col_folds
  int64_t cycles_per_fold = 0;
  int64_t total_cycles = 0;           // folds x cycles_per_fold: what the array is busy for
  int64_t scalesim_total_cycles = 0;  // total_cycles - 1: SCALE-Sim's "Total Cycles"
  int64_t macs = 0;                   // M x K x N
  int64_t ifmap_reads = 0;
  int64_t filter_reads = 0;
  int64_t ofmap_writes = 0;
  // SCALE-Sim's "SRAM OFMAP Writes": for os its counter also adds R + C per
  // fold (the padded fold's height plus width); equal to ofmap_writes otherwise.
  int64_t scalesim_ofmap_writes = 0;
  double mapping_efficiency = 0;   // mean over folds, as a fraction (SCALE-Sim prints x100)
  double compute_utilization = 0;  // mean over folds, as a fraction
  double overall_utilization = 0;  // macs / (scalesim_total_cycles x R x C), SCALE-Sim's "Overall Util"
};

// Sizes allowed for each of M, K, N, R, C; larger ones are an Error.
inline constexpr int64_t kMaxSystolicExtent = int64_t{1} << 40;

// Closed-form totals; O(1) whatever the number of folds. Throws Error for a
// non-positive or too large size, or counts that do not fit in 63 bits.
SystolicTiming systolic_gemm_timing(Dataflow d, int64_t m, int64_t k, int64_t n, int64_t rows, int64_t cols);
SystolicTiming systolic_conv2d_timing(Dataflow d, const Conv2dShape& c, int64_t rows, int64_t cols);
// The same on a 2D array of an architecture (its rows and cols; SCALE-Sim's
// model has no PE pipeline, so pipeline_depth and initiation_interval are not
// used). Throws Error for a 1D array.
SystolicTiming systolic_gemm_timing(Dataflow d, const GemmShape& g, const ComputeArray& array);

// Fold `index` (0 <= index < t.folds) of a computed timing: the step the
// cycle-level engine waits for. Throws Error for an index out of range.
SystolicFold systolic_fold(const SystolicTiming& t, int64_t index);

}  // namespace einsim
