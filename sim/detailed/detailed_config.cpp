// The Detailed fidelity's configuration and cost estimate: no SystemC (the einsim
// executable checks and estimates a run before it loads the SystemC engines).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/spec/arch_spec.hpp"
#include "sim/core/error.hpp"
#include "sim/detailed/detailed_systolic.hpp"

namespace einsim {

int64_t detailed_clock_period_ps(double clock_hz) {
  if (!std::isfinite(clock_hz) || clock_hz <= 0 || clock_hz > 500e9) {
    throw Error(fmt::format(
        "detailed fidelity: the clock must be a finite frequency in (0, 500 GHz] (a period of at least 2 ps), got "
        "{} Hz",
        clock_hz));
  }
  const double half_ps = std::round(0.5e12 / clock_hz);
  if (half_ps > 1e15) {
    throw Error(fmt::format("detailed fidelity: the clock of {} Hz is too slow to simulate (at least 1 mHz)", clock_hz));
  }
  return std::max<int64_t>(2, 2 * static_cast<int64_t>(half_ps));
}

DetailedEstimate detailed_estimate(const DetailedConfig& c) {
  const SystolicTiming t = systolic_gemm_timing(c.dataflow, c.gemm.m, c.gemm.k, c.gemm.n, c.rows, c.cols);
  const int64_t drain = c.dataflow == Dataflow::output_stationary ? 2 * (c.rows + c.cols) + 8 : 8;
  DetailedEstimate e;
  e.cycles = t.total_cycles + drain;
  if (__builtin_mul_overflow(c.rows * c.cols, e.cycles, &e.pe_cycles)) e.pe_cycles = INT64_MAX;
  const double pes = static_cast<double>(c.rows * c.cols);
  const double ns_per_pe_cycle = 36 * std::max(c.values ? 2.0 : 1.0, std::sqrt(pes) / 32);
  e.seconds = (static_cast<double>(e.pe_cycles) + 1024 * pes) * ns_per_pe_cycle * 1e-9;
  return e;
}

DetailedConfig detailed_config(const ComputeArray& array, Dataflow dataflow, const GemmShape& gemm) {
  if (array.dimensions != 2) {
    throw Error(
        fmt::format("array '{}' is 1D ({} lanes): the detailed fidelity simulates a 2D systolic array",
                    array.name, array.lanes()));
  }
  DetailedConfig c;
  c.dataflow = dataflow;
  c.rows = array.rows;
  c.cols = array.cols;
  c.gemm = gemm;
  c.pe_kind = array.pe.name;
  return c;
}

}  // namespace einsim
