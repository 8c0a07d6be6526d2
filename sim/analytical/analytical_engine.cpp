#include "sim/analytical/analytical_engine.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "sim/core/checked.hpp"
#include "sim/core/error.hpp"

namespace einsim {
namespace {

constexpr uint64_t kUnset = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMaxPeriod = 1u << 20;  // longer periods are evaluated in full (as in the Cycle engine)
constexpr uint64_t kHorizon = 16;          // steps a unit off any channel may run ahead of the checks

uint64_t lcm_capped(uint64_t a, uint64_t b) {
  const uint64_t g = std::gcd(a, b);
  const uint64_t r = a / g;
  if (r > kMaxPeriod / b) return kMaxPeriod + 1;
  return r * b;
}

// The step of the most recent instance of `op` at a step <= s, if any.
bool latest_instance(const TileOp& op, int64_t s, uint64_t& out) {
  if (s < static_cast<int64_t>(op.phase)) return false;
  const uint64_t t = std::min<uint64_t>(static_cast<uint64_t>(s), op.last_step);
  if (t < op.phase) return false;
  out = t - ((t - op.phase) % op.every);
  return true;
}

// First step >= s on which `op` runs within the program, or kUnset.
uint64_t next_instance(const TileOp& op, uint64_t s, uint64_t steps) {
  const uint64_t end = std::min(steps - 1, op.last_step);
  uint64_t t = s <= op.phase ? op.phase : op.phase + (s - op.phase + op.every - 1) / op.every * op.every;
  return t <= end ? t : kUnset;
}

// One occupancy change of a buffer, and the start of the operation that made it.
struct Occupancy {
  uint64_t op_start;
  uint64_t time;
  int64_t delta;
  uint32_t buffer;
};

class Evaluation {
 public:
  // `counted`: the program the statistics count when `p` is it with whole periods of its steady
  // state cut out; its periodic operations then end `shift_cycles` later than they do in `p`.
  Evaluation(const TileProgram& p, bool extrapolate, const TileProgram* counted = nullptr, uint64_t shift_cycles = 0)
      : prog_(p), counted_(counted ? *counted : p), shift_cycles_(shift_cycles), n_(p.body.size()) {
    period_ = 1;
    for (const auto& op : p.body) period_ = lcm_capped(period_, op.every);
    uint64_t lookback = 1;
    for (const auto& op : p.body) {
      lookback = std::max<uint64_t>(lookback, op.every);
      for (const auto& d : op.deps) lookback = std::max<uint64_t>(lookback, d.distance + p.body[d.op].every);
    }
    lookback_ = lookback;
    can_extrapolate_ = extrapolate && period_ <= kMaxPeriod;
    window_ = can_extrapolate_ ? period_ + lookback + 1 : 0;
    keep_ = std::max(lookback, period_ <= kMaxPeriod ? period_ : 1) + 1;
    active_count_.resize(period_ <= kMaxPeriod ? period_ : 0);
    head_comp_.resize(n_);
    for (uint32_t j = 0; j < n_; ++j) {
      const TileOp& op = p.body[j];
      if (op.last_step == UINT64_MAX) continue;
      max_last_step_ = std::max(max_last_step_, op.last_step);
      has_head_ = true;
      head_comp_[j].assign(std::min(op.last_step, p.steps - 1) + 1, kUnset);
    }
    for (uint64_t s = 0; s < active_count_.size(); ++s)
      for (const auto& op : p.body) active_count_[s] += s % op.every == op.phase && op.last_step == UINT64_MAX;
    const size_t units = p.units.size();
    unit_ops_.resize(units);
    for (uint32_t j = 0; j < n_; ++j) unit_ops_[p.body[j].unit].push_back(j);
    first_start_.assign(units, kUnset);
    free_.assign(units, 0);
    ustep_.assign(units, 0);
    uk_.assign(units, 0);
    for (uint32_t u = 0; u < units; ++u) ustep_[u] = next_active_step(u, 0);
    has_req_.assign(units, false);
    req_time_.assign(units, 0);
    last_comp_.assign(n_, 0);
    unit_channel_.assign(units, -1);
    std::vector<uint32_t> ids;
    for (uint32_t u = 0; u < units; ++u) {
      const uint32_t c = p.units[u].channel;
      if (c == kNoChannel) continue;
      auto it = std::find(ids.begin(), ids.end(), c);
      unit_channel_[u] = static_cast<int>(it - ids.begin());
      if (it == ids.end()) ids.push_back(c);
    }
    channels_.resize(ids.size());
    current_.assign(p.buffers.size(), 0);
    peak_.assign(p.buffers.size(), 0);
    cap_ = keep_ + kHorizon + 2;
    comp_.assign(cap_ * n_, kUnset);
    recorded_.assign(cap_, 0);
    step_start_.assign(cap_, 0);
  }

  TimingResult run() {
    for (;;) {
      progress();
      // Before a grant at time g, every operation that may start by g runs (a unit held
      // back by the step horizon too): only then are all requests older than g known.
      horizon_time_ = next_grant_time();
      const bool more = progress();
      horizon_time_ = 0;
      if (more) continue;
      if (!grant()) break;
    }
    if (!detected_) {
      for (uint32_t u = 0; u < prog_.units.size(); ++u)
        if (ustep_[u] != kUnset) throw InternalError("analytical engine: units blocked (dependency deadlock)");
    }
    return collect();
  }

  uint64_t lookback() const { return lookback_; }

 private:
  // Runs every unit as far as it can without a channel grant; whether anything ran.
  bool progress() {
    bool any = false, moved = true;
    while (moved) {
      moved = false;
      for (uint32_t u = 0; u < prog_.units.size(); ++u) moved |= advance(u);
      if (detected_ && !drain_) {
        // Stopped: as the Cycle engine, count the buffer occupancy of what started by now.
        drain_ = true;
        moved = true;
      }
      any |= moved;
    }
    return any;
  }

  // When the next grant would be made: the earliest free channel's oldest request; kUnset if none.
  uint64_t next_grant_time(int* channel = nullptr) const {
    uint64_t best = kUnset;
    for (size_t c = 0; c < channels_.size(); ++c) {
      uint64_t oldest = kUnset;
      for (uint32_t u = 0; u < prog_.units.size(); ++u)
        if (has_req_[u] && unit_channel_[u] == static_cast<int>(c)) oldest = std::min(oldest, req_time_[u]);
      if (oldest == kUnset) continue;
      const uint64_t g = std::max(channels_[c].free_at, oldest);
      if (g < best) {
        best = g;
        if (channel) *channel = static_cast<int>(c);
      }
    }
    return best;
  }

  struct Channel {
    uint64_t free_at = 0;
    uint32_t last_unit = kNoChannel;
  };

  uint64_t next_active_step(uint32_t u, uint64_t s) const {
    uint64_t next = kUnset;
    if (s >= prog_.steps) return next;
    for (uint32_t j : unit_ops_[u]) next = std::min(next, next_instance(prog_.body[j], s, prog_.steps));
    return next;
  }

  void next_op(uint32_t u) {
    if (++uk_[u] < unit_ops_[u].size()) return;
    uk_[u] = 0;
    ustep_[u] = next_active_step(u, ustep_[u] + 1);
  }

  size_t slot(uint64_t s) const { return static_cast<size_t>(s % cap_); }

  uint64_t completion(uint32_t j, uint64_t s) const {
    if (prog_.body[j].last_step != UINT64_MAX) return head_comp_[j][s];
    if (s < first_step_) throw InternalError("analytical engine: a step was read after it was dropped");
    if (s >= first_step_ + cap_) return kUnset;
    return comp_[slot(s) * n_ + j];
  }

  // Records step s beyond the ring: doubles it, keeping the steps it holds.
  void grow(uint64_t s) {
    uint64_t cap = cap_;
    while (s >= first_step_ + cap) cap *= 2;
    std::vector<uint64_t> comp(cap * n_, kUnset), start(cap, 0), rec(cap, 0);
    for (uint64_t t = first_step_; t < first_step_ + cap_; ++t) {
      std::copy_n(&comp_[slot(t) * n_], n_, &comp[(t % cap) * n_]);
      start[t % cap] = step_start_[slot(t)];
      rec[t % cap] = recorded_[slot(t)];
    }
    comp_.swap(comp);
    step_start_.swap(start);
    recorded_.swap(rec);
    cap_ = cap;
  }

  // Runs unit u's operations in order as far as their inputs are known; a channel
  // operation becomes a request. Returns whether anything happened.
  bool advance(uint32_t u) {
    bool moved = false;
    const bool on_channel = unit_channel_[u] >= 0;
    while (ustep_[u] != kUnset && !has_req_[u]) {
      const uint64_t s = ustep_[u];
      const uint32_t j = unit_ops_[u][uk_[u]];
      const TileOp& op = prog_.body[j];
      if (!TileProgram::runs_on(op, s)) {
        next_op(u);
        continue;
      }
      uint64_t ready = 0;
      for (const TileDep& d : op.deps) {
        uint64_t ds;
        if (!latest_instance(prog_.body[d.op], static_cast<int64_t>(s) - d.distance, ds)) continue;
        const uint64_t c = completion(d.op, ds);
        if (c == kUnset) return moved;
        ready = std::max(ready, c);
      }
      const uint64_t t = std::max(free_[u], ready);
      if (drain_ && t > stop_time_) return moved;
      // A unit off any channel runs at most a few steps ahead of the checks (memory), unless
      // the operation starts before the next grant.
      if (!drain_ && !on_channel && s > checked_ + kHorizon + keep_ && t > horizon_time_) return moved;
      if (on_channel && op.cycles > 0) {
        has_req_[u] = true;
        req_time_[u] = t;
        return true;
      }
      record(u, j, s, t);
      moved = true;
      if (detected_ && !drain_) return moved;
    }
    return moved;
  }

  // Grants the earliest free channel to its oldest request (ties: the unit that did
  // not use it last). Every request that could be older is known by then: a unit
  // without a request waits for a grant not yet made, which ends later.
  bool grant() {
    int best_c = -1;
    const uint64_t best_g = next_grant_time(&best_c);
    if (best_c < 0 || (drain_ && best_g > stop_time_)) return false;
    Channel& ch = channels_[static_cast<size_t>(best_c)];
    uint32_t pick = kNoChannel;
    for (uint32_t u = 0; u < prog_.units.size(); ++u) {
      if (!has_req_[u] || unit_channel_[u] != best_c) continue;
      if (pick == kNoChannel || req_time_[u] < req_time_[pick] ||
          (req_time_[u] == req_time_[pick] && pick == ch.last_unit))
        pick = u;
    }
    const uint32_t j = unit_ops_[pick][uk_[pick]];
    has_req_[pick] = false;
    ch.free_at = best_g + prog_.body[j].cycles;
    ch.last_unit = pick;
    record(pick, j, ustep_[pick], best_g);
    return true;
  }

  void record(uint32_t u, uint32_t j, uint64_t s, uint64_t start) {
    const TileOp& op = prog_.body[j];
    uint64_t c = 0;
    if (__builtin_add_overflow(start, op.cycles, &c) || __builtin_add_overflow(c, op.latency, &c) ||
        c > kMaxTotalCycles) {
      throw Error(cycles_overflow_message(prog_, j));
    }
    if (first_start_[u] == kUnset && op.cycles > 0) first_start_[u] = start;  // bookkeeping ops aside
    for (const auto& a : op.allocs) push_occupancy({start, start, static_cast<int64_t>(a.bytes), a.buffer});
    for (const auto& r : op.releases) push_occupancy({start, c, -static_cast<int64_t>(r.bytes), r.buffer});
    if (s >= first_step_ + cap_) grow(s);
    comp_[slot(s) * n_ + j] = c;
    ++recorded_[slot(s)];
    step_start_[slot(s)] = std::max(step_start_[slot(s)], start);
    if (op.last_step != UINT64_MAX) head_comp_[j][s] = c;
    last_comp_[j] = c;
    free_[u] = start + op.cycles;
    next_op(u);
    if (!detected_) advance_checks();
    if (!detected_ && pending_.size() >= 1024) apply_settled();  // in batches: cheap for short runs
  }

  // Buffer occupancy, streamed: changes are applied in time order (releases first at an
  // instant) once no later operation can add an earlier one and once they are sure to count
  // (their operation started by the latest start of a checked step: the stop time, if the
  // steady state is found, is at least that). What is left is applied at the end, filtered
  // by the stop time, so the peaks are those of sorting every change, as the Cycle engine does.
  struct Later {
    bool operator()(const Occupancy& a, const Occupancy& b) const {
      return a.time != b.time ? a.time > b.time : a.delta > b.delta;
    }
  };

  void push_occupancy(const Occupancy& o) { pending_.push_back(o), std::push_heap(pending_.begin(), pending_.end(), Later{}); }

  void apply_settled() {
    uint64_t bound = kUnset;  // no operation recorded from now on starts before this
    for (uint32_t u = 0; u < prog_.units.size(); ++u)
      if (ustep_[u] != kUnset || has_req_[u]) bound = std::min(bound, free_[u]);
    while (!pending_.empty() && pending_.front().time < bound && pending_.front().op_start <= checked_start_) {
      std::pop_heap(pending_.begin(), pending_.end(), Later{});
      const Occupancy e = pending_.back();
      pending_.pop_back();
      apply(e, pending_.empty() || pending_.front().time != e.time);
    }
  }

  // One occupancy change; `instant_done`: the last of its instant, so the occupancy is checked.
  void apply(const Occupancy& e, bool instant_done) {
    current_[e.buffer] += e.delta;
    if (current_[e.buffer] >= 0) peak_[e.buffer] = std::max<uint64_t>(peak_[e.buffer], static_cast<uint64_t>(current_[e.buffer]));
    if (!instant_done) return;
    for (const int64_t held : current_)
      if (held < 0) throw InternalError("analytical engine: a buffer released more than it held");
  }

  uint64_t active_count_at(uint64_t s) const {
    if (!active_count_.empty() && (!has_head_ || s > max_last_step_)) return active_count_[s % period_];
    uint64_t n = 0;
    for (const auto& op : prog_.body) n += TileProgram::runs_on(op, s);
    return n;
  }

  void trim() {
    while (first_step_ + keep_ < checked_) {
      const size_t k = slot(first_step_);
      std::fill_n(&comp_[k * n_], n_, kUnset);
      recorded_[k] = 0;
      step_start_[k] = 0;
      ++first_step_;
    }
  }

  // The Cycle engine's check of completed steps, in order, for the periodic steady state.
  void advance_checks() {
    while (checked_ < prog_.steps) {
      const uint64_t s = checked_;
      if (s >= first_step_ + cap_ || recorded_[slot(s)] != active_count_at(s)) return;
      checked_start_ = std::max(checked_start_, step_start_[slot(s)]);
      ++checked_;
      trim();
      if (!can_extrapolate_ || s < window_ + period_ ||
          (has_head_ && s < max_last_step_ + window_ + period_ + lookback_))
        continue;
      bool same = true, have = false;
      uint64_t delta = 0;
      for (uint32_t j = 0; j < n_ && same; ++j) {
        if (!TileProgram::runs_on(prog_.body[j], s)) continue;
        const uint64_t a = completion(j, s), b = completion(j, s - period_);
        if (b == kUnset || a < b) {
          same = false;
          break;
        }
        if (!have) {
          delta = a - b;
          have = true;
        } else if (a - b != delta) {
          same = false;
        }
      }
      if (!have) same = false;
      if (same && (run_length_ == 0 || delta == delta_)) {
        ++run_length_;
        delta_ = delta;
      } else {
        run_length_ = same ? 1 : 0;
        delta_ = delta;
      }
      if (run_length_ >= window_ && s + 1 < prog_.steps) {
        steady_step_ = s;
        detected_ = true;
        stop_time_ = checked_start_;
        return;
      }
    }
  }

  std::vector<uint64_t> peaks() {
    std::vector<Occupancy> ev;
    ev.reserve(pending_.size());
    for (const Occupancy& o : pending_)
      if (!detected_ || o.op_start <= stop_time_) ev.push_back(o);
    std::sort(ev.begin(), ev.end(), [](const Occupancy& a, const Occupancy& b) { return Later{}(b, a); });
    // Releases go first at an instant, so space taken and given back at one instant (an
    // operation of zero cycles and latency) may go below zero within it: the occupancy
    // is checked once the instant is complete, as in the Cycle engine.
    for (size_t i = 0; i < ev.size(); ++i) apply(ev[i], i + 1 == ev.size() || ev[i + 1].time != ev[i].time);
    pending_.clear();
    return peak_;
  }

  TimingResult collect() {
    TimingResult r;
    r.period_steps = period_ <= kMaxPeriod ? period_ : 0;
    const bool stop = detected_;
    r.extrapolated = stop;
    r.simulated_steps = stop ? steady_step_ + 1 : prog_.steps;
    std::vector<uint64_t> final_comp(n_, 0);
    for (uint32_t j = 0; j < n_; ++j) {
      const TileOp& op = prog_.body[j];
      const uint64_t inst = prog_.instances(op);
      if (inst == 0) continue;
      const uint64_t last = op.phase + (inst - 1) * op.every;
      if (!stop || last <= steady_step_) {
        final_comp[j] = stop ? completion(j, last) : last_comp_[j];
        if (!stop && op.last_step == UINT64_MAX) final_comp[j] += shift_cycles_;
      } else {
        // The instance of the same phase inside the last checked period, shifted by whole periods.
        const uint64_t k = (last - steady_step_ + period_ - 1) / period_;
        final_comp[j] = checked_add(completion(j, last - k * period_), checked_mul(k, delta_, "the total cycles"),
                                    "the total cycles");
      }
    }
    r.period_cycles = stop ? delta_ : 0;
    for (uint32_t j = 0; j < n_; ++j) r.cycles = std::max(r.cycles, final_comp[j]);
    for (uint32_t u = 0; u < prog_.units.size(); ++u) {
      UnitStats st;
      st.name = prog_.units[u].name;
      for (uint32_t j : unit_ops_[u]) {
        const TileOp& op = prog_.body[j];
        const uint64_t k = counted_.instances(op);
        st.operations += k;
        st.busy_cycles = checked_add(st.busy_cycles, checked_mul(k, op.cycles, "busy cycles"), "busy cycles");
        st.useful_ops = checked_add(st.useful_ops, checked_mul(k, op.useful_ops, "useful operations"),
                                    "useful operations");
        if (k && op.cycles > 0) st.last_end = std::max(st.last_end, final_comp[j] - op.latency);
      }
      if (st.busy_cycles == 0 || first_start_[u] == kUnset) {
        st.idle_cycles = r.cycles;
      } else {
        st.first_start = first_start_[u];
        const uint64_t active = st.last_end - st.first_start;
        st.stall_cycles = active - std::min(active, st.busy_cycles);
        st.idle_cycles = r.cycles - active;
      }
      r.units.push_back(st);
    }
    for (const TileOp& op : prog_.body) {
      r.dram_read_bytes = checked_add(r.dram_read_bytes, checked_mul(counted_.instances(op), op.dram_read_bytes,
                                      "DRAM bytes read"), "DRAM bytes read");
      r.dram_write_bytes = checked_add(r.dram_write_bytes, checked_mul(counted_.instances(op), op.dram_write_bytes,
                                       "DRAM bytes written"), "DRAM bytes written");
    }
    const std::vector<uint64_t> peak = peaks();
    for (uint32_t b = 0; b < prog_.buffers.size(); ++b)
      r.buffers.push_back({prog_.buffers[b].name, prog_.buffers[b].capacity_bytes, peak[b]});
    return r;
  }

  const TileProgram& prog_;
  const TileProgram& counted_;
  uint64_t shift_cycles_ = 0;
  size_t n_ = 0;
  uint64_t period_ = 1, window_ = 0, keep_ = 1, lookback_ = 1, max_last_step_ = 0;
  bool has_head_ = false, can_extrapolate_ = false;
  std::vector<uint64_t> active_count_;
  std::vector<std::vector<uint32_t>> unit_ops_;
  std::vector<std::vector<uint64_t>> head_comp_;  // operations of the first steps only, by step
  // Completions of the steps [first_step_, first_step_ + cap_), in a ring.
  uint64_t cap_ = 0, first_step_ = 0;
  std::vector<uint64_t> comp_, recorded_, step_start_;
  std::vector<uint64_t> first_start_, free_, ustep_, last_comp_;
  std::vector<size_t> uk_;
  std::vector<bool> has_req_;
  std::vector<uint64_t> req_time_;
  std::vector<int> unit_channel_;
  std::vector<Channel> channels_;
  std::vector<Occupancy> pending_;  // a heap, earliest first
  std::vector<int64_t> current_;
  std::vector<uint64_t> peak_;
  uint64_t horizon_time_ = 0;
  uint64_t checked_ = 0, checked_start_ = 0, steady_step_ = 0, delta_ = 0, run_length_ = 0, stop_time_ = 0;
  bool detected_ = false, drain_ = false;
};

}  // namespace

TimingResult evaluate_tile_program(const TileProgram& program, const AnalyticalOptions& options) {
  program.validate();
  if (program.body.empty()) {
    TimingResult r;
    for (const auto& u : program.units) r.units.push_back({u.name, 0, 0, 0, 0, 0, 0, 0});
    return r;
  }
  if (options.extrapolate && options.fold) {
    const auto folded = evaluate_folded(
        program, [&](const TileProgram& f) { return evaluate_tile_program(f, options); }, options.fold_options);
    if (folded) return *folded;
  }
  Evaluation first(program, options.extrapolate);
  TimingResult r = first.run();
  const bool shared = std::any_of(program.units.begin(), program.units.end(),
                                  [](const TileUnit& u) { return u.channel != kNoChannel; });
  if (!r.extrapolated || !shared) return r;
  // As the Cycle engine: a shared channel looks ahead (a transfer may wait behind one of a
  // later step), so the last steps do not repeat the steady state. Cut k whole periods out of
  // it, evaluate the rest step by step and shift what follows the cut by k periods' cycles.
  const uint64_t period = r.period_steps;
  const uint64_t margin = 4 * period + 2 * first.lookback() + 16;
  const uint64_t after = program.steps - r.simulated_steps;
  TileProgram shorter = program;
  uint64_t k = 0;
  if (after > margin + period) {
    k = (after - margin) / period;
    shorter.steps -= k * period;
  }
  Evaluation second(shorter, false, &program, k * r.period_cycles);
  TimingResult out = second.run();
  out.extrapolated = k > 0;
  out.simulated_steps = k > 0 ? r.simulated_steps : program.steps;
  out.period_steps = r.period_steps;
  out.period_cycles = k > 0 ? r.period_cycles : 0;
  return out;
}

}  // namespace einsim
