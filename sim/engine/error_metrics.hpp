#pragma once
// How far computed values are from a reference: the figures einsim reports for
// --values runs (max abs error, relative RMS error, SQNR) and how many computed
// values are not finite.

#include <cstdint>
#include <span>

namespace einsim {

// Errors of x against ref. Non-finite entries of x (NaN, infinity) are counted in
// non_finite and left out of the other figures; non-finite entries of ref are refused.
struct ErrorMetrics {
  int64_t count = 0;         // entries compared (finite x)
  int64_t non_finite = 0;    // entries of x that are NaN or infinite
  double max_abs_error = 0;  // max |x - ref|
  double rel_rms_error = 0;  // ||x - ref||_2 / ||ref||_2 (0 if both are 0, +inf if only ref is 0)
  double sqnr_db =
      0;  // 10 log10(sum ref^2 / sum (x - ref)^2); +inf when exact, -inf if ref is 0 and x is not
};

// Throws Error if the spans differ in length or ref holds a non-finite value.
ErrorMetrics error_metrics(std::span<const double> x, std::span<const double> ref);

}  // namespace einsim
