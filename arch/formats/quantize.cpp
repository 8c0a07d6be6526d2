#include "arch/formats/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/core/error.hpp"

namespace einsim {
namespace {

// The tensor seen as [outer, len, inner] around the chosen axis.
struct AxisView {
  size_t outer = 1;
  size_t len = 1;
  size_t inner = 1;
};

AxisView view_around(const std::vector<int64_t>& shape, int axis) {
  AxisView v;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const auto d = static_cast<size_t>(shape[i]);
    if (i < axis) v.outer *= d;
    else if (i == axis) v.len = d;
    else v.inner *= d;
  }
  return v;
}

bool is_unsigned_int(NumberFormat f) {
  const FormatInfo& info = format_info(f);
  return !info.is_float && !info.is_signed;
}

}  // namespace

size_t QuantizedTensor::scale_index(size_t flat) const {
  if (granularity == ScaleGranularity::per_tensor) return 0;
  const AxisView v = view_around(shape, axis);
  const size_t j = flat % v.inner;
  const size_t i = (flat / v.inner) % v.len;
  if (granularity == ScaleGranularity::per_channel) return i;
  const size_t o = flat / (v.inner * v.len);
  const size_t groups = (v.len + static_cast<size_t>(group_size) - 1) / static_cast<size_t>(group_size);
  return (o * groups + i / static_cast<size_t>(group_size)) * v.inner + j;
}

double QuantizedTensor::centered_value(size_t flat) const {
  double v = decode(format, codes[flat]);
  if (!zeros.empty()) v -= zeros[scale_index(flat)];
  return v;
}

std::vector<double> QuantizedTensor::dequantize() const {
  std::vector<double> out(codes.size());
  for (size_t k = 0; k < codes.size(); ++k) out[k] = centered_value(k) * scales[scale_index(k)];
  return out;
}

QuantizedTensor quantize_tensor(const std::vector<double>& values, const std::vector<int64_t>& shape,
                                const QuantSpec& spec, StochasticRounder* rounder) {
  if (spec.format == NumberFormat::fp64) throw Error("quantize_tensor: fp64 is not a quantization format");
  size_t count = 1;
  for (int64_t d : shape) {
    if (d <= 0) throw Error("quantize_tensor: every dimension must be positive");
    if (count > kMaxQuantizeElements / static_cast<size_t>(d))
      throw Error("quantize_tensor: more than 2^28 elements");
    count *= static_cast<size_t>(d);
  }
  if (count != values.size())
    throw Error("quantize_tensor: shape has " + std::to_string(count) + " elements but " +
                std::to_string(values.size()) + " values were given");
  for (double x : values)
    if (!std::isfinite(x)) throw Error("quantize_tensor: values must be finite");

  QuantizedTensor q;
  q.format = spec.format;
  q.shape = shape;
  q.granularity = spec.granularity;
  const int rank = static_cast<int>(shape.size());
  int axis = spec.axis < 0 ? rank + spec.axis : spec.axis;
  if (spec.granularity == ScaleGranularity::per_tensor) {
    axis = 0;
  } else if (axis < 0 || axis >= rank) {
    throw Error("quantize_tensor: axis " + std::to_string(spec.axis) + " is outside a rank-" +
                std::to_string(rank) + " tensor");
  }
  q.axis = axis;
  if (spec.granularity == ScaleGranularity::per_group) {
    if (spec.group_size <= 0) throw Error("quantize_tensor: per_group needs a positive group_size");
    q.group_size = spec.group_size;
  }

  // Number of scales: 1, len, or outer x groups x inner.
  const AxisView v = view_around(shape, axis);
  size_t nscales = 1;
  if (spec.granularity == ScaleGranularity::per_channel) nscales = v.len;
  if (spec.granularity == ScaleGranularity::per_group) {
    const size_t groups = (v.len + static_cast<size_t>(q.group_size) - 1) / static_cast<size_t>(q.group_size);
    nscales = v.outer * groups * v.inner;
  }
  std::vector<double> lo(nscales, 0.0), hi(nscales, 0.0);
  for (size_t k = 0; k < count; ++k) {
    const size_t s = q.scale_index(k);
    lo[s] = std::min(lo[s], values[k]);
    hi[s] = std::max(hi[s], values[k]);
  }

  const bool asymmetric = is_unsigned_int(spec.format);
  const double qmax = max_finite(spec.format);
  q.scales.assign(nscales, 1.0);
  if (asymmetric) q.zeros.assign(nscales, 0);
  for (size_t s = 0; s < nscales; ++s) {
    if (asymmetric) {
      const double range = hi[s] - lo[s];
      if (range > 0) q.scales[s] = range / qmax;
      q.zeros[s] = static_cast<int32_t>(std::clamp(std::nearbyint(-lo[s] / q.scales[s]), 0.0, qmax));
    } else {
      const double absmax = std::max(-lo[s], hi[s]);
      if (absmax > 0) q.scales[s] = absmax / qmax;
    }
  }
  q.codes.resize(count);
  for (size_t k = 0; k < count; ++k) {
    const size_t s = q.scale_index(k);
    double x = values[k] / q.scales[s];
    if (asymmetric) x += q.zeros[s];
    q.codes[k] = encode(spec.format, x, spec.rounding, Overflow::saturate, rounder);
  }
  return q;
}

}  // namespace einsim
