#pragma once
// Timeloop problem files -> an einsim workload.
//
// Reads `problem: {shape: {name, dimensions, coefficients, data-spaces}, instance: {...}}`
// (Timeloop v0.4: each data space a projection, one term list per tensor rank, a term
// `[D]` or `[D, coefficient]`; the `read-write: true` data space is the output), and
// the legacy CNN-layer form `problem: {C: .., K: .., R: .., S: .., P: .., Q: .., N: ..,
// Wstride: .., Hstride: .., ...}`. Each dimension becomes a rank of its instance size,
// each coefficient a workload parameter, each input data space a tensor read at the
// projection's affine indices (`Wstride*p + Wdilation*r`), and the output an Einsum
// that sums the product of the inputs over the dimensions the output lacks.

#include <string>

#include "sim/core/yaml_source.hpp"
#include "sim/import/imported_files.hpp"

namespace einsim::import {

ImportResult import_timeloop(const YamlDocument& problem);

}  // namespace einsim::import
