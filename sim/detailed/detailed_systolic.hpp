#pragma once
// The Detailed fidelity: an R x C systolic array of per-PE SystemC modules wired
// with signals between neighbours, a clock, an SRAM-side feeder that injects the
// operand streams exactly as SCALE-Sim v2's demand matrices do, and a drain that
// collects the outputs. It is the golden reference for timing (its cycles equal
// systolic_gemm_timing) and for arithmetic (every PE runs the PE kind's
// arithmetic; the outputs equal gemm_values).
//
// Dataflows (GEMM out[M][N] = in[M][K] x w[K][N]; see systolic_timing.hpp):
//   os: PE(i, j) accumulates out[m][n] of row i, column j of the fold; in[m][k]
//       flows right along row i, w[k][n] flows down column j, both skewed so that
//       PE(i, j) does its k-th MAC in fold cycle k + i + j. A finished result
//       drains down its column through a small queue per PE, overlapping the next
//       fold (SCALE-Sim counts no drain time for os; the trailing drain of the
//       last fold is reported separately).
//   ws: weights w[k][n] shift down the columns in the first R cycles of a fold
//       (the top row last, as SCALE-Sim's flipped filter demand), in[m][k] flows
//       right along row k skewed by the row, partial sums flow down; column j
//       delivers out[m][n] in fold cycle 2R - 1 + m + j, the row of SCALE-Sim's
//       ofmap demand matrix, which the drain checks.
//   is: as ws with the inputs in[m][k] held in the PEs (column j = m) and the
//       weights w[k][n] streaming along the rows.
// Folds run column folds outermost, back to back. Operands are pre-staged on
// chip (SCALE-Sim's stall-free mode): no DRAM.
//
// SystemC allows one elaboration per process: run_detailed_systolic may be called
// once per process (a second call throws Error).

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arch/pe/action_counts.hpp"
#include "sim/engine/systolic_timing.hpp"

namespace einsim {

struct ComputeArray;

// The largest array side the Detailed fidelity accepts.
inline constexpr int64_t kMaxDetailedSide = 256;
// Runs estimated to take longer than this many seconds are refused unless the limit is
// raised (DetailedConfig::max_seconds, `einsim simulate --detailed-limit`).
inline constexpr double kDefaultDetailedLimitSeconds = 60;

// What to simulate.
// The simulated clock period in picoseconds for a clock in Hz: rounded to an even number
// of picoseconds (SystemC's time resolution) so both clock edges fall on whole picoseconds.
// Throws for a clock that is not finite, not positive or over 500 GHz.
int64_t detailed_clock_period_ps(double clock_hz);

struct DetailedConfig {
  Dataflow dataflow = Dataflow::weight_stationary;
  int64_t rows = 4;                  // R
  int64_t cols = 4;                  // C
  GemmShape gemm;                    // M, K, N
  std::string pe_kind = "mac_int8";  // a mac_* or lmul_* kind (parse_pe_kind)
  bool values = true;                // run the arithmetic; false: timing only (the PEs move valid flags)
  std::vector<double> in;            // M x K row-major, representable in the PE's input format (values only)
  std::vector<double> w;             // K x N row-major, representable in the PE's weight format (values only)
  std::string vcd_path;              // non-empty: write a VCD trace of the clock and the top-left PEs to exactly this file
  double clock_hz = 1e9;             // the architecture's clock: the simulated (and traced) clock period
  int64_t vcd_side = 4;              // trace the PEs of the top-left vcd_side x vcd_side corner
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT): the run stops between steps, throws Interrupted
  // Called between steps of the run (a fraction of a second apart) with the clock cycles
  // simulated and the cycles planned. May print; must not touch SystemC.
  std::function<void(int64_t done, int64_t total)> progress = {};
  // Refuse a run whose estimate (detailed_estimate) is over this many seconds; 0: no limit.
  double max_seconds = kDefaultDetailedLimitSeconds;
};

// What a run will cost, before it is elaborated. The seconds are a model fitted to wall
// times measured on a 2-core machine (BENCHMARKS.md, "Detailed fidelity: run time against
// array size"): elaborating and tearing down a PE costs about as much as simulating it
// for 1024 cycles, and a PE-cycle costs 36 ns on arrays up to 32x32 (72 ns with values)
// and grows with the side beyond (cache misses): 36 ns x side / 32.
struct DetailedEstimate {
  int64_t cycles = 0;     // clock cycles to simulate (the GEMM's cycles plus the drain)
  int64_t pe_cycles = 0;  // rows x cols x cycles (saturates at INT64_MAX)
  double seconds = 0;     // the estimated wall time on that machine
};
DetailedEstimate detailed_estimate(const DetailedConfig& config);

// One fold as the simulation measured it (cycles are absolute, 0-based).
struct DetailedFold {
  int64_t index = 0;
  int64_t row_fold = 0;
  int64_t col_fold = 0;
  int64_t start_cycle = 0;  // the fold's first demand row
  int64_t cycles = 0;       // until the next fold starts (the last fold: until its last demand row or MAC)
  int64_t macs = 0;         // MACs the PEs performed for this fold
  int64_t first_mac_cycle = -1;
  int64_t last_mac_cycle = -1;
  int64_t outputs = 0;  // values the drain collected for this fold (partial sums for ws and is)
};

// What the simulation measured.
struct DetailedResult {
  int64_t cycles = 0;  // sum of the fold cycles: equals systolic_gemm_timing(...).total_cycles
  int64_t last_output_cycle =
      0;             // the cycle the drain received the last output (os: after the trailing drain)
  int64_t macs = 0;  // MACs performed by all PEs (M x K x N)
  int64_t simulated_cycles = 0;  // clock cycles simulated (cycles plus the trailing drain)
  int64_t pe_cycles = 0;         // rows x cols x simulated_cycles
  double wall_seconds = 0;       // elaboration excluded
  std::vector<DetailedFold> folds;
  std::vector<double> out;  // M x N row-major (values only; empty otherwise)
  ActionCounts counts;      // actions of all PEs (values only)
  std::string vcd_file;     // the trace written, if any
};

// A configuration for a 2D array of an architecture (its rows, columns and PE kind), with
// values on and no operands yet. Throws Error for a 1D array.
DetailedConfig detailed_config(const ComputeArray& array, Dataflow dataflow, const GemmShape& gemm);

// Elaborates the array, runs it and returns the measurements. Throws Error for a bad
// configuration (sizes, kind, operand sizes, a run estimated over config.max_seconds, an
// unwritable VCD file) or a second call in the same process; InternalError if the
// array's behaviour departs from the demand matrices.
DetailedResult run_detailed_systolic(const DetailedConfig& config);

}  // namespace einsim
