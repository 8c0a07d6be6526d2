#include "sim/analytical/occupancy_log.hpp"

#include <algorithm>
#include <iterator>

#include "sim/core/error.hpp"

namespace einsim {
namespace {

constexpr size_t kFewChanges = 64;  // changes read without merging their streams first

}  // namespace

OccupancyLog::OccupancyLog(size_t streams, size_t buffers)
    : streams_(streams + 1), current_(buffers, 0), peak_(buffers, 0) {}

void OccupancyLog::reset(size_t streams, size_t buffers) {
  streams_.resize(streams + 1);
  for (Stream& st : streams_) {
    st.ev.clear();
    st.head = 0;
    st.sorted = true;
  }
  merged_.clear();
  scratch_.clear();
  runs_.clear();
  next_runs_.clear();
  pending_count_ = 0;
  current_.assign(buffers, 0);
  peak_.assign(buffers, 0);
}

void OccupancyLog::sort_streams() {
  for (Stream& st : streams_) {
    if (st.sorted) continue;
    std::sort(st.ev.begin(), st.ev.end(), Earlier{});
    st.sorted = true;
  }
}

// Every change not yet applied, in time order, in merged_ (the streams emptied).
void OccupancyLog::merge_streams() {
  sort_streams();
  merged_.clear();
  runs_.clear();
  for (Stream& st : streams_) {
    if (st.ev.empty()) continue;
    runs_.push_back(merged_.size());
    merged_.insert(merged_.end(), st.ev.begin(), st.ev.end());
    st.ev.clear();
  }
  runs_.push_back(merged_.size());
  // Sorted runs, merged two by two.
  while (runs_.size() > 2) {
    scratch_.resize(merged_.size());
    size_t out = 0;
    next_runs_.assign(1, 0);
    for (size_t r = 0; r + 1 < runs_.size(); r += 2) {
      auto at = [this](size_t i) { return merged_.begin() + static_cast<std::ptrdiff_t>(i); };
      const auto to = scratch_.begin() + static_cast<std::ptrdiff_t>(out);
      if (r + 2 < runs_.size()) {
        std::merge(at(runs_[r]), at(runs_[r + 1]), at(runs_[r + 1]), at(runs_[r + 2]), to, Earlier{});
        out = runs_[r + 2];
      } else {
        std::copy(at(runs_[r]), at(runs_[r + 1]), to);
        out = runs_[r + 1];
      }
      next_runs_.push_back(out);
    }
    merged_.swap(scratch_);
    runs_.swap(next_runs_);
  }
}

void OccupancyLog::apply_settled(uint64_t bound, uint64_t checked_start) {
  // Nothing to apply when the earliest change is not settled yet: no merge then.
  sort_streams();
  const Occupancy* first = nullptr;
  for (const Stream& st : streams_)
    if (!st.ev.empty() && (!first || Earlier{}(st.ev.front(), *first))) first = &st.ev.front();
  if (first && !(first->time < bound && first->op_start <= checked_start)) return;
  merge_streams();
  size_t i = 0;
  while (i < merged_.size() && merged_[i].time < bound && merged_[i].op_start <= checked_start) {
    const Occupancy& e = merged_[i];
    ++i;
    apply(e, i == merged_.size() || merged_[i].time != e.time);
  }
  // The rest, sorted, goes to the last stream, which no unit records to.
  Stream& rest = streams_.back();
  rest.ev.assign(merged_.begin() + static_cast<std::ptrdiff_t>(i), merged_.end());
  rest.sorted = true;
  pending_count_ = rest.ev.size();
}

// One change; `instant_done`: the last of its instant, so the occupancy is checked.
void OccupancyLog::apply(const Occupancy& e, bool instant_done) {
  current_[e.buffer] += e.delta;
  if (current_[e.buffer] >= 0) peak_[e.buffer] = std::max<uint64_t>(peak_[e.buffer], static_cast<uint64_t>(current_[e.buffer]));
  if (!instant_done) return;
  for (const int64_t held : current_)
    if (held < 0) throw InternalError("analytical engine: a buffer released more than it held");
}

const std::vector<uint64_t>& OccupancyLog::finish(std::optional<uint64_t> stop) {
  // What is left, in time order, without the changes of operations that started after the stop.
  // Releases go first at an instant, so space taken and given back at one instant (an
  // operation of zero cycles and latency) may go below zero within it: the occupancy
  // is checked once the instant is complete, as in the Cycle engine.
  if (pending_count_ <= kFewChanges) {
    // Few: read from the streams' heads directly, without merging them first.
    sort_streams();
    auto counts = [stop](const Occupancy& o) { return !stop || o.op_start <= *stop; };
    auto earliest = [&]() -> Stream* {
      Stream* best = nullptr;
      for (Stream& st : streams_) {
        while (st.head < st.ev.size() && !counts(st.ev[st.head])) ++st.head;
        if (st.head < st.ev.size() && (!best || Earlier{}(st.ev[st.head], best->ev[best->head]))) best = &st;
      }
      return best;
    };
    for (Stream* st = earliest(); st;) {
      const Occupancy e = st->ev[st->head++];
      st = earliest();
      apply(e, !st || st->ev[st->head].time != e.time);
    }
    for (Stream& st : streams_) st.ev.clear(), st.head = 0;
    pending_count_ = 0;
    return peak_;
  }
  merge_streams();
  if (stop) {
    auto late = [s = *stop](const Occupancy& o) { return o.op_start > s; };
    merged_.erase(std::remove_if(merged_.begin(), merged_.end(), late), merged_.end());
  }
  for (size_t i = 0; i < merged_.size(); ++i)
    apply(merged_[i], i + 1 == merged_.size() || merged_[i + 1].time != merged_[i].time);
  merged_.clear();
  pending_count_ = 0;
  return peak_;
}

}  // namespace einsim
