#include "sim/detailed/systolic_modules.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::detailed {

std::ostream& operator<<(std::ostream& os, const PeOutputs& o) {
  auto operand = [&os](const char* name, bool valid, double value) -> std::ostream& {
    return os << name << (valid ? " " : " (invalid) ") << value;
  };
  operand("a", o.a.valid, o.a.value) << ", ";
  operand("v", o.v.valid, o.v.value) << ", ";
  return operand("psum", o.psum.valid, o.psum.value) << " tag " << o.psum.tag;
}

void sc_trace(sc_core::sc_trace_file* tf, const PeOutputs& o, const std::string& name) {
  sc_core::sc_trace(tf, o.a.value, name + ".a.value");
  sc_core::sc_trace(tf, o.a.valid, name + ".a.valid");
  sc_core::sc_trace(tf, o.v.value, name + ".v.value");
  sc_core::sc_trace(tf, o.v.valid, name + ".v.valid");
  sc_core::sc_trace(tf, o.psum.value, name + ".psum.value");
  sc_core::sc_trace(tf, o.psum.valid, name + ".psum.valid");
  sc_core::sc_trace(tf, o.psum.tag, name + ".psum.tag");
}

FoldPlan::FoldPlan(const DetailedConfig& c) : dataflow(c.dataflow), rows(c.rows), cols(c.cols), gemm(c.gemm) {
  const SystolicMapping map = map_gemm(dataflow, gemm);
  sr = map.sr;
  sc = map.sc;
  t = map.t;
  row_folds = (sr + rows - 1) / rows;
  col_folds = (sc + cols - 1) / cols;
  folds = row_folds * col_folds;
  // One fold's demand matrices, built as SCALE-Sim builds them:
  //   os: T rows of operands, C - 1 (ifmap) or R - 1 (filter) rows of drain gap, then the
  //       skew adds R - 1 (ifmap, over R rows) or C - 1 (filter, over C columns) rows;
  //   ws, is: R rows to load the stationary operand, T rows of streaming operand, C - 1
  //       rows to drain, then the skew of the streaming operand over R rows adds R - 1.
  if (dataflow == Dataflow::output_stationary) {
    fold_rows = (t + (cols - 1)) + (rows - 1);
    expected_outputs = sr * sc;
  } else {
    fold_rows = (rows + t + (cols - 1)) + (rows - 1);
    expected_outputs = t * sc * row_folds;  // one partial sum per row fold
  }
}

void ArrayMonitor::fail_mac_after_last_fold() { fail("a MAC after the last fold"); }

// ---------------------------------------------------------------------------------------------

SystolicPe::SystolicPe(sc_core::sc_module_name name, PeRole role, int64_t row, const FoldPlan& plan,
                       const PeKind& kind, bool values, ArrayMonitor& monitor)
    : sc_core::sc_module(name),
      role_(role),
      values_(values),
      monitor_(monitor),
      arith_(kind),
      row_(row),
      rows_(plan.rows),
      t_(plan.t) {
  SC_METHOD(on_clock);
  sensitive << clk_in.pos();
  dont_initialize();
}

void SystolicPe::end_of_elaboration() {
  left_.resolve(left_in);
  up_.resolve(up_in);
  load_.resolve(load_in);
  out_.resolve(out);
}

void SystolicPe::on_clock() {
  const int64_t cycle = edge_++ - 1;  // the cycle whose inputs are on the ports
  if (role_ == PeRole::output_stationary) {
    step_output_stationary(cycle);
  } else {
    step_stationary(cycle);
  }
}

void SystolicPe::step_output_stationary(int64_t cycle) {
  const Operand& a = left_.read().a;
  const Operand& b = up_.read().v;
  PeOutputs& out = out_.held();
  bool changed = out.a.update_from(a);
  changed |= out.v.update_from(b);
  if (a.valid && b.valid) {
    // The first MAC of a result starts from zero; after T MACs the result is final.
    acc_ = values_ ? arith_.mac(a.value, b.value, count_ == 0 ? 0.0 : acc_) : 0.0;
    monitor_.on_mac(cycle);
    if (++count_ == t_) {
      queue_.push_back({acc_, cycle * rows_ + row_});
      count_ = 0;
    }
  }
  const PartialSum& p = up_.read().psum;
  if (p.valid) queue_.push_back({p.value, p.tag});
  if (!queue_.empty()) {
    changed |= out.psum.update_from({queue_.front().value, true, queue_.front().tag});
    queue_.pop_front();
  } else {
    changed |= out.psum.update_from({out.psum.value, false, out.psum.tag});
  }
  if (changed) out_.write();
}

void SystolicPe::step_stationary(int64_t cycle) {
  const PeOutputs& up = up_.read();
  PeOutputs& out = out_.held();
  bool changed = false;
  if (load_.read()) {
    // Shift register: take the value above, hand ours (as it was) to the PE below.
    stationary_ = up.v.value;
    stationary_valid_ = up.v.valid;
    changed = out.v.update_from(up.v);
  }
  const Operand& a = left_.read().a;
  changed |= out.a.update_from(a);
  const PartialSum& p = up.psum;
  PartialSum psum = out.psum;  // the tag is not used: it stays as it is
  if (a.valid && stationary_valid_) {
    const double in = p.valid ? p.value : 0.0;
    double r = 0.0;
    if (values_) {
      r = role_ == PeRole::weight_stationary ? arith_.mac(a.value, stationary_, in)
                                             : arith_.mac(stationary_, a.value, in);
    }
    psum.value = r;
    psum.valid = true;
    monitor_.on_mac(cycle);
  } else if (p.valid) {
    psum.value = p.value;
    psum.valid = true;
  } else {
    psum.valid = false;
  }
  changed |= out.psum.update_from(psum);
  if (changed) out_.write();
}

// ---------------------------------------------------------------------------------------------

SystolicFeeder::SystolicFeeder(sc_core::sc_module_name name, const FoldPlan& plan,
                               const DetailedConfig& config, ArrayMonitor& monitor)
    : sc_core::sc_module(name),
      plan_(plan),
      in_(&config.in),
      w_(&config.w),
      values_(config.values),
      monitor_(monitor) {
  a_out.init(static_cast<size_t>(plan.rows));
  v_out.init(static_cast<size_t>(plan.cols));
  load_out.init(static_cast<size_t>(plan.cols));
  SC_METHOD(on_clock);
  sensitive << clk_in.pos();
  dont_initialize();
}

void SystolicFeeder::end_of_elaboration() {
  a_next_.resize(a_out.size());
  for (size_t i = 0; i < a_out.size(); ++i) a_next_[i].resolve(a_out[i]);
  v_next_.resize(v_out.size());
  for (size_t j = 0; j < v_out.size(); ++j) v_next_[j].resolve(v_out[j]);
}

void SystolicFeeder::drive_a(size_t i, bool valid, double value) {
  LinkWriter<PeOutputs>& w = a_next_[i];
  PeOutputs next = w.held();
  next.a = {valid ? value : next.a.value, valid};  // an invalid slot keeps the last value
  w.drive(next);
}

void SystolicFeeder::drive_v(size_t j, bool valid, double value) {
  LinkWriter<PeOutputs>& w = v_next_[j];
  PeOutputs next = w.held();
  next.v = {valid ? value : next.v.value, valid};
  w.drive(next);
}

void SystolicFeeder::on_clock() {
  const int64_t cycle = edge_++;  // the demand row written now is used in this cycle
  const int64_t R = plan_.rows, C = plan_.cols, T = plan_.t;
  const int64_t f = cycle / plan_.fold_rows;
  if (f >= plan_.folds) {
    for (size_t i = 0; i < a_next_.size(); ++i) drive_a(i, false, 0.0);
    for (size_t j = 0; j < v_next_.size(); ++j) drive_v(j, false, 0.0);
    for (auto& p : load_out) p.write(false);
    monitor_.feeding_done = true;
    return;
  }
  monitor_.fed_cycles = cycle + 1;
  const int64_t l = cycle - f * plan_.fold_rows;  // row within the fold's demand matrices
  const int64_t rf = plan_.row_fold(f), cf = plan_.col_fold(f);
  const int64_t rows_used = plan_.rows_used(f), cols_used = plan_.cols_used(f);
  switch (plan_.dataflow) {
    case Dataflow::output_stationary:
      // ifmap demand: in[rf R + i][k] on row i at k + i; filter: w[k][cf C + j] on column j at k + j.
      for (int64_t i = 0; i < R; ++i) {
        const int64_t k = l - i;
        const bool valid = i < rows_used && k >= 0 && k < T;
        drive_a(static_cast<size_t>(i), valid, valid ? in_at(rf * R + i, k) : 0.0);
      }
      for (int64_t j = 0; j < C; ++j) {
        const int64_t k = l - j;
        const bool valid = j < cols_used && k >= 0 && k < T;
        drive_v(static_cast<size_t>(j), valid, valid ? w_at(k, cf * C + j) : 0.0);
      }
      break;
    case Dataflow::weight_stationary:
    case Dataflow::input_stationary: {
      const bool ws = plan_.dataflow == Dataflow::weight_stationary;
      // Stationary demand: R unskewed rows, the fold's bottom row (R - 1) first.
      const bool loading = l < R;
      for (int64_t j = 0; j < C; ++j) {
        auto idx = static_cast<size_t>(j);
        load_out[idx].write(loading);
        if (!loading) continue;
        const int64_t r = R - 1 - l;
        const bool valid = r < rows_used && j < cols_used;
        drive_v(idx, valid, !valid ? 0.0 : ws ? w_at(rf * R + r, cf * C + j) : in_at(cf * C + j, rf * R + r));
      }
      // Streaming demand: element t of array row i at R + t + i.
      for (int64_t i = 0; i < R; ++i) {
        const int64_t t = l - R - i;
        const bool valid = i < rows_used && t >= 0 && t < T;
        drive_a(static_cast<size_t>(i), valid, !valid ? 0.0 : ws ? in_at(t, rf * R + i) : w_at(rf * R + i, t));
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------

SystolicDrain::SystolicDrain(sc_core::sc_module_name name, const FoldPlan& plan, const PeKind& kind,
                             bool values, ArrayMonitor& monitor)
    : sc_core::sc_module(name), plan_(plan), values_(values), arith_(kind), monitor_(monitor) {
  psum_in.init(static_cast<size_t>(plan.cols));
  if (values) out_.assign(static_cast<size_t>(plan.gemm.m * plan.gemm.n), 0.0);
  SC_METHOD(on_clock);
  sensitive << clk_in.pos();
  dont_initialize();
}

void SystolicDrain::end_of_elaboration() {
  psum_.resize(psum_in.size());
  for (size_t j = 0; j < psum_in.size(); ++j) psum_[j].resolve(psum_in[j]);
}

void SystolicDrain::on_clock() {
  // Values on the bottom edge now were emitted by the bottom row in cycle edge - 2.
  const int64_t cycle = edge_++ - 2;
  for (int64_t j = 0; j < plan_.cols; ++j) {
    const PartialSum& p = psum_[static_cast<size_t>(j)].read().psum;
    if (p.valid) take(cycle, j, p.value, p.tag);
  }
}

void SystolicDrain::take(int64_t cycle, int64_t col, double value, int64_t tag) {
  const int64_t R = plan_.rows, C = plan_.cols, F = plan_.fold_rows;
  int64_t f = 0, m = 0, n = 0;
  if (plan_.dataflow == Dataflow::output_stationary) {
    // The tag names the PE row and the cycle of its last MAC, which must be T - 1 + i + j
    // into the fold (the skewed streams meet there).
    const int64_t i = tag % R, mac_cycle = tag / R;
    f = mac_cycle / F;
    if (f >= plan_.folds || mac_cycle != f * F + (plan_.t - 1) + i + col || i >= plan_.rows_used(f) ||
        col >= plan_.cols_used(f)) {
      monitor_.fail(
          fmt::format("os result of row {} column {} finished in cycle {}, not as the fold's skew says", i,
                      col, mac_cycle));
      return;
    }
    m = plan_.row_fold(f) * R + i;
    n = plan_.col_fold(f) * C + col;
  } else {
    // SCALE-Sim's ofmap demand: column j writes element t of the fold in row 2R - 1 + t + j.
    f = cycle / F;
    const int64_t t = cycle - f * F - (2 * R - 1) - col;
    if (f >= plan_.folds || t < 0 || t >= plan_.t || col >= plan_.cols_used(f)) {
      monitor_.fail(
          fmt::format("an output in column {} in cycle {}, where the ofmap demand has none", col, cycle));
      return;
    }
    const int64_t c = plan_.col_fold(f) * C + col;
    m = plan_.dataflow == Dataflow::weight_stationary ? t : c;
    n = plan_.dataflow == Dataflow::weight_stationary ? c : t;
  }
  ++monitor_.outputs;
  ++monitor_.folds[static_cast<size_t>(f)].outputs;
  monitor_.last_output_cycle = cycle;
  if (!values_) return;
  double& o = out_[static_cast<size_t>(m * plan_.gemm.n + n)];
  // Row folds (ws, is) add their partial sums in the output accumulator, in fold order.
  o = plan_.row_fold(f) == 0 || plan_.dataflow == Dataflow::output_stationary ? value
                                                                              : arith_.accumulate(o, value);
}

// ---------------------------------------------------------------------------------------------

template <class T>
SystolicArrayTop::Signals<T> SystolicArrayTop::make_signals(const char* base, int64_t count) {
  Signals<T> s;
  s.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    s.push_back(std::make_unique<Link<T>>(sc_core::sc_gen_unique_name(base)));
  }
  return s;
}

SystolicArrayTop::SystolicArrayTop(sc_core::sc_module_name name, const DetailedConfig& config,
                                   const FoldPlan& plan, ArrayMonitor& monitor)
    : sc_core::sc_module(name), rows_(plan.rows), cols_(plan.cols), clk_("clk", sc_core::sc_time(static_cast<double>(detailed_clock_period_ps(config.clock_hz)), sc_core::SC_PS)) {
  const int64_t R = rows_, C = cols_;
  left_ = make_signals<PeOutputs>("left", R);
  top_ = make_signals<PeOutputs>("top", C);
  out_ = make_signals<PeOutputs>("out", R * C);
  load_ = make_signals<bool>("load", C);

  const std::optional<PeKind> kind = parse_pe_kind(config.pe_kind);
  const PeRole role = plan.dataflow == Dataflow::output_stationary   ? PeRole::output_stationary
                      : plan.dataflow == Dataflow::weight_stationary ? PeRole::weight_stationary
                                                                     : PeRole::input_stationary;
  auto at = [&](int64_t i, int64_t j) { return static_cast<size_t>(i * C + j); };

  feeder_ = std::make_unique<SystolicFeeder>("feeder", plan, config, monitor);
  feeder_->clk_in(clk_);
  for (int64_t i = 0; i < R; ++i) {
    feeder_->a_out[static_cast<size_t>(i)](*left_[static_cast<size_t>(i)]);
  }
  for (int64_t j = 0; j < C; ++j) {
    feeder_->v_out[static_cast<size_t>(j)](*top_[static_cast<size_t>(j)]);
    feeder_->load_out[static_cast<size_t>(j)](*load_[static_cast<size_t>(j)]);
  }

  pes_.reserve(static_cast<size_t>(R * C));
  for (int64_t i = 0; i < R; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      auto pe = std::make_unique<SystolicPe>(fmt::format("pe_{}_{}", i, j).c_str(), role, i, plan, *kind,
                                             config.values, monitor);
      pe->clk_in(clk_);
      pe->left_in(j == 0 ? *left_[static_cast<size_t>(i)] : *out_[at(i, j - 1)]);
      pe->up_in(i == 0 ? *top_[static_cast<size_t>(j)] : *out_[at(i - 1, j)]);
      pe->load_in(*load_[static_cast<size_t>(j)]);
      pe->out(*out_[at(i, j)]);
      pes_.push_back(std::move(pe));
    }
  }

  drain_ = std::make_unique<SystolicDrain>("drain", plan, *kind, config.values, monitor);
  drain_->clk_in(clk_);
  for (int64_t j = 0; j < C; ++j) {
    drain_->psum_in[static_cast<size_t>(j)](*out_[at(R - 1, j)]);
  }
}

// SystemC's registries find an object to remove by a linear search (the port registry from
// its last entry): destroying the array in the reverse order of construction keeps those
// searches short. In member order, PE by PE from the first, the teardown of a 256 x 256
// array took longer than its simulation.
SystolicArrayTop::~SystolicArrayTop() {
  drain_.reset();
  while (!pes_.empty()) pes_.pop_back();
  feeder_.reset();
}

void SystolicArrayTop::trace_corner(sc_core::sc_trace_file* tf, int64_t side) {
  sc_core::sc_trace(tf, clk_, "clk");
  const int64_t R = std::min(rows_, side), C = std::min(cols_, side);
  for (int64_t j = 0; j < C; ++j)
    sc_core::sc_trace(tf, *load_[static_cast<size_t>(j)], fmt::format("load_{}", j));
  for (int64_t i = 0; i < R; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      const std::string pe = fmt::format("pe_{}_{}.", i, j);
      // The output fields traced as the separate signals they stand for: the trace file
      // samples the signal's current value, which read() returns by reference.
      const PeOutputs& o = out_[static_cast<size_t>(i * cols_ + j)]->read();
      sc_core::sc_trace(tf, o.a.value, pe + "a_out");
      sc_core::sc_trace(tf, o.a.valid, pe + "a_valid_out");
      sc_core::sc_trace(tf, o.v.value, pe + "v_out");
      sc_core::sc_trace(tf, o.v.valid, pe + "v_valid_out");
      sc_core::sc_trace(tf, o.psum.value, pe + "psum_out");
      sc_core::sc_trace(tf, o.psum.valid, pe + "psum_valid_out");
    }
  }
}

}  // namespace einsim::detailed
