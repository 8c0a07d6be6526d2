#pragma once
// The periodic steady-state rule both engines apply (docs/fidelities.md, "The steady-state
// rule"): after each completed step s, every operation of step s is compared with its
// instance `span` steps earlier; once max(lookback, span + 1) consecutive steps complete one
// common number of cycles later, every later step repeats them and the engine extrapolates.
//
// `span` is the body's period P, or a multiple of it up to kMaxMultiple x P for short
// periods: a body whose operations all run every step may still repeat only every second
// step (two buffer slots and a long latency make the pipeline alternate between two
// timings), and with P alone it would never be extrapolated. Multiples are tried only while
// P itself does not keep matching, and the smallest span that reaches its window wins.

#include <algorithm>
#include <array>
#include <cstdint>

namespace einsim {

// Whether every operation j < ops that `active(j)` says step s runs completes one `delta` of
// cycles after its instance `span` steps before (`completion(j, step)`, `unset` when not known);
// false when none runs. The comparison both engines feed to SteadyStateRule::check.
template <class Active, class Completion>
bool same_shift(size_t ops, uint64_t s, uint64_t span, uint64_t unset, Active&& active, Completion&& completion,
                uint64_t& delta) {
  bool have = false;
  for (size_t j = 0; j < ops; ++j) {
    if (!active(j)) continue;
    const uint64_t a = completion(j, s), b = completion(j, s - span);
    if (b == unset || a < b) return false;
    if (!have) {
      delta = a - b;
      have = true;
    } else if (a - b != delta) {
      return false;
    }
  }
  return have;
}

class SteadyStateRule {
 public:
  static constexpr uint64_t kMaxMultiple = 4;
  static constexpr uint64_t kMaxMultiplePeriod = 1024;  // longer periods are tried alone

  SteadyStateRule() = default;
  // `head_end`: with operations limited to the first steps, the last of those steps; the
  // comparisons start once they lie behind the window and its counterparts (and the lookback).
  SteadyStateRule(uint64_t period, uint64_t lookback, bool has_head = false, uint64_t head_end = 0)
      : period_(period),
        lookback_(lookback),
        multiples_(period <= kMaxMultiplePeriod ? kMaxMultiple : 1),
        has_head_(has_head),
        head_end_(head_end) {}

  // Steps of completions an engine keeps to compare and to extrapolate from.
  uint64_t keep() const { return std::max(lookback_, multiples_ * period_) + 1; }
  // Matching steps a span needs in a row.
  uint64_t window(uint64_t multiple) const { return std::max(lookback_, multiple * period_ + 1); }

  // Step s is complete. `compare(span, delta)` returns whether every operation of step s
  // completes one `delta` of cycles after its instance `span` steps before (false when none
  // ran). Returns the span of the steady state found, or 0 while there is none.
  template <class Compare>
  uint64_t check(uint64_t s, Compare&& compare) {
    for (uint64_t c = 1; c <= multiples_; ++c) {
      const uint64_t span = c * period_;
      if (s < span || (has_head_ && s < head_end_ + window(c) + span + lookback_)) break;
      // A multiple only while P does not keep matching (the usual case costs one comparison).
      if (c > 1 && run_[c] == 0 && run_[1] >= 2) continue;
      uint64_t delta = 0;
      const bool same = compare(span, delta);
      if (same && (run_[c] == 0 || delta == delta_[c])) {
        ++run_[c];
      } else {
        run_[c] = same ? 1 : 0;
      }
      delta_[c] = delta;
    }
    for (uint64_t c = 1; c <= multiples_; ++c) {
      if (run_[c] >= window(c)) {
        found_ = c;
        return c * period_;
      }
    }
    return 0;
  }

  // The cycles the steady state adds per span (once found).
  uint64_t delta() const { return delta_[found_]; }

 private:
  uint64_t period_ = 1, lookback_ = 1, multiples_ = 1, found_ = 1;
  bool has_head_ = false;
  uint64_t head_end_ = 0;
  std::array<uint64_t, kMaxMultiple + 1> run_{}, delta_{};
};

}  // namespace einsim
