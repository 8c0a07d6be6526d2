#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "sim/cycle/cycle_engine.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <deque>
#include <queue>
#include <systemc>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "sim/core/checked.hpp"
#include "sim/core/error.hpp"
#include "sim/lower/steady_state.hpp"

namespace einsim {
namespace {

constexpr uint64_t kUnset = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMaxPeriod = 1u << 20;  // longer periods are simulated in full

uint64_t lcm_capped(uint64_t a, uint64_t b) {
  uint64_t g = std::gcd(a, b);
  uint64_t r = a / g;
  if (r > kMaxPeriod / b) return kMaxPeriod + 1;
  return r * b;
}

// One occupancy change of a buffer, applied in time order (releases first at equal times).
struct OccupancyEvent {
  uint64_t time;
  int64_t delta;
  uint32_t buffer;
  bool operator>(const OccupancyEvent& o) const {
    if (time != o.time) return time > o.time;
    return delta > o.delta;  // negative deltas (releases) first
  }
};

// All state of one run; the spawned unit processes share it.
class CycleRun {
 public:
  // `counted`: the program the statistics count when `p` is it with whole periods of its
  // steady state cut out (see simulate_tile_program); its periodic operations then end
  // `shift_cycles` later than they do in `p`.
  CycleRun(const TileProgram& p, const CycleOptions& o, const TileProgram* counted = nullptr, uint64_t shift_cycles = 0)
      : prog_(p), counted_(counted ? *counted : p), shift_cycles_(shift_cycles), trace_(o.trace),
        stop_request_(o.stop), on_steps_(o.on_steps) {
    const size_t n = p.body.size();
    period_ = 1;
    for (const auto& op : p.body) period_ = lcm_capped(period_, op.every);
    uint64_t lookback = 1;
    for (const auto& op : p.body) {
      lookback = std::max<uint64_t>(lookback, op.every);
      for (const auto& d : op.deps) lookback = std::max<uint64_t>(lookback, d.distance + p.body[d.op].every);
    }
    lookback_ = lookback;
    can_extrapolate_ = o.extrapolate && period_ <= kMaxPeriod;
    keep_ = std::max(lookback, period_ <= kMaxPeriod ? period_ : 1) + 1;
    active_count_.resize(period_ <= kMaxPeriod ? period_ : 0);
    for (const auto& op : p.body) {
      if (op.last_step == UINT64_MAX) continue;
      max_last_step_ = std::max(max_last_step_, op.last_step);
      has_head_ = true;
    }
    rule_ = SteadyStateRule(period_, lookback, has_head_, max_last_step_);
    if (can_extrapolate_) keep_ = std::max(keep_, rule_.keep());
    for (uint64_t s = 0; s < active_count_.size(); ++s)
      for (const auto& op : p.body) active_count_[s] += s % op.every == op.phase && op.last_step == UINT64_MAX;
    unit_ops_.resize(p.units.size());
    for (uint32_t j = 0; j < n; ++j) unit_ops_[p.body[j].unit].push_back(j);
    events_ = std::make_unique<sc_core::sc_event[]>(n);
    head_comp_.resize(n);
    first_start_.assign(p.units.size(), kUnset);
    last_comp_.assign(n, 0);
    last_step_.assign(n, kUnset);
    current_.assign(p.buffers.size(), 0);
    peak_.assign(p.buffers.size(), 0);
    setup_channels();
  }

  CycleResult run() {
    base_ = sc_core::sc_time_stamp().value();
    for (uint32_t u = 0; u < prog_.units.size(); ++u) {
      if (unit_ops_[u].empty()) continue;
      ++running_;
      sc_core::sc_spawn([this, u] { unit_process(u); }, fmt::format("unit_{}", u).c_str());
    }
    if (!channels_.empty()) sc_core::sc_spawn([this] { channel_arbiter(); }, "channel_arbiter");
    sc_core::sc_start();
    if (interrupted_) {
      throw Interrupted(fmt::format("cycle fidelity stopped after {} of {} steps", checked_, prog_.steps));
    }
    if (!overflow_.empty()) throw Error(overflow_);
    if (!error_.empty()) throw InternalError("cycle engine: " + error_);
    if (running_ != 0) throw InternalError("cycle engine: unit processes blocked (dependency deadlock)");
    flush_occupancy(kUnset);
    return collect();
  }

  uint64_t lookback() const { return lookback_; }

 private:
  static bool is_active(const TileOp& op, uint64_t s) { return TileProgram::runs_on(op, s); }

  uint64_t now() const { return sc_core::sc_time_stamp().value() - base_; }

  // Completion time of op j at step s, or kUnset if not yet started.
  uint64_t completion(uint32_t j, uint64_t s) {
    if (prog_.body[j].last_step != UINT64_MAX) {
      // Operations of the first steps only: kept for the whole run (steps are trimmed).
      auto it = head_comp_[j].find(s);
      return it == head_comp_[j].end() ? kUnset : it->second;
    }
    if (s < first_step_) {
      fail("a step was read after it was dropped");
      return 0;
    }
    if (s >= first_step_ + steps_.size()) return kUnset;
    return steps_[s - first_step_].comp[j];
  }

  // Errors inside SystemC processes would poison the kernel: record, stop, throw after sc_start.
  void fail(const std::string& message) {
    if (error_.empty()) error_ = message;
    stop_all();
  }

  void stop_all() {
    if (stop_) return;
    stop_ = true;
    for (size_t j = 0; j < prog_.body.size(); ++j) events_[j].notify(sc_core::SC_ZERO_TIME);
    arbiter_wake_.notify(sc_core::SC_ZERO_TIME);
    for (size_t u = 0; u < prog_.units.size(); ++u) granted_event_[u].notify(sc_core::SC_ZERO_TIME);
  }

  // ------------------------------------------------------------ shared channels
  //
  // Units that name one channel (a half-duplex DRAM's reads and writes) take turns on
  // it. A unit whose operation is ready asks for its channel and waits for a grant; one
  // arbiter process grants each free channel to its oldest request, and of requests made
  // at the same time to the unit that did not use the channel last. It decides only once
  // nothing else is left to run at the current time, so every request of that time is
  // in, whatever order SystemC runs the processes in: the schedule stays a function of
  // the operations' times, and the steady-state extrapolation stays exact.

  struct ChannelRequest {
    uint64_t time;
    uint32_t unit;
    uint64_t cycles;
  };
  struct Channel {
    uint64_t free_at = 0;
    uint32_t last_unit = kNoChannel;
    std::vector<ChannelRequest> waiting;
  };

  void setup_channels() {
    unit_channel_.assign(prog_.units.size(), -1);
    std::map<uint32_t, int> index;
    for (uint32_t u = 0; u < prog_.units.size(); ++u) {
      const uint32_t c = prog_.units[u].channel;
      if (c == kNoChannel) continue;
      auto [it, inserted] = index.emplace(c, static_cast<int>(channels_.size()));
      if (inserted) channels_.emplace_back();
      unit_channel_[u] = it->second;
    }
    granted_.assign(prog_.units.size(), false);
    granted_event_ = std::make_unique<sc_core::sc_event[]>(prog_.units.size());
  }

  // Waits until unit u holds its channel for `cycles` from now.
  void acquire_channel(uint32_t u, uint64_t cycles) {
    Channel& ch = channels_[static_cast<size_t>(unit_channel_[u])];
    granted_[u] = false;
    ch.waiting.push_back({now(), u, cycles});
    arbiter_wake_.notify(sc_core::SC_ZERO_TIME);
    while (!granted_[u] && !stop_) sc_core::wait(granted_event_[u]);
  }

  void channel_arbiter() {
    for (;;) {
      sc_core::wait(arbiter_wake_);
      if (stop_ || running_ == 0) return;
      // Let every process with something to do at this time run first (and ask).
      while (sc_core::sc_pending_activity_at_current_time()) {
        sc_core::wait(sc_core::SC_ZERO_TIME);
        if (stop_ || running_ == 0) return;
      }
      uint64_t next = kUnset;  // when a busy channel with waiting requests frees
      for (Channel& ch : channels_) {
        if (ch.waiting.empty()) continue;
        if (now() < ch.free_at) {
          next = std::min(next, ch.free_at);
          continue;
        }
        auto best = ch.waiting.begin();
        for (auto it = ch.waiting.begin(); it != ch.waiting.end(); ++it) {
          if (it->time < best->time || (it->time == best->time && best->unit == ch.last_unit)) best = it;
        }
        const ChannelRequest g = *best;
        ch.waiting.erase(best);
        ch.free_at = now() + g.cycles;
        ch.last_unit = g.unit;
        granted_[g.unit] = true;
        granted_event_[g.unit].notify(sc_core::SC_ZERO_TIME);
        if (!ch.waiting.empty()) next = std::min(next, ch.free_at);
      }
      if (next != kUnset) arbiter_wake_.notify(sc_core::sc_time::from_value(next - now()));
    }
  }

  // The step of the most recent instance of op j at a step <= s, if any.
  static bool latest_instance(const TileOp& op, int64_t s, uint64_t& out) {
    if (s < static_cast<int64_t>(op.phase)) return false;
    uint64_t t = std::min<uint64_t>(static_cast<uint64_t>(s), op.last_step);
    if (t < op.phase) return false;
    out = t - ((t - op.phase) % op.every);
    return true;
  }

  struct StepRecord {
    std::vector<uint64_t> comp;
    uint64_t recorded = 0;
  };

  StepRecord& step_record(uint64_t s) {
    while (first_step_ + steps_.size() <= s) steps_.push_back({std::vector<uint64_t>(prog_.body.size(), kUnset), 0});
    return steps_[s - first_step_];
  }

  // Drops steps that no dependency and no periodicity check can read any more.
  void trim() {
    while (!steps_.empty() && first_step_ + keep_ < checked_) {
      steps_.pop_front();
      ++first_step_;
    }
  }

  void unit_process(uint32_t u) {
    for (uint64_t s = 0; s < prog_.steps && !stop_; ++s) {
      for (uint32_t j : unit_ops_[u]) {
        const TileOp& op = prog_.body[j];
        if (!is_active(op, s)) continue;
        if (stop_) return finish();
        // Inputs: wait until every dependency has started (its completion time is then known).
        uint64_t ready = 0;
        for (const TileDep& d : op.deps) {
          uint64_t ds;
          if (!latest_instance(prog_.body[d.op], static_cast<int64_t>(s) - d.distance, ds)) continue;
          uint64_t c;
          while ((c = completion(d.op, ds)) == kUnset) {
            sc_core::wait(events_[d.op]);
            if (stop_) return finish();
          }
          ready = std::max(ready, c);
        }
        if (ready > now()) sc_core::wait(sc_core::sc_time::from_value(ready - now()));
        if (stop_) return finish();
        if (op.cycles > 0 && unit_channel_[u] >= 0) {
          acquire_channel(u, op.cycles);
          if (stop_) return finish();
        }
        const uint64_t start = now();
        if (first_start_[u] == kUnset && op.cycles > 0) first_start_[u] = start;  // bookkeeping ops aside
        record(j, s, start);
        if (stop_) return finish();
        if (trace_ && op.cycles) trace_->push({0, u, j, s, start, op.cycles});
        if (op.cycles) sc_core::wait(sc_core::sc_time::from_value(op.cycles));
      }
    }
    finish();
  }

  void finish() {
    if (--running_ == 0) arbiter_wake_.notify(sc_core::SC_ZERO_TIME);  // the arbiter ends too
  }

  void record(uint32_t j, uint64_t s, uint64_t start) {
    const TileOp& op = prog_.body[j];
    uint64_t c = 0;
    if (__builtin_add_overflow(start, op.cycles, &c) || __builtin_add_overflow(c, op.latency, &c) ||
        c > kMaxTotalCycles) {
      // A user error (a rate or a size out of scale), not a bug: reported as such after sc_start.
      if (overflow_.empty()) overflow_ = cycles_overflow_message(prog_, j);
      stop_all();
      return;
    }
    flush_occupancy(start);
    for (const auto& a : op.allocs) pending_.push({start, static_cast<int64_t>(a.bytes), a.buffer});
    for (const auto& r : op.releases) pending_.push({c, -static_cast<int64_t>(r.bytes), r.buffer});
    StepRecord& rec = step_record(s);
    rec.comp[j] = c;
    if (op.last_step != UINT64_MAX) head_comp_[j][s] = c;
    ++rec.recorded;
    last_comp_[j] = c;
    last_step_[j] = s;
    events_[j].notify(sc_core::SC_ZERO_TIME);
    advance_checks();
  }

  // Applies occupancy changes before `time` (no later operation can add earlier ones).
  void flush_occupancy(uint64_t time) {
    // Releases go first at an instant, so space taken and given back at one instant (an
    // operation of zero cycles and latency) may go below zero within it: the occupancy is
    // checked once the instant is complete (all its events are pending by then).
    while (!pending_.empty() && pending_.top().time < time) {
      const OccupancyEvent e = pending_.top();
      pending_.pop();
      current_[e.buffer] += e.delta;
      if (current_[e.buffer] >= 0) {
        peak_[e.buffer] = std::max<uint64_t>(peak_[e.buffer], static_cast<uint64_t>(current_[e.buffer]));
      }
      if (!pending_.empty() && pending_.top().time == e.time) continue;
      for (const int64_t held : current_)
        if (held < 0) fail("a buffer released more than it held");
    }
  }

  // Checks completed steps in order for the periodic steady state.
  void advance_checks() {
    while (checked_ < prog_.steps && !stop_) {
      const uint64_t s = checked_;
      if (s >= first_step_ + steps_.size() || steps_[s - first_step_].recorded != active_count_at(s)) return;
      ++checked_;
      trim();
      // Between steps: a stop request (Ctrl-C) and the progress report, both cheap.
      if (stop_request_ && stop_request_->load(std::memory_order_relaxed)) {
        interrupted_ = true;
        stop_all();
        return;
      }
      if (on_steps_) on_steps_(checked_);
      // The rule (sim/lower/steady_state.hpp) also waits for operations limited to the first
      // steps (loads done once) to lie behind the window.
      if (!can_extrapolate_) continue;
      auto compare = [&](uint64_t span, uint64_t& delta) {
        return same_shift(
            prog_.body.size(), s, span, kUnset, [&](size_t j) { return is_active(prog_.body[j], s); },
            [&](size_t j, uint64_t t) { return completion(static_cast<uint32_t>(j), t); }, delta);
      };
      const uint64_t span = rule_.check(s, compare);
      if (span > 0 && s + 1 < prog_.steps) {
        steady_step_ = s;
        steady_span_ = span;
        delta_ = rule_.delta();
        extrapolated_ = true;
        stop_all();
        return;
      }
    }
  }

  uint64_t active_count_at(uint64_t s) const {
    if (!active_count_.empty() && (!has_head_ || s > max_last_step_)) return active_count_[s % period_];
    uint64_t n = 0;
    for (const auto& op : prog_.body) n += is_active(op, s);
    return n;
  }

  CycleResult collect() {
    CycleResult r;
    r.period_steps = extrapolated_ ? steady_span_ : period_ <= kMaxPeriod ? period_ : 0;
    const bool stop = extrapolated_;
    r.extrapolated = stop;
    r.simulated_steps = stop ? steady_step_ + 1 : prog_.steps;
    const size_t n = prog_.body.size();
    std::vector<uint64_t> final_comp(n, 0);
    for (uint32_t j = 0; j < n; ++j) {
      const TileOp& op = prog_.body[j];
      if (prog_.instances(op) == 0) continue;
      const uint64_t last = op.phase + (prog_.instances(op) - 1) * op.every;  // respects last_step
      if (!stop || last <= steady_step_) {
        final_comp[j] = stop ? completion(j, last) : last_comp_[j];
        if (!stop && last_step_[j] != last) throw InternalError("cycle engine: an operation never ran");
        if (!stop && op.last_step == UINT64_MAX) final_comp[j] += shift_cycles_;
      } else {
        // Shift the instance of the same phase inside the last checked period.
        const uint64_t k = (last - steady_step_ + steady_span_ - 1) / steady_span_;
        const uint64_t u = last - k * steady_span_;
        final_comp[j] = checked_add(completion(j, u), checked_mul(k, delta_, "the total cycles"), "the total cycles");
      }
    }
    r.period_cycles = stop ? delta_ : 0;
    for (uint32_t j = 0; j < n; ++j) r.cycles = std::max(r.cycles, final_comp[j]);
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
    for (uint32_t b = 0; b < prog_.buffers.size(); ++b) {
      r.buffers.push_back({prog_.buffers[b].name, prog_.buffers[b].capacity_bytes, peak_[b]});
    }
    return r;
  }

  const TileProgram& prog_;
  const TileProgram& counted_;
  uint64_t shift_cycles_ = 0;
  BoundedOps* trace_ = nullptr;
  const std::atomic<bool>* stop_request_ = nullptr;
  const std::function<void(uint64_t)>& on_steps_;
  bool interrupted_ = false;
  uint64_t period_ = 1, keep_ = 1, lookback_ = 1, max_last_step_ = 0, steady_span_ = 1;
  SteadyStateRule rule_;
  bool has_head_ = false;
  bool can_extrapolate_ = false, extrapolated_ = false;
  std::deque<StepRecord> steps_;
  std::vector<std::map<uint64_t, uint64_t>> head_comp_;
  uint64_t first_step_ = 0;
  std::string error_;
  std::string overflow_;  // the cycle count left 63 bits: the user's input is out of scale
  std::vector<uint64_t> active_count_;
  std::vector<std::vector<uint32_t>> unit_ops_;
  std::unique_ptr<sc_core::sc_event[]> events_;
  std::vector<uint64_t> first_start_, last_comp_, last_step_;
  std::priority_queue<OccupancyEvent, std::vector<OccupancyEvent>, std::greater<>> pending_;
  std::vector<int64_t> current_;
  std::vector<uint64_t> peak_;
  uint64_t base_ = 0, checked_ = 0, steady_step_ = 0, delta_ = 0;
  int running_ = 0;
  bool stop_ = false;
  std::vector<Channel> channels_;
  sc_core::sc_event arbiter_wake_;
  std::vector<int> unit_channel_;  // per unit: index into channels_, -1 for a path of its own
  std::vector<bool> granted_;
  std::unique_ptr<sc_core::sc_event[]> granted_event_;
};

// The SystemC kernel runs on one thread of its own, for the whole process: its
// processes' stacks are switched there, out of sight of the caller's stack (and
// of sanitizers watching it), and every run is started from the same thread.
class KernelThread {
 public:
  static KernelThread& instance() {
    static KernelThread k;
    return k;
  }

  CycleResult run(const std::function<CycleResult()>& job) {
    std::packaged_task<CycleResult()> task(job);
    std::future<CycleResult> result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = &task;
    }
    wake_.notify_all();
    return result.get();  // rethrows the job's exception here, on the caller's thread
  }

 private:
  KernelThread() : thread_([this] { loop(); }) {}
  ~KernelThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void loop() {
    for (;;) {
      std::packaged_task<CycleResult()>* task = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return quit_ || pending_ != nullptr; });
        if (pending_ == nullptr) return;
        task = pending_;
        pending_ = nullptr;
      }
      (*task)();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::packaged_task<CycleResult()>* pending_ = nullptr;
  bool quit_ = false;
  std::thread thread_;
};

std::mutex& run_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

CycleResult simulate_tile_program(const TileProgram& program, const CycleOptions& options) {
  program.validate();
  if (program.body.empty()) {
    CycleResult r;
    for (const auto& u : program.units) r.units.push_back({u.name, 0, 0, 0, 0, 0, 0, 0});
    return r;
  }
  if (options.extrapolate && options.fold && !options.trace) {
    // Each folded evaluation is short: no progress of its own; Ctrl-C still stops it.
    const CycleOptions inner{true, nullptr, options.stop, {}, true, options.fold_options};
    const auto folded = evaluate_folded(
        program, [&](const TileProgram& f) { return simulate_tile_program(f, inner); }, options.fold_options);
    if (folded) {
      if (options.on_steps) options.on_steps(program.steps);
      return *folded;
    }
  }
  std::lock_guard<std::mutex> one_at_a_time(run_mutex());
  CycleResult result = KernelThread::instance().run([&] {
    CycleRun run(program, options);
    CycleResult r = run.run();
    const bool shared = std::any_of(program.units.begin(), program.units.end(),
                                    [](const TileUnit& u) { return u.channel != kNoChannel; });
    if (!r.extrapolated || !shared) return r;
    // A shared channel looks ahead: a transfer may wait behind one of a later step, so the
    // last steps, with no later ones to compete with, do not repeat the steady state. Cut
    // k whole periods out of the steady state, simulate what is left step by step, and
    // shift what came after the cut by k periods' cycles.
    const uint64_t period = r.period_steps;
    const uint64_t margin = 4 * period + 2 * run.lookback() + 16;  // steady steps kept after the detection
    const uint64_t after = program.steps - r.simulated_steps;
    TileProgram shorter = program;
    uint64_t k = 0;
    if (after > margin + period) {
      k = (after - margin) / period;
      shorter.steps -= k * period;
    }
    if (options.trace) *options.trace = BoundedOps(options.trace->limit());  // the second run is the one reported
    // The second run's steps count as progress once they pass the first run's.
    CycleOptions again{false, options.trace, options.stop, {}, false, options.fold_options};
    if (options.on_steps) {
      again.on_steps = [&options, &r](uint64_t s) {
        if (s > r.simulated_steps) options.on_steps(s);
      };
    }
    CycleRun second(shorter, again, &program, k * r.period_cycles);
    CycleResult out = second.run();
    out.extrapolated = k > 0;
    out.simulated_steps = k > 0 ? r.simulated_steps : program.steps;
    out.period_steps = r.period_steps;
    out.period_cycles = k > 0 ? r.period_cycles : 0;
    return out;
  });
  if (options.on_steps) options.on_steps(program.steps);
  return result;
}

}  // namespace einsim
