#include "sim/engine/error_metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "sim/core/error.hpp"

namespace einsim {

ErrorMetrics error_metrics(std::span<const double> x, std::span<const double> ref) {
  if (x.size() != ref.size()) {
    throw Error(fmt::format("error metrics: {} values against a reference of {}", x.size(), ref.size()));
  }
  ErrorMetrics e;
  // Sums of squares in long double so that tiny errors next to large values are not lost.
  long double signal = 0, noise = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(ref[i]))
      throw Error(fmt::format("error metrics: reference value {} is not finite", i));
    if (!std::isfinite(x[i])) {
      ++e.non_finite;
      continue;
    }
    ++e.count;
    const double d = x[i] - ref[i];
    e.max_abs_error = std::max(e.max_abs_error, std::fabs(d));
    signal += static_cast<long double>(ref[i]) * ref[i];
    noise += static_cast<long double>(d) * d;
  }
  const double inf = std::numeric_limits<double>::infinity();
  if (noise == 0) {
    e.rel_rms_error = 0;
    e.sqnr_db = inf;
  } else if (signal == 0) {
    e.rel_rms_error = inf;
    e.sqnr_db = -inf;
  } else {
    e.rel_rms_error = static_cast<double>(std::sqrt(noise / signal));
    e.sqnr_db = static_cast<double>(10.0L * std::log10(signal / noise));
  }
  return e;
}

}  // namespace einsim
