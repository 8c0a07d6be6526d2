#pragma once
// The parts of `einsim simulate` beyond the Cycle fidelity's timing: the
// Detailed fidelity (per-PE SystemC array) and --values (the outputs the PEs
// compute, against a float64 reference). Both run one GEMM: a mapping of one
// systolic group.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/cycle/simulate.hpp"
#include "sim/engine/cascade_values.hpp"
#include "sim/engine/error_metrics.hpp"
#include "sim/engine/systolic_timing.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::app {

// Seeded operands: uniform in [-1, 1) from mt19937_64 raw bits, then quantized
// into the PE's operand formats (integers with one absmax scale per tensor).
struct ValueOptions {
  uint64_t seed = 1;
  int64_t max_points = int64_t{1} << 22;  // iteration points of the reference evaluator (cascades)
  int64_t max_elements = int64_t{1} << 24;  // elements of each operand and result of one GEMM's values
};

// The GEMM of a one-systolic-group mapping; throws Error naming what is missing.
struct MappedGemm {
  const MappingGroup* group = nullptr;
  const ComputeArray* array = nullptr;
  GemmShape shape;
};
MappedGemm single_gemm(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping, const char* what);

// Throws Error, before anything is allocated, when an operand or the result of the GEMM
// has more than options.max_elements elements: names the tensor, its count and the limit.
void check_gemm_value_limits(const EinsumCascade& cascade, const MappedGemm& gemm, const ValueOptions& options);

// The Cycle fidelity's --values: the dataflow's accumulation order with the PE arithmetic.
ErrorMetrics cycle_values(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                          const ValueOptions& options);

// Whether --values of this mapping runs one GEMM in its dataflow's accumulation order
// (cycle_values), rather than the whole cascade (mapped_cascade_values).
bool is_single_gemm(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping);

// --values of any mapping: the cascade on its arrays' PE arithmetic against float64
// (sim/engine/cascade_values.hpp). A cascade too large for the evaluator is cut down
// to a sample: ranks that nothing reduces (batch, heads, queries, ...) shrink, in
// declaration order, to 1 or to the largest divisor of their size that fits;
// `reload` builds the workload again with extra --set assignments ("ranks.B=1").
struct MappedCascadeValues {
  CascadeValueResult result;
  std::string sample;  // "B 1 of 64, H 1 of 12, P 64 of 1024"; empty: the whole cascade
};
MappedCascadeValues mapped_cascade_values(
    const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping, const ValueOptions& options,
    const std::function<EinsumCascade(const std::vector<std::string>& extra_sets)>& reload);

// The Detailed fidelity: cycles, utilization and actions from the per-PE array; with values,
// the error too. Runs SystemC's elaboration: once per process.
struct DetailedRunOptions {
  bool values = false;
  std::string vcd_file;
  double max_seconds = 60;  // refuse runs estimated longer (0: no limit)
  std::function<void(int64_t done, int64_t total)> progress;  // simulated cycles of the planned
};
SimulationReport simulate_detailed(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                   const DetailedRunOptions& run, const ValueOptions& options,
                                   std::optional<ErrorMetrics>& error);

}  // namespace einsim::app
