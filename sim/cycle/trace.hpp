#pragma once
// Tile operations as the Cycle fidelity ran them, for timelines (`einsim simulate
// --trace`). Bounded: past `limit` operations it keeps the first half of the limit
// (the first steps) and the most recent half (the steady state, as the engine stops
// simulating once it is periodic) and counts what it dropped. Plain structs, no SystemC.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/lower/tile_program.hpp"

namespace einsim {

struct TraceOp {
  uint32_t group = 0;  // index into TraceRecorder::groups()
  uint32_t unit = 0;   // index into the group's units
  uint32_t op = 0;     // index into the group's body
  uint64_t step = 0;
  uint64_t start = 0;  // cycle, from the start of the group
  uint64_t cycles = 0;
};

// First `limit / 2` operations pushed, and the last `limit - limit / 2`, in push order.
class BoundedOps {
 public:
  explicit BoundedOps(uint64_t limit = 0) : limit_(limit) {}
  void push(const TraceOp& op);
  std::vector<TraceOp> ops() const;
  uint64_t limit() const { return limit_; }
  uint64_t total() const { return total_; }
  uint64_t dropped() const { return total_ - head_.size() - tail_.size(); }

 private:
  uint64_t limit_;
  uint64_t total_ = 0;
  std::vector<TraceOp> head_, tail_;
  size_t next_ = 0;  // oldest entry of tail_ once it is full
};

struct TraceGroup {
  std::string name;
  uint64_t offset = 0;  // cycle at which the group starts (groups run one after another)
  uint64_t cycles = 0;
  uint64_t steps = 0;
  uint64_t simulated_steps = 0;  // the rest repeats the steady state (extrapolated)
  bool extrapolated = false;
  std::vector<std::string> units;      // per unit of its program
  std::vector<bool> unit_is_dram;
  std::vector<std::string> op_names;   // per operation of its body
  uint64_t dropped = 0;                // operations left out of the trace
};

class TraceRecorder {
 public:
  explicit TraceRecorder(uint64_t limit) : limit_(limit), ops_(limit) {}
  uint64_t limit() const { return limit_; }
  // A group's operations, as the engine ran them (see simulate_tile_program).
  void add_group(TraceGroup group, const BoundedOps& ops);
  const std::vector<TraceGroup>& groups() const { return groups_; }
  std::vector<TraceOp> ops() const { return ops_.ops(); }
  uint64_t total() const { return total_; }
  uint64_t dropped() const { return total_ - kept(); }
  uint64_t kept() const { return ops_.total() - ops_.dropped(); }

 private:
  uint64_t limit_;
  BoundedOps ops_;
  uint64_t total_ = 0;  // operations run, including those a group's own bound dropped
  std::vector<TraceGroup> groups_;
};

}  // namespace einsim
