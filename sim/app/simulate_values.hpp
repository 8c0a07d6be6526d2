#pragma once
// The parts of `einsim simulate` beyond the Cycle fidelity's timing: the
// Detailed fidelity (per-PE SystemC array) and --values (the outputs the PEs
// compute, against a float64 reference). Both run one GEMM: a mapping of one
// systolic group.

#include <cstdint>
#include <optional>
#include <string>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/cycle/simulate.hpp"
#include "sim/engine/error_metrics.hpp"
#include "sim/engine/systolic_timing.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::app {

// Seeded operands: uniform in [-1, 1) from mt19937_64 raw bits, then quantized
// into the PE's operand formats (integers with one absmax scale per tensor).
struct ValueOptions {
  uint64_t seed = 1;
};

// The GEMM of a one-systolic-group mapping; throws Error naming what is missing.
struct MappedGemm {
  const MappingGroup* group = nullptr;
  const ComputeArray* array = nullptr;
  GemmShape shape;
};
MappedGemm single_gemm(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                       const char* what);

// The Cycle fidelity's --values: the dataflow's accumulation order with the PE arithmetic.
ErrorMetrics cycle_values(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                          const ValueOptions& options);

// The Detailed fidelity: cycles, utilization and actions from the per-PE array; with values,
// the error too. Runs SystemC's elaboration: once per process.
SimulationReport simulate_detailed(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                   bool values, const std::string& vcd_file, const ValueOptions& options,
                                   std::optional<ErrorMetrics>& error);

}  // namespace einsim::app
