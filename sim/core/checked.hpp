#pragma once
// Checked integer arithmetic for counts, byte totals and cycle totals. An
// overflow is the user's input asking for more than 2^63 of something: it is
// an Error that says what was being computed, never a silent wrap-around.
//
//   int64_t bytes = checked_mul(elements, word_bytes, "bytes of tensor Q");

#include <cmath>
#include <cstdint>
#include <string>

#include "sim/core/error.hpp"

namespace einsim {

[[noreturn]] void throw_overflow(const std::string& what);

inline int64_t checked_add(int64_t a, int64_t b, const std::string& what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw_overflow(what);
  return r;
}

inline int64_t checked_mul(int64_t a, int64_t b, const std::string& what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw_overflow(what);
  return r;
}

inline uint64_t checked_add(uint64_t a, uint64_t b, const std::string& what) {
  uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw_overflow(what);
  return r;
}

inline uint64_t checked_mul(uint64_t a, uint64_t b, const std::string& what) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw_overflow(what);
  return r;
}

// A double (a count computed in floating point, e.g. bytes / bandwidth) as an
// int64_t; fails when it is not finite or does not fit.
int64_t checked_to_int64(double value, const std::string& what);

// Fails when `value` (an energy, a time) is infinite or NaN.
double checked_finite(double value, const std::string& what);

}  // namespace einsim
