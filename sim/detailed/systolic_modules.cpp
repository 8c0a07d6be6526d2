#include "sim/detailed/systolic_modules.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::detailed {

std::ostream& operator<<(std::ostream& os, const Operand& o) {
  return os << (o.valid ? "" : "(invalid) ") << o.value;
}

std::ostream& operator<<(std::ostream& os, const PartialSum& p) {
  return os << (p.valid ? "" : "(invalid) ") << p.value << " tag " << p.tag;
}

void sc_trace(sc_core::sc_trace_file* tf, const Operand& o, const std::string& name) {
  sc_core::sc_trace(tf, o.value, name + ".value");
  sc_core::sc_trace(tf, o.valid, name + ".valid");
}

void sc_trace(sc_core::sc_trace_file* tf, const PartialSum& p, const std::string& name) {
  sc_core::sc_trace(tf, p.value, name + ".value");
  sc_core::sc_trace(tf, p.valid, name + ".valid");
  sc_core::sc_trace(tf, p.tag, name + ".tag");
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
  a_.resolve(a_in);
  v_.resolve(v_in);
  load_.resolve(load_in);
  psum_.resolve(psum_in);
  a_next_.resolve(a_out);
  v_next_.resolve(v_out);
  psum_next_.resolve(psum_out);
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
  const Operand& a = a_.read();
  const Operand& b = v_.read();
  a_next_.drive(a);
  v_next_.drive(b);
  if (a.valid && b.valid) {
    // The first MAC of a result starts from zero; after T MACs the result is final.
    acc_ = values_ ? arith_.mac(a.value, b.value, count_ == 0 ? 0.0 : acc_) : 0.0;
    monitor_.on_mac(cycle);
    if (++count_ == t_) {
      queue_.push_back({acc_, cycle * rows_ + row_});
      count_ = 0;
    }
  }
  const PartialSum& p = psum_.read();
  if (p.valid) queue_.push_back({p.value, p.tag});
  PartialSum next = psum_next_.held();
  if (!queue_.empty()) {
    next = {queue_.front().value, true, queue_.front().tag};
    queue_.pop_front();
  } else {
    next.valid = false;
  }
  psum_next_.drive(next);
}

void SystolicPe::step_stationary(int64_t cycle) {
  if (load_.read()) {
    // Shift register: take the value above, hand ours (as it was) to the PE below.
    const Operand& v = v_.read();
    stationary_ = v.value;
    stationary_valid_ = v.valid;
    v_next_.drive(v);
  }
  const Operand& a = a_.read();
  a_next_.drive(a);
  const PartialSum& p = psum_.read();
  PartialSum next = psum_next_.held();  // the tag is not used: it stays as it is
  if (a.valid && stationary_valid_) {
    const double in = p.valid ? p.value : 0.0;
    double r = 0.0;
    if (values_) {
      r = role_ == PeRole::weight_stationary ? arith_.mac(a.value, stationary_, in)
                                             : arith_.mac(stationary_, a.value, in);
    }
    next.value = r;
    next.valid = true;
    monitor_.on_mac(cycle);
  } else if (p.valid) {
    next.value = p.value;
    next.valid = true;
  } else {
    next.valid = false;
  }
  psum_next_.drive(next);
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

void SystolicFeeder::on_clock() {
  const int64_t cycle = edge_++;  // the demand row written now is used in this cycle
  const int64_t R = plan_.rows, C = plan_.cols, T = plan_.t;
  const int64_t f = cycle / plan_.fold_rows;
  if (f >= plan_.folds) {
    for (auto& p : a_next_) p.drive({p.held().value, false});
    for (auto& p : v_next_) p.drive({p.held().value, false});
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
        LinkWriter<Operand>& out = a_next_[static_cast<size_t>(i)];
        out.drive({valid ? in_at(rf * R + i, k) : out.held().value, valid});
      }
      for (int64_t j = 0; j < C; ++j) {
        const int64_t k = l - j;
        const bool valid = j < cols_used && k >= 0 && k < T;
        LinkWriter<Operand>& out = v_next_[static_cast<size_t>(j)];
        out.drive({valid ? w_at(k, cf * C + j) : out.held().value, valid});
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
        LinkWriter<Operand>& out = v_next_[idx];
        out.drive(
            {valid ? (ws ? w_at(rf * R + r, cf * C + j) : in_at(cf * C + j, rf * R + r)) : out.held().value, valid});
      }
      // Streaming demand: element t of array row i at R + t + i.
      for (int64_t i = 0; i < R; ++i) {
        const int64_t t = l - R - i;
        const bool valid = i < rows_used && t >= 0 && t < T;
        LinkWriter<Operand>& out = a_next_[static_cast<size_t>(i)];
        out.drive({valid ? (ws ? in_at(t, rf * R + i) : w_at(rf * R + i, t)) : out.held().value, valid});
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
    const PartialSum& p = psum_[static_cast<size_t>(j)].read();
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
    : sc_core::sc_module(name), rows_(plan.rows), cols_(plan.cols), clk_("clk", 1, sc_core::SC_NS) {
  const int64_t R = rows_, C = cols_;
  a_ = make_signals<Operand>("a", R * (C + 1));
  v_ = make_signals<Operand>("v", (R + 1) * C);
  psum_ = make_signals<PartialSum>("psum", (R + 1) * C);
  load_ = make_signals<bool>("load", C);

  const std::optional<PeKind> kind = parse_pe_kind(config.pe_kind);
  const PeRole role = plan.dataflow == Dataflow::output_stationary   ? PeRole::output_stationary
                      : plan.dataflow == Dataflow::weight_stationary ? PeRole::weight_stationary
                                                                     : PeRole::input_stationary;
  auto at_a = [&](int64_t i, int64_t j) { return static_cast<size_t>(i * (C + 1) + j); };
  auto at_v = [&](int64_t i, int64_t j) { return static_cast<size_t>(i * C + j); };

  feeder_ = std::make_unique<SystolicFeeder>("feeder", plan, config, monitor);
  feeder_->clk_in(clk_);
  for (int64_t i = 0; i < R; ++i) {
    feeder_->a_out[static_cast<size_t>(i)](*a_[at_a(i, 0)]);
  }
  for (int64_t j = 0; j < C; ++j) {
    feeder_->v_out[static_cast<size_t>(j)](*v_[at_v(0, j)]);
    feeder_->load_out[static_cast<size_t>(j)](*load_[static_cast<size_t>(j)]);
  }

  pes_.reserve(static_cast<size_t>(R * C));
  for (int64_t i = 0; i < R; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      auto pe = std::make_unique<SystolicPe>(fmt::format("pe_{}_{}", i, j).c_str(), role, i, plan, *kind,
                                             config.values, monitor);
      pe->clk_in(clk_);
      pe->a_in(*a_[at_a(i, j)]);
      pe->a_out(*a_[at_a(i, j + 1)]);
      pe->v_in(*v_[at_v(i, j)]);
      pe->v_out(*v_[at_v(i + 1, j)]);
      pe->load_in(*load_[static_cast<size_t>(j)]);
      pe->psum_in(*psum_[at_v(i, j)]);
      pe->psum_out(*psum_[at_v(i + 1, j)]);
      pes_.push_back(std::move(pe));
    }
  }

  drain_ = std::make_unique<SystolicDrain>("drain", plan, *kind, config.values, monitor);
  drain_->clk_in(clk_);
  for (int64_t j = 0; j < C; ++j) {
    drain_->psum_in[static_cast<size_t>(j)](*psum_[at_v(R, j)]);
  }
}

SystolicArrayTop::~SystolicArrayTop() = default;

void SystolicArrayTop::trace_corner(sc_core::sc_trace_file* tf, int64_t side) {
  sc_core::sc_trace(tf, clk_, "clk");
  const int64_t R = std::min(rows_, side), C = std::min(cols_, side);
  for (int64_t j = 0; j < C; ++j)
    sc_core::sc_trace(tf, *load_[static_cast<size_t>(j)], fmt::format("load_{}", j));
  for (int64_t i = 0; i < R; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      const std::string pe = fmt::format("pe_{}_{}.", i, j);
      const auto a = static_cast<size_t>(i * (cols_ + 1) + j + 1);
      const auto v = static_cast<size_t>((i + 1) * cols_ + j);
      // A link's fields traced as the separate signals they stand for: the trace file
      // samples the signal's current value, which read() returns by reference.
      sc_core::sc_trace(tf, a_[a]->read().value, pe + "a_out");
      sc_core::sc_trace(tf, a_[a]->read().valid, pe + "a_valid_out");
      sc_core::sc_trace(tf, v_[v]->read().value, pe + "v_out");
      sc_core::sc_trace(tf, v_[v]->read().valid, pe + "v_valid_out");
      sc_core::sc_trace(tf, psum_[v]->read().value, pe + "psum_out");
      sc_core::sc_trace(tf, psum_[v]->read().valid, pe + "psum_valid_out");
    }
  }
}

}  // namespace einsim::detailed
