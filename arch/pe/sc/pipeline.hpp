#pragma once
// The timing of a pipelined PE, independent of SystemC: an operand set accepted at clock
// edge e (presented during cycle e - 1) is visible at the output during cycle e - 1 + latency;
// after an acceptance the next one is possible initiation_interval edges later.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "sim/core/error.hpp"

namespace einsim {

// Latency and initiation-interval bookkeeping of one PE pipeline (at most
// ceil(latency / ii) results in flight).
template <class Result>
class PipelineTiming {
 public:
  PipelineTiming(int latency, int initiation_interval) : latency_(latency), ii_(initiation_interval) {
    if (latency < 1 || latency > 1024) throw Error("PE pipeline: latency must be in 1..1024 cycles");
    if (initiation_interval < 1 || initiation_interval > 1024)
      throw Error("PE pipeline: initiation interval must be in 1..1024 cycles");
  }

  // Whether an operand set sampled at `edge` is accepted.
  bool can_accept(uint64_t edge) const { return edge >= next_accept_; }
  // Marks an acceptance at `edge` of an operation that takes `cycles` issue slots (a multi-cycle
  // operator such as a Taylor exp): the next one is possible at edge + cycles x ii.
  void accept(uint64_t edge, int cycles = 1) {
    occupancy_ = static_cast<uint64_t>(cycles < 1 ? 1 : cycles);
    next_accept_ = edge + occupancy_ * static_cast<uint64_t>(ii_);
  }
  // A result of the operands accepted at `edge`, due at the output from edge + latency - 1 on (and
  // (cycles - 1) x ii later for an operation of several cycles).
  void schedule(uint64_t edge, Result r) {
    const uint64_t extra = (occupancy_ - 1) * static_cast<uint64_t>(ii_);
    in_flight_.push_back({edge + static_cast<uint64_t>(latency_) - 1 + extra, r});
  }
  // The result due at `edge`, if any.
  std::optional<Result> pop_due(uint64_t edge) {
    if (in_flight_.empty() || in_flight_.front().due != edge) return std::nullopt;
    Result r = in_flight_.front().value;
    in_flight_.pop_front();
    return r;
  }

  int latency() const { return latency_; }
  int initiation_interval() const { return ii_; }

 private:
  struct Slot {
    uint64_t due;
    Result value;
  };
  int latency_;
  int ii_;
  uint64_t next_accept_ = 0;
  uint64_t occupancy_ = 1;  // issue slots of the last accepted operation
  std::deque<Slot> in_flight_;
};

}  // namespace einsim
