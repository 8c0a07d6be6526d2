#include "sim/lower/fold.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/checked.hpp"
#include "sim/core/error.hpp"

namespace einsim {
namespace {

constexpr size_t kPoints = 4;  // evaluations that must agree on one affine trend

// Step index (or step distance) x of the full program in the program folded to `inner`
// iterations; nullopt when x falls in the dropped middle of the loop.
std::optional<uint64_t> map_step(uint64_t x, const FoldLevel& l, uint64_t inner) {
  const uint64_t hi = x / l.big, rem = x % l.big;
  const uint64_t b = rem / l.small, r = rem % l.small;
  uint64_t nb = 0;
  if (b < l.keep) {
    nb = b;
  } else if (l.ratio - b <= l.keep) {
    nb = inner - (l.ratio - b);
  } else {
    return std::nullopt;
  }
  return hi * inner * l.small + nb * l.small + r;  // inner <= ratio: never above x
}

// Every step index the program names (phases, last steps, dependency distances, its length)
// has a place in the folded program.
bool mappable(const TileProgram& p, const FoldLevel& l) {
  if (!map_step(p.steps - 1, l, l.min_inner)) return false;
  for (const TileOp& op : p.body) {
    if (!map_step(op.phase, l, l.min_inner)) return false;
    if (op.last_step != UINT64_MAX && !map_step(op.last_step, l, l.min_inner)) return false;
    for (const TileDep& d : op.deps)
      if (!map_step(d.distance, l, l.min_inner)) return false;
  }
  return true;
}

// Whether every buffer gets back all it gave over the program (a tile released in bulk for a
// whole loop's allocations would be released more than it held once the loop is folded).
bool balanced(const TileProgram& p) {
  std::vector<__int128> net(p.buffers.size(), 0);
  for (const TileOp& op : p.body) {
    const __int128 k = p.instances(op);
    for (const BufferUse& a : op.allocs) net[a.buffer] += k * static_cast<__int128>(a.bytes);
    for (const BufferUse& r : op.releases) net[r.buffer] -= k * static_cast<__int128>(r.bytes);
  }
  return std::all_of(net.begin(), net.end(), [](__int128 v) { return v == 0; });
}

// What the extended totals count, for their errors: built once, not at every call.
const std::string kOperations = "operations", kBusyCycles = "busy cycles", kUsefulOps = "useful operations",
                  kBytesRead = "DRAM bytes read", kBytesWritten = "DRAM bytes written";

// Whether a, b, c, d (in that order) grow by one step each; the step in `step`.
bool affine(const std::array<uint64_t, kPoints>& v, uint64_t& step) {
  if (v[1] < v[0]) return false;
  step = v[1] - v[0];
  for (size_t i = 2; i < kPoints; ++i)
    if (v[i] < v[i - 1] || v[i] - v[i - 1] != step) return false;
  return true;
}

uint64_t extend(uint64_t base, uint64_t step, uint64_t times, const std::string& what) {
  return checked_add(base, checked_mul(step, times, what), what);
}

}  // namespace

namespace {

// A level's settings from the options (the loop itself left unset).
FoldLevel settings_of(const FoldOptions& options) {
  FoldLevel l;
  l.keep = options.keep;
  l.min_inner = std::max(options.min_inner, 2 * options.keep);
  l.stride = std::max<uint64_t>(options.stride, 1);
  return l;
}

}  // namespace

std::optional<FoldOptions> fold_retry(const FoldOptions& options) {
  if (options.retry_keep == 0 || options.retry_min_inner == 0 || options.retry_stride == 0) return std::nullopt;
  FoldOptions r = options;
  r.keep = options.retry_keep;
  r.min_inner = options.retry_min_inner;
  r.stride = options.retry_stride;
  r.retry_keep = r.retry_min_inner = r.retry_stride = 0;
  return r;
}

std::optional<FoldLevel> find_fold_level(const TileProgram& p, const FoldOptions& options) {
  if (p.body.empty() || !p.foldable) return std::nullopt;
  std::vector<uint64_t> every;
  every.reserve(p.body.size() + 1);
  every.push_back(1);
  for (const TileOp& op : p.body) every.push_back(op.every);
  std::sort(every.begin(), every.end());
  every.erase(std::unique(every.begin(), every.end()), every.end());
  for (size_t i = 1; i < every.size(); ++i)
    if (every[i] % every[i - 1] != 0) return std::nullopt;  // not a nest of loops
  if (every.back() < options.min_period) return std::nullopt;
  FoldLevel best = settings_of(options);
  for (size_t i = 1; i < every.size(); ++i) {
    const uint64_t ratio = every[i] / every[i - 1];
    if (ratio > best.ratio) {
      best.small = every[i - 1];
      best.big = every[i];
      best.ratio = ratio;
    }
  }
  if (best.ratio < options.min_ratio || best.ratio < best.min_inner + kPoints * best.stride) return std::nullopt;
  if (!mappable(p, best)) return std::nullopt;
  return best;
}

namespace {

// Writes into f, a copy of p (or of p folded before), p folded to `inner` iterations: only the
// steps, schedules and distances differ, so a copy is reused without allocating again.
void refold(const TileProgram& p, const FoldLevel& l, uint64_t inner, TileProgram& f) {
  if (inner < 2 * l.keep || inner > l.ratio) throw InternalError("fold: inner iterations out of range");
  auto at = [&](uint64_t x) {
    const auto y = map_step(x, l, inner);
    if (!y) throw InternalError("fold: a step index in the dropped part of the loop");
    return *y;
  };
  f.steps = at(p.steps - 1) + 1;
  for (size_t j = 0; j < p.body.size(); ++j) {
    const TileOp& op = p.body[j];
    TileOp& out = f.body[j];
    out.every = op.every > l.small ? static_cast<uint32_t>(op.every / l.big * inner * l.small) : op.every;
    out.phase = static_cast<uint32_t>(at(op.phase));
    out.last_step = op.last_step != UINT64_MAX ? at(op.last_step) : op.last_step;
    for (size_t k = 0; k < op.deps.size(); ++k) out.deps[k].distance = static_cast<uint32_t>(at(op.deps[k].distance));
  }
}

}  // namespace

TileProgram fold_program(const TileProgram& p, const FoldLevel& l, uint64_t inner) {
  TileProgram f = p;
  refold(p, l, inner, f);
  return f;
}

namespace {

// Inner iterations of the first folded evaluation: so that the full count is it plus whole strides.
uint64_t first_inner(const FoldLevel& l) { return l.min_inner + (l.ratio - l.min_inner) % l.stride; }

// p folded to inner(level) iterations with the first settings that can fold it (the folded
// program balanced too), and that level; nullopt when none can.
template <class Inner>
std::optional<std::pair<FoldLevel, TileProgram>> fold_with_first_settings(const TileProgram& p,
                                                                          const FoldOptions& options, Inner inner) {
  if (!balanced(p)) return std::nullopt;
  for (std::optional<FoldOptions> o = options; o; o = fold_retry(*o)) {
    const std::optional<FoldLevel> level = find_fold_level(p, *o);
    if (!level) continue;
    TileProgram folded = fold_program(p, *level, inner(*level));
    if (balanced(folded)) return std::make_pair(*level, std::move(folded));
  }
  return std::nullopt;
}

bool same_settings(const FoldLevel& l, const FoldOptions& o) {
  const FoldLevel s = settings_of(o);
  return l.keep == s.keep && l.min_inner == s.min_inner && l.stride == s.stride;
}

}  // namespace

uint64_t FoldedFirst::inner() const { return first_inner(level); }

std::optional<TileProgram> folded_sample(const TileProgram& p, const FoldOptions& options) {
  auto f = fold_with_first_settings(p, options, [](const FoldLevel& l) { return l.min_inner; });
  if (!f) return std::nullopt;
  return std::move(f->second);
}

bool first_folded(const TileProgram& p, FoldedFirst& first, const FoldOptions& options) {
  auto f = fold_with_first_settings(p, options, first_inner);
  if (!f) return false;
  first.level = f->first;
  first.program = std::move(f->second);
  return true;
}

namespace {

std::optional<TimingResult> evaluate_folded_once(const TileProgram& p, const ProgramEvaluator& evaluate,
                                                 const FoldOptions& options, FoldedFirst* first) {
  // The first evaluation, when made before with these settings, brings its level: not found again.
  const bool reuse = first && same_settings(first->level, options);
  const std::optional<FoldLevel> level = reuse ? std::optional<FoldLevel>(first->level) : find_fold_level(p, options);
  if (!level) return std::nullopt;
  const uint64_t stride = level->stride;
  const uint64_t m0 = first_inner(*level);
  std::array<TimingResult, kPoints> r;
  // Folded again for each evaluation: a copy of p, or the first evaluation's program.
  TileProgram folded = reuse ? std::move(first->program) : p;
  for (size_t i = 0; i < kPoints; ++i) {
    if (i == 0 && reuse) {
      r[0] = first->result;  // its program was checked to be balanced when it was made
      continue;
    }
    refold(p, *level, m0 + i * stride, folded);
    if (!balanced(folded)) return std::nullopt;
    r[i] = evaluate(folded);
  }
  // The four must lie on one line: the same extra cycles for every q inner iterations.
  auto series = [&](auto get) {
    std::array<uint64_t, kPoints> v{};
    for (size_t i = 0; i < kPoints; ++i) v[i] = get(r[i]);
    return v;
  };
  uint64_t d_cycles = 0;
  if (!affine(series([](const TimingResult& x) { return x.cycles; }), d_cycles)) return std::nullopt;
  for (size_t i = 1; i < kPoints; ++i) {
    if (r[i].units.size() != r[0].units.size() || r[i].buffers.size() != r[0].buffers.size()) return std::nullopt;
    for (size_t b = 0; b < r[0].buffers.size(); ++b)
      if (r[i].buffers[b].peak_bytes != r[0].buffers[b].peak_bytes) return std::nullopt;
  }
  const uint64_t n = (level->ratio - m0) / stride;  // strides from the first evaluation to the full loop
  TimingResult out;
  out.cycles = extend(r[0].cycles, d_cycles, n, "the total cycles");
  if (out.cycles > kMaxTotalCycles) {
    throw Error("the simulated time exceeds 2^63 cycles: the inputs are out of scale for a cycle count (a very "
                "low bandwidth at a high clock, or very large ranks); raise the bandwidth, lower the clock or "
                "shrink the workload");
  }
  for (size_t u = 0; u < p.units.size(); ++u) {
    UnitStats st;
    st.name = p.units[u].name;
    for (const TileOp& op : p.body) {
      if (op.unit != u) continue;
      const uint64_t k = p.instances(op);
      st.operations = checked_add(st.operations, k, kOperations);
      st.busy_cycles = extend(st.busy_cycles, op.cycles, k, kBusyCycles);
      st.useful_ops = extend(st.useful_ops, op.useful_ops, k, kUsefulOps);
    }
    if (st.busy_cycles == 0 || r[0].units[u].busy_cycles == 0) {
      st.idle_cycles = out.cycles;
    } else {
      uint64_t d_first = 0, d_last = 0;
      if (!affine(series([u](const TimingResult& x) { return x.units[u].first_start; }), d_first) ||
          !affine(series([u](const TimingResult& x) { return x.units[u].last_end; }), d_last))
        return std::nullopt;
      st.first_start = extend(r[0].units[u].first_start, d_first, n, "a unit's first start");
      st.last_end = extend(r[0].units[u].last_end, d_last, n, "a unit's last end");
      if (st.last_end < st.first_start || st.last_end > out.cycles) return std::nullopt;
      const uint64_t active = st.last_end - st.first_start;
      if (st.busy_cycles > active) return std::nullopt;  // a unit runs one operation at a time
      st.stall_cycles = active - std::min(active, st.busy_cycles);
      st.idle_cycles = out.cycles - active;
    }
    out.units.push_back(st);
  }
  for (const TileOp& op : p.body) {
    out.dram_read_bytes = extend(out.dram_read_bytes, op.dram_read_bytes, p.instances(op), kBytesRead);
    out.dram_write_bytes = extend(out.dram_write_bytes, op.dram_write_bytes, p.instances(op), kBytesWritten);
  }
  out.buffers = r[0].buffers;
  out.extrapolated = true;
  out.folded_iterations = level->ratio;
  for (const TimingResult& x : r) out.simulated_steps += x.simulated_steps;
  // The body's period and its cycles in the steady state of the outer loop, when the engine found one.
  // A steady state may span several outer iterations (the same number in all four).
  uint64_t d_period = 0, outer = 0;
  bool periodic = std::all_of(r.begin(), r.end(), [](const TimingResult& x) { return x.period_cycles > 0; }) &&
                  affine(series([](const TimingResult& x) { return x.period_cycles; }), d_period);
  for (size_t i = 0; i < kPoints && periodic; ++i) {
    // The folded program's own period (its operations' everys as refold sets them; nested: the largest).
    uint64_t folded_period = 1;
    for (const TileOp& op : p.body) {
      const uint64_t every = op.every > level->small ? op.every / level->big * (m0 + i * stride) * level->small : op.every;
      folded_period = std::max(folded_period, every);
    }
    const uint64_t k = r[i].period_steps / folded_period;
    if (r[i].period_steps % folded_period != 0 || (i > 0 && k != outer)) periodic = false;
    outer = k;
  }
  uint64_t period = 1;
  for (const TileOp& op : p.body) period = std::max<uint64_t>(period, op.every);  // nested: the largest
  out.period_steps = periodic ? outer * period : period;
  out.period_cycles = periodic ? extend(r[0].period_cycles, d_period, n, "the cycles of a period") : 0;
  return out;
}

}  // namespace

std::optional<TimingResult> evaluate_folded(const TileProgram& p, const ProgramEvaluator& evaluate,
                                            const FoldOptions& options, FoldedFirst* first) {
  if (!balanced(p)) return std::nullopt;
  for (std::optional<FoldOptions> o = options; o; o = fold_retry(*o))
    if (std::optional<TimingResult> r = evaluate_folded_once(p, evaluate, *o, first)) return r;
  return std::nullopt;
}

}  // namespace einsim
