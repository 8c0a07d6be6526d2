#include "sim/analytical/analytical_engine.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "sim/analytical/evaluation_state.hpp"
#include "sim/analytical/occupancy_log.hpp"
#include "sim/core/checked.hpp"
#include "sim/core/error.hpp"
#include "sim/lower/steady_state.hpp"

namespace einsim {
namespace {

constexpr uint64_t kUnset = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMaxPeriod = 1u << 20;  // longer periods are evaluated in full (as in the Cycle engine)
constexpr uint64_t kHorizon = 16;          // steps a unit off any channel may run ahead of the checks
constexpr size_t kSettleBatch = 1024;      // buffer occupancy changes applied in batches of at least this many
constexpr uint64_t kMaxTable = 1u << 18;   // entries of the per-phase tables (period x operations) at most

// What collect()'s checked sums count, for their errors: built once, not at every call.
const std::string kTotalCycles = "the total cycles", kBusyCycles = "busy cycles", kUsefulOps = "useful operations",
                  kBytesRead = "DRAM bytes read", kBytesWritten = "DRAM bytes written";

uint64_t lcm_capped(uint64_t a, uint64_t b) {
  const uint64_t g = std::gcd(a, b);
  const uint64_t r = a / g;
  if (r > kMaxPeriod / b) return kMaxPeriod + 1;
  return r * b;
}

// x % every, without a division for the common every == 1.
inline uint64_t mod_every(uint64_t x, uint32_t every) { return every == 1 ? 0 : x % every; }

template <class Op>
bool runs_on(const Op& op, uint64_t s) { return s <= op.last_step && mod_every(s, op.every) == op.phase; }

// The step of the most recent instance of `op` at a step <= s, if any.
template <class Op>
bool latest_instance(const Op& op, int64_t s, uint64_t& out) {
  if (s < static_cast<int64_t>(op.phase)) return false;
  const uint64_t t = std::min<uint64_t>(static_cast<uint64_t>(s), op.last_step);
  if (t < op.phase) return false;
  out = t - mod_every(t - op.phase, op.every);
  return true;
}

// First step >= s on which `op` runs within the program, or kUnset.
template <class Op>
uint64_t next_instance(const Op& op, uint64_t s, uint64_t steps) {
  const uint64_t end = std::min(steps - 1, op.last_step);
  uint64_t t = s <= op.phase ? op.phase
                             : op.phase + (op.every == 1 ? s - op.phase
                                                         : (s - op.phase + op.every - 1) / op.every * op.every);
  return t <= end ? t : kUnset;
}

using namespace analytical;

class Evaluation {
 public:
  ~Evaluation() { give_back(std::move(w_)); }
  Evaluation(const Evaluation&) = delete;
  Evaluation& operator=(const Evaluation&) = delete;

  // `counted`: the program the statistics count when `p` is it with whole periods of its steady
  // state cut out; its periodic operations then end `shift_cycles` later than they do in `p`.
  Evaluation(const TileProgram& p, bool extrapolate, const TileProgram* counted = nullptr, uint64_t shift_cycles = 0)
      : prog_(p),
        counted_(counted ? *counted : p),
        shift_cycles_(shift_cycles),
        n_(p.body.size()) {
    w_.occupancy.reset(2 * p.units.size(), p.buffers.size());
    w_.ops.resize(n_);
    size_t deps = 0, uses = 0;
    for (const TileOp& op : p.body) deps += op.deps.size(), uses += op.allocs.size() + op.releases.size();
    w_.deps.reserve(deps);
    w_.uses.reserve(uses);
    for (uint32_t j = 0; j < n_; ++j) {
      const TileOp& op = p.body[j];
      OpInfo& o = w_.ops[j];
      o.last_step = op.last_step;
      o.every = op.every;
      o.phase = op.phase;
      o.cycles = op.cycles;
      o.latency = op.latency;
      o.unit = op.unit;
      o.deps_begin = static_cast<uint32_t>(w_.deps.size());
      for (const TileDep& d : op.deps) {
        DepInfo x;
        const TileOp& target = p.body[d.op];
        x.last_step = target.last_step;
        x.every = target.every;
        x.phase = target.phase;
        x.op = d.op;
        x.distance = d.distance;
        w_.deps.push_back(x);
      }
      o.deps_end = static_cast<uint32_t>(w_.deps.size());
      o.uses_begin = static_cast<uint32_t>(w_.uses.size());
      for (const auto& a : op.allocs) w_.uses.push_back({static_cast<int64_t>(a.bytes), a.buffer, 2 * op.unit, true});
      for (const auto& r : op.releases)
        w_.uses.push_back({-static_cast<int64_t>(r.bytes), r.buffer, 2 * op.unit + 1, false});
      o.uses_end = static_cast<uint32_t>(w_.uses.size());
    }
    period_ = 1;
    for (const auto& op : p.body) period_ = lcm_capped(period_, op.every);
    uint64_t lookback = 1;
    for (const auto& op : p.body) {
      lookback = std::max<uint64_t>(lookback, op.every);
      for (const auto& d : op.deps) lookback = std::max<uint64_t>(lookback, d.distance + p.body[d.op].every);
    }
    lookback_ = lookback;
    can_extrapolate_ = extrapolate && period_ <= kMaxPeriod;
    // How far a unit may run ahead of the checks; the ring keeps what the steady-state rule compares.
    ahead_ = std::max(lookback, period_ <= kMaxPeriod ? period_ : 1) + 1;
    w_.active_count.resize(period_ <= kMaxPeriod ? period_ : 0);
    w_.head_comp.resize(n_);
    for (uint32_t j = 0; j < n_; ++j) {
      const TileOp& op = p.body[j];
      if (op.last_step == UINT64_MAX) continue;
      max_last_step_ = std::max(max_last_step_, op.last_step);
      has_head_ = true;
      w_.head_comp[j].assign(std::min(op.last_step, p.steps - 1) + 1, kUnset);
    }
    rule_ = SteadyStateRule(period_, lookback, has_head_, max_last_step_);
    keep_ = can_extrapolate_ ? std::max(ahead_, rule_.keep()) : ahead_;
    // The steps of the period each operation runs on (its phase is below its every, as validated).
    for (const auto& op : p.body)
      if (op.last_step == UINT64_MAX)
        for (uint64_t s = op.phase; s < w_.active_count.size(); s += op.every) ++w_.active_count[s];
    const size_t units = p.units.size();
    w_.unit_ops.resize(units);
    for (uint32_t j = 0; j < n_; ++j) w_.unit_ops[p.body[j].unit].push_back(j);
    w_.first_start.assign(units, kUnset);
    w_.free.assign(units, 0);
    w_.ustep.assign(units, 0);
    w_.uk.assign(units, 0);
    build_phase_tables();
    if (tables_) w_.uphase.assign(units, 0);
    if (tables_) w_.pos.assign(units, 0);
    for (uint32_t u = 0; u < units; ++u) {
      w_.ustep[u] = next_active_step(u, 0);
      if (tables_ && w_.ustep[u] != kUnset) {
        w_.uphase[u] = w_.ustep[u] % period_;
        w_.pos[u] = w_.run_begin[u * period_ + w_.uphase[u]];
        w_.uk[u] = w_.run_ops[w_.pos[u]];
      }
    }
    w_.has_req.assign(units, false);
    w_.req_time.assign(units, 0);
    w_.last_comp.assign(n_, 0);
    w_.unit_channel.assign(units, -1);
    std::vector<uint32_t>& ids = w_.ids;
    for (uint32_t u = 0; u < units; ++u) {
      const uint32_t c = p.units[u].channel;
      if (c == kNoChannel) continue;
      auto it = std::find(ids.begin(), ids.end(), c);
      w_.unit_channel[u] = static_cast<int>(it - ids.begin());
      if (it == ids.end()) ids.push_back(c);
    }
    w_.channels.resize(ids.size());
    // Room for the changes of a few steps, so short runs do not grow the streams one by one.
    std::vector<size_t>& per_step = w_.per_step;
    per_step.assign(2 * units, 0);
    for (const UseInfo& b : w_.uses) ++per_step[b.stream];
    for (size_t k = 0; k < per_step.size(); ++k)
      if (per_step[k]) w_.occupancy.reserve(static_cast<uint32_t>(k), per_step[k] * std::min<uint64_t>(p.steps, 32));
    cap_ = keep_ + kHorizon + 2;
    w_.comp.assign(cap_ * n_, kUnset);
    w_.recorded.assign(cap_, 0);
    w_.step_start.assign(cap_, 0);
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
        if (w_.ustep[u] != kUnset) throw InternalError("analytical engine: units blocked (dependency deadlock)");
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
    for (size_t c = 0; c < w_.channels.size(); ++c) {
      uint64_t oldest = kUnset;
      for (uint32_t u = 0; u < prog_.units.size(); ++u)
        if (w_.has_req[u] && w_.unit_channel[u] == static_cast<int>(c)) oldest = std::min(oldest, w_.req_time[u]);
      if (oldest == kUnset) continue;
      const uint64_t g = std::max(w_.channels[c].free_at, oldest);
      if (g < best) {
        best = g;
        if (channel) *channel = static_cast<int>(c);
      }
    }
    return best;
  }

  // With a short period and no operation limited to the first steps, when operations run depends
  // only on the step's phase in the period: tables of it spare the divisions of the inner loops.
  void build_phase_tables() {
    tables_ = !has_head_ && period_ <= kMaxPeriod && 2 * period_ <= prog_.steps &&
              period_ * std::max<size_t>(n_, prog_.units.size()) <= kMaxTable;
    if (!tables_) return;
    const size_t units = prog_.units.size();
    w_.since.assign(period_ * n_, 0);
    for (uint32_t j = 0; j < n_; ++j) {
      const OpInfo& op = w_.ops[j];
      uint32_t r = op.phase == 0 ? 0 : op.every - op.phase;  // (q - phase) mod every, from q = 0 on
      for (uint64_t q = 0; q < period_; ++q) {
        w_.since[q * n_ + j] = r;
        if (++r == op.every) r = 0;
      }
    }
    w_.dep_shift.assign(w_.deps.size(), 0);
    for (size_t k = 0; k < w_.deps.size(); ++k) w_.dep_shift[k] = static_cast<uint32_t>(w_.deps[k].distance % period_);
    // Steps from phase q to the next phase (q itself included) on which unit u runs something.
    w_.next_phase.assign(period_ * units, kUnset);
    // The operations unit u runs at phase q (their places in w_.unit_ops[u], in order):
    // w_.run_ops[w_.run_begin[u * period_ + q], w_.run_begin[u * period_ + q + 1]).
    w_.run_begin.assign(period_ * units + 1, 0);
    w_.run_ops.clear();
    std::vector<char>& active = w_.active;
    active.assign(period_, 0);
    for (uint32_t u = 0; u < units; ++u) {
      for (uint64_t q = 0; q < period_; ++q) {
        w_.run_begin[u * period_ + q] = static_cast<uint32_t>(w_.run_ops.size());
        active[q] = 0;
        for (size_t k = 0; k < w_.unit_ops[u].size(); ++k) {
          if (w_.since[q * n_ + w_.unit_ops[u][k]] != 0) continue;
          active[q] = 1;
          w_.run_ops.push_back(static_cast<uint32_t>(k));
        }
      }
      if (w_.unit_ops[u].empty()) continue;
      // Backwards twice around the ring: the distance to the next active phase.
      uint64_t next = kUnset;  // the next active phase, unwrapped (up to 2 x period)
      for (uint64_t i = 2 * period_; i-- > 0;) {
        const uint64_t q = i < period_ ? i : i - period_;
        if (active[q]) next = i;
        if (i < period_ && next != kUnset) w_.next_phase[u * period_ + q] = next - i;
      }
    }
    w_.run_begin[period_ * units] = static_cast<uint32_t>(w_.run_ops.size());
  }

  uint64_t next_active_step(uint32_t u, uint64_t s) const {
    uint64_t next = kUnset;
    if (s >= prog_.steps) return next;
    for (uint32_t j : w_.unit_ops[u]) next = std::min(next, next_instance(w_.ops[j], s, prog_.steps));
    return next;
  }

  void next_op(uint32_t u) {
    if (tables_) {
      // The next operation u runs at this phase; after the last, the first of the next phase it runs one.
      if (++w_.pos[u] < w_.run_begin[u * period_ + w_.uphase[u] + 1]) {
        w_.uk[u] = w_.run_ops[w_.pos[u]];
        return;
      }
      // The next step with an operation of u, from the phase after the current one.
      uint64_t q = w_.uphase[u] + 1;
      if (q == period_) q = 0;
      const uint64_t d = w_.next_phase[u * period_ + q];
      const uint64_t next = w_.ustep[u] + 1 + d;
      if (d == kUnset || w_.ustep[u] + 1 >= prog_.steps || next > prog_.steps - 1) {
        w_.ustep[u] = kUnset;
        return;
      }
      q += d;
      w_.uphase[u] = q >= period_ ? q - period_ : q;
      w_.ustep[u] = next;
      w_.pos[u] = w_.run_begin[u * period_ + w_.uphase[u]];
      w_.uk[u] = w_.run_ops[w_.pos[u]];
      return;
    }
    if (++w_.uk[u] < w_.unit_ops[u].size()) return;
    w_.uk[u] = 0;
    w_.ustep[u] = next_active_step(u, w_.ustep[u] + 1);
  }

  // The ring's slot of step s, for s in [first_step_, first_step_ + cap_).
  size_t slot(uint64_t s) const {
    const uint64_t k = head_ + (s - first_step_);
    return static_cast<size_t>(k >= cap_ ? k - cap_ : k);
  }

  uint64_t completion(uint32_t j, uint64_t s) const {
    if (w_.ops[j].last_step != UINT64_MAX) return w_.head_comp[j][s];
    return ring_completion(j, s);
  }

  // completion() of an operation that is not limited to the first steps.
  uint64_t ring_completion(uint32_t j, uint64_t s) const {
    if (s < first_step_) throw InternalError("analytical engine: a step was read after it was dropped");
    if (s >= first_step_ + cap_) return kUnset;
    return w_.comp[slot(s) * n_ + j];
  }

  // Records step s beyond the ring: doubles it, keeping the steps it holds.
  void grow(uint64_t s) {
    uint64_t cap = cap_;
    while (s >= first_step_ + cap) cap *= 2;
    std::vector<uint64_t> comp(cap * n_, kUnset), start(cap, 0), rec(cap, 0);
    for (uint64_t t = first_step_; t < first_step_ + cap_; ++t) {
      const size_t k = static_cast<size_t>(t - first_step_);
      std::copy_n(&w_.comp[slot(t) * n_], n_, &comp[k * n_]);
      start[k] = w_.step_start[slot(t)];
      rec[k] = w_.recorded[slot(t)];
    }
    w_.comp.swap(comp);
    w_.step_start.swap(start);
    w_.recorded.swap(rec);
    cap_ = cap;
    head_ = 0;
  }

  // Runs unit u's operations in order as far as their inputs are known; a channel
  // operation becomes a request. Returns whether anything happened.
  bool advance(uint32_t u) {
    bool moved = false;
    const bool on_channel = w_.unit_channel[u] >= 0;
    while (w_.ustep[u] != kUnset && !w_.has_req[u]) {
      const uint64_t s = w_.ustep[u];
      const uint32_t j = w_.unit_ops[u][w_.uk[u]];
      const OpInfo& op = w_.ops[j];
      if (!tables_ && !runs_on(op, s)) {  // with the tables, u's list for the phase holds only what runs
        next_op(u);
        continue;
      }
      uint64_t ready = 0;
      for (uint32_t k = op.deps_begin; k < op.deps_end; ++k) {
        const DepInfo& d = w_.deps[k];
        uint64_t ds;
        if (tables_) {
          // latest_instance from the tables: no operation here stops before the last step.
          if (s < static_cast<uint64_t>(d.distance) + d.phase) continue;
          if (d.every == 1) {
            ds = s - d.distance;  // it runs on every step (most dependencies): no table read
          } else {
            uint64_t q = w_.uphase[u] + period_ - w_.dep_shift[k];
            if (q >= period_) q -= period_;
            ds = s - d.distance - w_.since[q * n_ + d.op];
          }
        } else if (!latest_instance(d, static_cast<int64_t>(s) - d.distance, ds)) {
          continue;
        }
        // (With the tables no operation is limited to the first steps: the ring holds it.)
        const uint64_t c = tables_ ? ring_completion(d.op, ds) : completion(d.op, ds);
        if (c == kUnset) return moved;
        ready = std::max(ready, c);
      }
      const uint64_t t = std::max(w_.free[u], ready);
      if (drain_ && t > stop_time_) return moved;
      // A unit off any channel runs at most a few steps ahead of the checks (memory), unless
      // the operation starts before the next grant.
      if (!drain_ && !on_channel && s > checked_ + kHorizon + ahead_ && t > horizon_time_) return moved;
      if (on_channel && op.cycles > 0) {
        w_.has_req[u] = true;
        w_.req_time[u] = t;
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
    Channel& ch = w_.channels[static_cast<size_t>(best_c)];
    uint32_t pick = kNoChannel;
    for (uint32_t u = 0; u < prog_.units.size(); ++u) {
      if (!w_.has_req[u] || w_.unit_channel[u] != best_c) continue;
      if (pick == kNoChannel || w_.req_time[u] < w_.req_time[pick] ||
          (w_.req_time[u] == w_.req_time[pick] && pick == ch.last_unit))
        pick = u;
    }
    const uint32_t j = w_.unit_ops[pick][w_.uk[pick]];
    w_.has_req[pick] = false;
    ch.free_at = best_g + w_.ops[j].cycles;
    ch.last_unit = pick;
    record(pick, j, w_.ustep[pick], best_g);
    return true;
  }

  void record(uint32_t u, uint32_t j, uint64_t s, uint64_t start) {
    const OpInfo& op = w_.ops[j];
    uint64_t c = 0;
    if (__builtin_add_overflow(start, op.cycles, &c) || __builtin_add_overflow(c, op.latency, &c) ||
        c > kMaxTotalCycles) {
      throw Error(cycles_overflow_message(prog_, j));
    }
    if (w_.first_start[u] == kUnset && op.cycles > 0) w_.first_start[u] = start;  // bookkeeping ops aside
    for (uint32_t k = op.uses_begin; k < op.uses_end; ++k) {
      const UseInfo& b = w_.uses[k];
      w_.occupancy.push(b.stream, {start, b.at_start ? start : c, b.delta, b.buffer});
    }
    if (s >= first_step_ + cap_) grow(s);
    const size_t at = slot(s);  // once: the stores below could alias the ring's bounds for the compiler
    w_.comp[at * n_ + j] = c;
    ++w_.recorded[at];
    w_.step_start[at] = std::max(w_.step_start[at], start);
    if (op.last_step != UINT64_MAX) w_.head_comp[j][s] = c;
    w_.last_comp[j] = c;
    w_.free[u] = start + op.cycles;
    next_op(u);
    if (!detected_) advance_checks();
    if (!detected_ && w_.occupancy.pending() >= settle_at_) apply_settled();  // in batches: cheap for short runs
  }

  // Buffer occupancy, streamed (occupancy_log.hpp): changes are applied in batches once no later
  // operation can add an earlier one and once they are sure to count (their operation started
  // by the latest start of a checked step: the stop time, if the steady state is found, is at
  // least that). What is left is applied at the end, filtered by the stop time.
  void apply_settled() {
    uint64_t bound = kUnset;  // no operation recorded from now on starts before this
    for (uint32_t u = 0; u < prog_.units.size(); ++u)
      if (w_.ustep[u] != kUnset || w_.has_req[u]) bound = std::min(bound, w_.free[u]);
    w_.occupancy.apply_settled(bound, checked_start_);
    settle_at_ = std::max<size_t>(kSettleBatch, 2 * w_.occupancy.pending());
  }

  uint64_t active_count_at(uint64_t s) const {
    if (!w_.active_count.empty() && (!has_head_ || s > max_last_step_)) return w_.active_count[s % period_];
    uint64_t n = 0;
    for (const auto& op : prog_.body) n += runs_on(op, s);
    return n;
  }

  void trim() {
    while (first_step_ + keep_ < checked_) {
      const size_t k = slot(first_step_);
      std::fill_n(&w_.comp[k * n_], n_, kUnset);
      w_.recorded[k] = 0;
      w_.step_start[k] = 0;
      ++first_step_;
      if (++head_ == cap_) head_ = 0;
    }
  }

  // The Cycle engine's check of completed steps, in order, for the periodic steady state.
  void advance_checks() {
    while (checked_ < prog_.steps) {
      const uint64_t s = checked_;
      if (active_for_ != s) {  // once per step: the count of operations it runs
        active_ = active_count_at(s);
        active_for_ = s;
      }
      if (s >= first_step_ + cap_ || w_.recorded[slot(s)] != active_) return;
      checked_start_ = std::max(checked_start_, w_.step_start[slot(s)]);
      ++checked_;
      trim();
      if (!can_extrapolate_) continue;
      const uint32_t* since = tables_ ? &w_.since[(s % period_) * n_] : nullptr;
      // Whether every operation of step s completes one `delta` after its instance `span` steps before.
      auto compare = [&](uint64_t span, uint64_t& delta) {
        return same_shift(
            n_, s, span, kUnset, [&](size_t j) { return since ? since[j] == 0 : runs_on(w_.ops[j], s); },
            [&](size_t j, uint64_t t) { return completion(static_cast<uint32_t>(j), t); }, delta);
      };
      const uint64_t span = rule_.check(s, compare);
      if (span > 0 && s + 1 < prog_.steps) {
        steady_step_ = s;
        steady_span_ = span;
        delta_ = rule_.delta();
        detected_ = true;
        stop_time_ = checked_start_;
        return;
      }
    }
  }

  TimingResult collect() {
    TimingResult r;
    r.period_steps = stop_span();
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
        final_comp[j] = stop ? completion(j, last) : w_.last_comp[j];
        if (!stop && op.last_step == UINT64_MAX) final_comp[j] += shift_cycles_;
      } else {
        // The instance of the same phase inside the last checked period, shifted by whole periods.
        const uint64_t k = (last - steady_step_ + steady_span_ - 1) / steady_span_;
        final_comp[j] = checked_add(completion(j, last - k * steady_span_), checked_mul(k, delta_, kTotalCycles),
                                    kTotalCycles);
      }
    }
    r.period_cycles = stop ? delta_ : 0;
    for (uint32_t j = 0; j < n_; ++j) r.cycles = std::max(r.cycles, final_comp[j]);
    r.units.reserve(prog_.units.size());
    for (uint32_t u = 0; u < prog_.units.size(); ++u) {
      UnitStats st;
      st.name = prog_.units[u].name;
      for (uint32_t j : w_.unit_ops[u]) {
        const TileOp& op = prog_.body[j];
        const uint64_t k = counted_.instances(op);
        st.operations += k;
        st.busy_cycles = checked_add(st.busy_cycles, checked_mul(k, op.cycles, kBusyCycles), kBusyCycles);
        st.useful_ops = checked_add(st.useful_ops, checked_mul(k, op.useful_ops, kUsefulOps), kUsefulOps);
        if (k && op.cycles > 0) st.last_end = std::max(st.last_end, final_comp[j] - op.latency);
      }
      if (st.busy_cycles == 0 || w_.first_start[u] == kUnset) {
        st.idle_cycles = r.cycles;
      } else {
        st.first_start = w_.first_start[u];
        const uint64_t active = st.last_end - st.first_start;
        st.stall_cycles = active - std::min(active, st.busy_cycles);
        st.idle_cycles = r.cycles - active;
      }
      r.units.push_back(st);
    }
    for (const TileOp& op : prog_.body) {
      const uint64_t k = counted_.instances(op);
      r.dram_read_bytes = checked_add(r.dram_read_bytes, checked_mul(k, op.dram_read_bytes, kBytesRead), kBytesRead);
      r.dram_write_bytes =
          checked_add(r.dram_write_bytes, checked_mul(k, op.dram_write_bytes, kBytesWritten), kBytesWritten);
    }
    const std::vector<uint64_t>& peak =
        w_.occupancy.finish(detected_ ? std::optional<uint64_t>(stop_time_) : std::nullopt);
    for (uint32_t b = 0; b < prog_.buffers.size(); ++b)
      r.buffers.push_back({prog_.buffers[b].name, prog_.buffers[b].capacity_bytes, peak[b]});
    return r;
  }

  Workspace w_ = take_workspace();  // first: its vectors are the evaluation's
  const TileProgram& prog_;
  const TileProgram& counted_;
  uint64_t shift_cycles_ = 0;
  size_t n_ = 0;
  // The steady state's span: the period found (detected_), else the body's.
  uint64_t stop_span() const { return detected_ ? steady_span_ : period_ <= kMaxPeriod ? period_ : 0; }

  uint64_t period_ = 1, keep_ = 1, ahead_ = 1, lookback_ = 1, max_last_step_ = 0, steady_span_ = 1;
  SteadyStateRule rule_;
  bool has_head_ = false, can_extrapolate_ = false;
  // Completions of the steps [first_step_, first_step_ + cap_), in a ring.
  uint64_t cap_ = 0, first_step_ = 0, head_ = 0;  // head_: the slot of first_step_
  uint64_t active_ = 0, active_for_ = kUnset;  // operations step active_for_ runs
  bool tables_ = false;           // when the per-phase tables below are used
  // [q * n_ + j]: steps since op j last ran, at phase q ((q - phase) mod every)
  // [u * period_ + q]: steps from phase q to one where unit u runs something
  // [u * period_ + q]: the operations unit u runs at phase q
  size_t settle_at_ = kSettleBatch;
  uint64_t horizon_time_ = 0;
  uint64_t checked_ = 0, checked_start_ = 0, steady_step_ = 0, delta_ = 0, stop_time_ = 0;
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
    AnalyticalOptions each = options;
    each.folded_first = nullptr;
    const auto folded = evaluate_folded(
        program, [&](const TileProgram& f) { return evaluate_tile_program(f, each); }, options.fold_options,
        options.folded_first);
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
