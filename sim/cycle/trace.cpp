#include "sim/cycle/trace.hpp"

namespace einsim {

void BoundedOps::push(const TraceOp& op) {
  ++total_;
  if (head_.size() < limit_ / 2) {
    head_.push_back(op);
    return;
  }
  const uint64_t tail_limit = limit_ - limit_ / 2;
  if (tail_limit == 0) return;
  if (tail_.size() < tail_limit) {
    tail_.push_back(op);
    return;
  }
  tail_[next_] = op;
  next_ = (next_ + 1) % tail_.size();
}

std::vector<TraceOp> BoundedOps::ops() const {
  std::vector<TraceOp> out = head_;
  out.reserve(head_.size() + tail_.size());
  for (size_t i = 0; i < tail_.size(); ++i) out.push_back(tail_[(next_ + i) % tail_.size()]);
  return out;
}

void TraceRecorder::add_group(TraceGroup group, const BoundedOps& ops) {
  const uint32_t index = static_cast<uint32_t>(groups_.size());
  group.dropped = ops.dropped();
  total_ += ops.total();
  for (TraceOp op : ops.ops()) {
    op.group = index;
    ops_.push(op);
  }
  groups_.push_back(std::move(group));
}

}  // namespace einsim
