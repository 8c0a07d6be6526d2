#pragma once
// Quantization of whole tensors into a narrow format with absmax scales: one scale per
// tensor, per channel (index along one axis) or per group (G consecutive elements along
// one axis); unsigned integer formats get a zero point per scale (asymmetric, min/max).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "arch/formats/codec.hpp"

namespace einsim {

enum class ScaleGranularity { per_tensor, per_channel, per_group };

// How to quantize a tensor.
struct QuantSpec {
  NumberFormat format = NumberFormat::int8;
  ScaleGranularity granularity = ScaleGranularity::per_tensor;
  int axis = -1;             // per_channel: the channel axis; per_group: the axis groups run along; -1 = last
  int64_t group_size = 0;    // per_group only: G (the last group along the axis may be shorter)
  Rounding rounding = Rounding::nearest_even;
};

// Codes, scales and zero points of a quantized tensor; value = (code - zero) x scale.
struct QuantizedTensor {
  NumberFormat format = NumberFormat::int8;
  std::vector<int64_t> shape;
  ScaleGranularity granularity = ScaleGranularity::per_tensor;
  int axis = 0;              // normalized (non-negative) axis
  int64_t group_size = 0;
  std::vector<uint32_t> codes;  // row-major, one per element
  std::vector<double> scales;   // one per tensor / channel / group
  std::vector<int32_t> zeros;   // one per scale for unsigned integer formats, else empty

  // Which scale (and zero point) element `flat` (row-major index) uses.
  size_t scale_index(size_t flat) const;
  // The integer (or float) value a code stands for before scaling, minus the zero point.
  double centered_value(size_t flat) const;
  // (code - zero) x scale for every element, row-major.
  std::vector<double> dequantize() const;
};

// Tensors larger than this are refused (einsim::Error): 2^28 elements.
inline constexpr size_t kMaxQuantizeElements = size_t{1} << 28;

// Quantizes `values` (row-major, `shape`) per `spec`. Scales: signed integers absmax / qmax;
// floats absmax / max_finite(format); unsigned integers (max(x, 0) - min(x, 0)) / qmax with
// zero = round(-min / scale). A group of zeros gets scale 1. Throws einsim::Error on a shape
// that does not match, a bad axis or group size, non-finite values, or too many elements.
QuantizedTensor quantize_tensor(const std::vector<double>& values, const std::vector<int64_t>& shape,
                                const QuantSpec& spec, StochasticRounder* rounder = nullptr);

}  // namespace einsim
