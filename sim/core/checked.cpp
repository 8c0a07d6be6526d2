#include "sim/core/checked.hpp"

#include <fmt/format.h>

namespace einsim {

void throw_overflow(const std::string& what) {
  throw Error(fmt::format("{} exceeds 2^63 (the inputs that produce it are too large or too small)", what));
}

int64_t checked_to_int64(double value, const std::string& what) {
  if (!std::isfinite(value) || value >= 9.2e18 || value <= -9.2e18) {
    throw Error(fmt::format("{} is {} and does not fit in 64 bits (the inputs that produce it are out of range)",
                            what, value));
  }
  return static_cast<int64_t>(value);
}

double checked_finite(double value, const std::string& what) {
  if (!std::isfinite(value)) {
    throw Error(fmt::format("{} is not a finite number ({}): an input value is out of range", what, value));
  }
  return value;
}

}  // namespace einsim
