#pragma once
// Per-action counters of a PE: a fixed array indexed by PeAction, so counting costs one
// increment and energy is counts x energy per action from a cost table.

#include <array>
#include <cstddef>
#include <cstdint>

#include "arch/pe/pe_kind.hpp"

namespace einsim {

inline constexpr size_t kPeActionCount = static_cast<size_t>(PeAction::exp) + 1;

// How many times a PE performed each action.
class ActionCounts {
 public:
  void add(PeAction a, uint64_t n = 1) { counts_[index(a)] += n; }
  uint64_t operator[](PeAction a) const { return counts_[index(a)]; }
  uint64_t total() const {
    uint64_t t = 0;
    for (uint64_t c : counts_) t += c;
    return t;
  }
  ActionCounts& operator+=(const ActionCounts& o) {
    for (size_t i = 0; i < kPeActionCount; ++i) counts_[i] += o.counts_[i];
    return *this;
  }
  void reset() { counts_.fill(0); }
  bool operator==(const ActionCounts&) const = default;

 private:
  static constexpr size_t index(PeAction a) { return static_cast<size_t>(a); }
  std::array<uint64_t, kPeActionCount> counts_{};
};

}  // namespace einsim
