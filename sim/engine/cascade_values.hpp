#pragma once
// The numbers a mapped Einsum cascade computes on its arrays, and their error
// against the float64 reference evaluator: --values for any mapping the Cycle
// fidelity simulates (attention cascades, quantized GEMMs, transformer layers).
// No SystemC; the reference evaluator (workloads/evaluator.hpp) walks the
// cascade and this file supplies the rounding of each Einsum's PE.
//
// What each Einsum computes, by the PE kind of the array it is placed on:
//   - a multiply-accumulate (`Z = A * B` summed) on a mac_* or lmul_* array:
//     the operands go into the PE's operand formats and every product is added
//     into the accumulator with the PE's own MAC (one rounding into the
//     accumulator format), reduced ranks in order, last rank fastest;
//   - a shift_add on a mixpe_* array: MixPE's shift-and-add steps over the
//     group (the reduced ranks of the Einsum), then its dequantization unit;
//   - everything else (max, exp, sub, div, sums that are not MACs, ...): each
//     operator rounded once into the PE's working format: a vector lane's
//     format, with exp on its dedicated unit (`exp_unit: dedicated`) or as the
//     Taylor series the timing model charges (arch/pe/vector_pe.hpp); a MAC
//     array's accumulator format, exp as a Taylor series; fp32 on MixPE's
//     dequantization unit and on MAC arrays with integer accumulators;
//   - results are stored in their tensor's format.
// Number formats: floating-point tensors round to nearest even. Integer tensors
// and integer PE operands use one absmax scale per tensor (value = integer x
// scale); a float tensor read by an integer PE gets its scale from its values
// when the Einsum starts (for a recurrence: at each step, as a dynamic
// quantizer would); integer intermediates are quantized once complete.
// Inputs are the reference evaluator's seeded random values, quantized into
// their tensors' formats, so the error includes the input formats' rounding.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arch/pe/pe_kind.hpp"
#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/engine/error_metrics.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

struct CascadeValueOptions {
  uint64_t seed = 1;
  int64_t max_elements = int64_t{1} << 22;  // the evaluator's limits (tensor elements, iteration points)
  int64_t max_points = int64_t{1} << 22;
  std::map<std::string, std::vector<double>> inputs;  // given input values (row-major); others are random
};

struct CascadeValueResult {
  ErrorMetrics total;                           // over every element of every output tensor
  std::map<std::string, ErrorMetrics> outputs;  // per output tensor
  std::vector<std::string> notes;               // working formats chosen, approximations
};

// The PE of the array an Einsum is placed on.
struct EinsumPe {
  PeKind kind;
  bool dedicated_exp = false;  // the array's exp_unit: dedicated (else exp is a Taylor series)
  bool output_in_pe = false;   // the result stays in the PEs (a systolic GEMM's epilogue takes it): not
                               // rounded to its tensor's format
};

// The PE of each Einsum (index = Einsum). Throws Error for an Einsum the mapping does not place.
std::vector<EinsumPe> einsum_pe_kinds(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping);

// Runs the cascade with the PEs' arithmetic and with float64, and compares the
// outputs. Throws Error when the shapes exceed the limits, or an Einsum's
// operands cannot go through its PE (e.g. an integer MAC fed an expression).
CascadeValueResult cascade_values(const EinsumCascade& cascade, const std::vector<EinsumPe>& einsum_pe,
                                  const CascadeValueOptions& options);

// Whether the evaluator accepts the cascade under the limits (tensor elements, iteration points).
bool fits_value_limits(const EinsumCascade& cascade, const CascadeValueOptions& options);

// The ranks whose size can be cut for --values without changing what any
// remaining output element depends on: base ranks that no Einsum reduces, that
// are not partitioned, not recurrent, and appear only as plain indices.
std::vector<int> value_sample_ranks(const EinsumCascade& cascade);

}  // namespace einsim
