#pragma once
// The SystemC modules of the Detailed fidelity: one SystolicPe per processing
// element, the SRAM-side SystolicFeeder, the SystolicDrain below the array, and
// SystolicArrayTop that owns them, the clock and the signals between them.
//
// Timing convention (every process runs on the rising clock edge): a process
// running at edge e reads what was written at edge e - 1 and does the work of
// cycle e - 1, its results being visible in cycle e. The feeder writes row c of
// the demand matrices at edge c, so PE(0, 0) uses it in cycle c; one hop to a
// neighbour costs one cycle.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <systemc>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/detailed/detailed_systolic.hpp"
#include "sim/engine/gemm_values.hpp"

namespace einsim::detailed {

// The folds of a GEMM on the array as the demand matrices lay them out.
struct FoldPlan {
  Dataflow dataflow = Dataflow::weight_stationary;
  int64_t rows = 1, cols = 1;  // R, C
  GemmShape gemm;
  int64_t sr = 1, sc = 1, t = 1;  // SCALE-Sim's Sr, Sc, T
  int64_t row_folds = 1, col_folds = 1, folds = 1;
  int64_t fold_rows = 0;         // rows of one fold's demand matrices
  int64_t expected_outputs = 0;  // values the drain must collect

  explicit FoldPlan(const DetailedConfig& c);
  int64_t row_fold(int64_t f) const { return f % row_folds; }
  int64_t col_fold(int64_t f) const { return f / row_folds; }
  int64_t rows_used(int64_t f) const { return std::min(rows, sr - row_fold(f) * rows); }
  int64_t cols_used(int64_t f) const { return std::min(cols, sc - col_fold(f) * cols); }
};

// What the processes observe: MACs per fold, collected outputs, the first inconsistency.
struct ArrayMonitor {
  const FoldPlan* plan = nullptr;
  std::vector<DetailedFold> folds;
  int64_t outputs = 0;
  int64_t last_output_cycle = -1;
  int64_t fed_cycles = 0;  // demand rows the feeder has issued
  bool feeding_done = false;
  std::string error;  // the first departure from the demand matrices

  void on_mac(int64_t cycle) {
    if (cycle != mac_cycle_) {  // the PEs of one clock edge report the same cycle: one division
      const int64_t f = cycle / plan->fold_rows;
      mac_cycle_ = cycle;
      mac_fold_ = f < plan->folds ? &folds[static_cast<size_t>(f)] : nullptr;
    }
    if (!mac_fold_) {
      fail_mac_after_last_fold();
      return;
    }
    DetailedFold& d = *mac_fold_;
    if (d.macs++ == 0) d.first_mac_cycle = cycle;
    d.last_mac_cycle = cycle;
  }
  void fail(const std::string& what) {
    if (error.empty()) error = what;
  }
  bool done() const { return feeding_done && outputs == plan->expected_outputs; }

 private:
  void fail_mac_after_last_fold();  // out of line: keeps on_mac small enough to inline

  int64_t mac_cycle_ = std::numeric_limits<int64_t>::min();  // the cycle mac_fold_ belongs to
  DetailedFold* mac_fold_ = nullptr;                         // folds must not be resized meanwhile
};

// What moves between neighbours in a cycle: operands with their valid flags and partial sums
// (with the os tag). Each field behaves as a signal of its own would: a writer takes a new
// field value only when it differs (==) from the one held (update_from), so a reader sees
// exactly what separate signals would show (-0 written over +0 leaves +0, for one).
struct Operand {
  double value = 0.0;
  bool valid = false;

  // Takes o's fields that differ from ours; true if any did (the signal must be written).
  bool update_from(const Operand& o) {
    bool changed = false;
    if (value != o.value) value = o.value, changed = true;
    if (valid != o.valid) valid = o.valid, changed = true;
    return changed;
  }
  bool operator==(const Operand& o) const { return value == o.value && valid == o.valid; }
};

struct PartialSum {
  double value = 0.0;
  bool valid = false;
  int64_t tag = 0;  // os: which result the psum chain carries

  bool update_from(const PartialSum& o) {
    bool changed = false;
    if (value != o.value) value = o.value, changed = true;
    if (valid != o.valid) valid = o.valid, changed = true;
    if (tag != o.tag) tag = o.tag, changed = true;
    return changed;
  }
  bool operator==(const PartialSum& o) const { return value == o.value && valid == o.valid && tag == o.tag; }
};

// A PE's output registers: one signal per PE, read by its right neighbour (a) and the one
// below (v, psum), so a PE writes one signal a cycle (when a field changed), not seven. The
// feeder drives the same bundle on the left edge (a) and the top edge (v; psum stays invalid).
struct PeOutputs {
  Operand a;        // to the right
  Operand v;        // down: os weights, ws/is stationary load chain
  PartialSum psum;  // down

  bool update_from(const PeOutputs& o) {
    const bool a_changed = a.update_from(o.a);
    const bool v_changed = v.update_from(o.v);
    const bool psum_changed = psum.update_from(o.psum);
    return a_changed || v_changed || psum_changed;
  }
  bool operator==(const PeOutputs& o) const { return a == o.a && v == o.v && psum == o.psum; }
};

// sc_signal prints its value (sc_object::print); ports trace it field by field (NAME.a.value, ...).
std::ostream& operator<<(std::ostream& os, const PeOutputs& o);
void sc_trace(sc_core::sc_trace_file* tf, const PeOutputs& o, const std::string& name);

// The signal type between modules. Each has exactly one writer by construction (the array's
// wiring), so it skips SystemC's per-write writer check; the class is final so that calls
// through a Link pointer are direct (see LinkReader and LinkWriter).
template <class T>
class Link final : public sc_core::sc_signal<T, sc_core::SC_UNCHECKED_WRITERS> {
 public:
  using sc_core::sc_signal<T, sc_core::SC_UNCHECKED_WRITERS>::sc_signal;
};

// The modules are wired with ports; once elaboration has bound them, each process reads and
// writes the bound signals through these (resolved in end_of_elaboration), which skips the
// port's indirection and virtual call on every access and keeps a PE's per-cycle state in a
// few adjacent words instead of one cache line per port object.
template <class T>
Link<T>* bound_link(sc_core::sc_port_base& port) {
  auto* link = dynamic_cast<Link<T>*>(port.get_interface());
  if (!link) throw InternalError(std::string("detailed fidelity: ") + port.name() + " is not bound to a link signal");
  return link;
}

template <class T>
class LinkReader {
 public:
  void resolve(sc_core::sc_in<T>& port) { link_ = bound_link<T>(port); }
  const T& read() const { return link_->read(); }

 private:
  const Link<T>* link_ = nullptr;
};

// Keeps a copy of what its signal holds and writes the signal only when a field changes: in
// most cycles most fields change nothing (idle PEs, constant valid flags). Either drive(next),
// or update fields of held() with update_from and write() if any changed.
template <class T>
class LinkWriter {
 public:
  void resolve(sc_core::sc_out<T>& port) { link_ = bound_link<T>(port); }
  void drive(const T& next) {
    if (held_.update_from(next)) write();
  }
  T& held() { return held_; }
  void write() { link_->write(held_); }

 private:
  Link<T>* link_ = nullptr;
  T held_;
};

// How a PE treats its operands.
enum class PeRole { output_stationary, weight_stationary, input_stationary };

// One processing element. os: accumulates a x v and queues finished results on the psum
// chain; ws/is: holds a stationary operand shifted in on the v chain while load_in is high
// and adds a x stationary to the psum from above (or passes it through when idle). a comes
// from the left neighbour's outputs (left_in), v and psum from the upper one's (up_in).
class SystolicPe : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk_in{"clk_in"};
  sc_core::sc_in<PeOutputs> left_in{"left_in"};  // .a: the streaming operand
  sc_core::sc_in<PeOutputs> up_in{"up_in"};      // .v, .psum
  sc_core::sc_in<bool> load_in{"load_in"};       // ws/is: shift the stationary chain this cycle
  sc_core::sc_out<PeOutputs> out{"out"};

  SC_HAS_PROCESS(SystolicPe);
  SystolicPe(sc_core::sc_module_name name, PeRole role, int64_t row, const FoldPlan& plan, const PeKind& kind,
             bool values, ArrayMonitor& monitor);

  const GemmArithmetic& arith() const { return arith_; }

 private:
  void end_of_elaboration() override;
  void on_clock();
  void step_output_stationary(int64_t cycle);
  void step_stationary(int64_t cycle);

  struct Token {
    double value;
    int64_t tag;
  };
  // What a clock edge touches, together: the bound signals, the state, the arithmetic.
  LinkReader<PeOutputs> left_;
  LinkReader<PeOutputs> up_;
  LinkReader<bool> load_;
  LinkWriter<PeOutputs> out_;
  PeRole role_;
  bool values_;
  bool stationary_valid_ = false;  // ws, is
  double stationary_ = 0.0;
  int64_t edge_ = 0;
  ArrayMonitor& monitor_;
  GemmArithmetic arith_;
  // os
  int64_t row_;
  int64_t rows_;
  int64_t t_;
  double acc_ = 0.0;
  int64_t count_ = 0;
  std::deque<Token> queue_;
};

// The SRAM side: writes one row of the ifmap and filter demand matrices per cycle onto the
// left edge (a) and the top edge (v, load) of the array.
class SystolicFeeder : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk_in{"clk_in"};
  sc_core::sc_vector<sc_core::sc_out<PeOutputs>> a_out{"a_out"};  // .a into row i
  sc_core::sc_vector<sc_core::sc_out<PeOutputs>> v_out{"v_out"};  // .v into column j
  sc_core::sc_vector<sc_core::sc_out<bool>> load_out{"load_out"};

  SC_HAS_PROCESS(SystolicFeeder);
  SystolicFeeder(sc_core::sc_module_name name, const FoldPlan& plan, const DetailedConfig& config,
                 ArrayMonitor& monitor);

 private:
  void end_of_elaboration() override;
  void on_clock();
  double in_at(int64_t m, int64_t k) const {
    return values_ ? (*in_)[static_cast<size_t>(m * plan_.gemm.k + k)] : 0.0;
  }
  double w_at(int64_t k, int64_t n) const {
    return values_ ? (*w_)[static_cast<size_t>(k * plan_.gemm.n + n)] : 0.0;
  }

  void drive_a(size_t i, bool valid, double value);
  void drive_v(size_t j, bool valid, double value);

  std::vector<LinkWriter<PeOutputs>> a_next_;  // a_out's signals
  std::vector<LinkWriter<PeOutputs>> v_next_;  // v_out's signals
  const FoldPlan& plan_;
  const std::vector<double>* in_;
  const std::vector<double>* w_;
  bool values_;
  ArrayMonitor& monitor_;
  int64_t edge_ = 0;
};

// Below the array: takes what leaves the bottom row, checks it against the ofmap demand
// (ws, is) or the expected completion cycle (os), and accumulates partial sums of row folds.
class SystolicDrain : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk_in{"clk_in"};
  sc_core::sc_vector<sc_core::sc_in<PeOutputs>> psum_in{"psum_in"};  // the bottom row's outputs (.psum)

  SC_HAS_PROCESS(SystolicDrain);
  SystolicDrain(sc_core::sc_module_name name, const FoldPlan& plan, const PeKind& kind, bool values,
                ArrayMonitor& monitor);

  std::vector<double>& out() { return out_; }

 private:
  void end_of_elaboration() override;
  void on_clock();
  void take(int64_t cycle, int64_t col, double value, int64_t tag);

  std::vector<LinkReader<PeOutputs>> psum_;  // psum_in's signals
  const FoldPlan& plan_;
  bool values_;
  GemmArithmetic arith_;  // the output accumulator's add
  ArrayMonitor& monitor_;
  std::vector<double> out_;
  int64_t edge_ = 0;
};

// The whole array: clock, feeder, R x C PEs, drain and the signals between neighbours.
class SystolicArrayTop : public sc_core::sc_module {
 public:
  SystolicArrayTop(sc_core::sc_module_name name, const DetailedConfig& config, const FoldPlan& plan,
                   ArrayMonitor& monitor);
  ~SystolicArrayTop() override;

  // Adds the clock and the signals of the top-left side x side PEs to a trace file.
  void trace_corner(sc_core::sc_trace_file* tf, int64_t side);
  SystolicDrain& drain() { return *drain_; }
  const std::vector<std::unique_ptr<SystolicPe>>& pes() const { return pes_; }

 private:
  template <class T>
  using Signals = std::vector<std::unique_ptr<Link<T>>>;
  template <class T>
  static Signals<T> make_signals(const char* base, int64_t count);

  int64_t rows_, cols_;
  sc_core::sc_clock clk_;
  Signals<PeOutputs> left_;  // [i]: the feeder's operands into row i (.a)
  Signals<PeOutputs> top_;   // [j]: the feeder's operands into column j (.v)
  Signals<PeOutputs> out_;   // [i * C + j]: PE(i, j)'s outputs
  Signals<bool> load_;  // one per column
  std::unique_ptr<SystolicFeeder> feeder_;
  std::vector<std::unique_ptr<SystolicPe>> pes_;
  std::unique_ptr<SystolicDrain> drain_;
};

}  // namespace einsim::detailed
