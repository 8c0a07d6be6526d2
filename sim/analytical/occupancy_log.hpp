// Buffer occupancy of the Analytical engine, streamed: the changes its operations make (taken
// at a start, given back at a completion) are recorded per stream, applied in time order
// (releases first at an instant) in batches while the evaluation runs, and the rest at the
// end, so the peaks are those of sorting every change, as the Cycle engine does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace einsim {

// One occupancy change of a buffer, and the start of the operation that made it.
struct Occupancy {
  uint64_t op_start;
  uint64_t time;
  int64_t delta;
  uint32_t buffer;
};

class OccupancyLog {
 public:
  // Time order; at an instant, releases (negative changes) first.
  struct Earlier {
    bool operator()(const Occupancy& a, const Occupancy& b) const {
      return a.time != b.time ? a.time < b.time : a.delta < b.delta;
    }
  };

  // `streams` streams that changes are recorded to (the engine's: two per unit, the changes at
  // the starts and those at the completions of its operations), over `buffers` buffers.
  OccupancyLog(size_t streams, size_t buffers);
  // Empty again, for `streams` streams over `buffers` buffers, keeping the memory it has.
  void reset(size_t streams, size_t buffers);

  void reserve(uint32_t stream, size_t changes) { streams_[stream].ev.reserve(changes); }
  // Records a change; a stream is mostly recorded in time order already (a unit runs its
  // operations one after another), one that is not is sorted before it is merged.
  // (Inline: it is called for every change the engine records.)
  void push(uint32_t stream, const Occupancy& o);
  // The changes recorded and not applied yet.
  size_t pending() const { return pending_count_; }
  // Applies, in time order, the changes before `bound` whose operation started by
  // `checked_start`, and keeps the rest; nothing (no merge) when the earliest is not such.
  void apply_settled(uint64_t bound, uint64_t checked_start);
  // Applies what is left, without the changes of operations that started after `stop` (when
  // given), and returns each buffer's peak.
  const std::vector<uint64_t>& finish(std::optional<uint64_t> stop);

 private:
  struct Stream {
    std::vector<Occupancy> ev;
    size_t head = 0;  // in the last pass over few changes: ev[0, head) applied
    bool sorted = true;
  };

  void sort_streams();
  void merge_streams();
  void apply(const Occupancy& e, bool instant_done);

  std::vector<Stream> streams_;  // the last: a batch's rest, which nothing records to
  std::vector<Occupancy> merged_, scratch_;
  std::vector<size_t> runs_, next_runs_;  // where the sorted runs of merged_ start, and end
  size_t pending_count_ = 0;
  std::vector<int64_t> current_;
  std::vector<uint64_t> peak_;
};

inline void OccupancyLog::push(uint32_t stream, const Occupancy& o) {
  Stream& st = streams_[stream];
  st.ev.push_back(o);
  ++pending_count_;
  if (!st.sorted) return;
  // Out of order by a few places (changes of one instant): moved into place; further, sorted later.
  size_t i = st.ev.size() - 1;
  for (int moves = 0; i > 0 && Earlier{}(o, st.ev[i - 1]); ++moves, --i) {
    if (moves == 8) {
      st.sorted = false;
      break;
    }
    st.ev[i] = st.ev[i - 1];
  }
  st.ev[i] = o;
}

}  // namespace einsim
