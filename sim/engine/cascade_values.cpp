#include "sim/engine/cascade_values.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "arch/formats/codec.hpp"
#include "arch/formats/exact_ops.hpp"
#include "arch/pe/mix_pe.hpp"
#include "arch/pe/vector_pe.hpp"
#include "sim/core/error.hpp"
#include "sim/engine/gemm_values.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/evaluator.hpp"

namespace einsim {
namespace {

bool is_int(NumberFormat f) { return !format_info(f).is_float && f != NumberFormat::fp64; }
bool is_signed_int(NumberFormat f) { return is_int(f) && format_info(f).is_signed; }

double absmax(const std::vector<double>& v) {
  double m = 0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, std::fabs(x));
  return m;
}

// The scale of a signed integer format for values up to `amax` (an all-zero tensor gets 1).
double int_scale(NumberFormat f, double amax) { return amax > 0 ? amax / max_finite(f) : 1.0; }

// An integer in f's range: round(x / scale), clamped.
double to_int(NumberFormat f, double x, double scale) {
  return std::clamp(std::nearbyint(x / scale), lowest_finite(f), max_finite(f));
}

// The working format of operators that are not MACs: each result rounded once into it.
class Lane {
 public:
  Lane(NumberFormat f, ExpUnit exp) : f_(f), vec_(f, exp) {}
  NumberFormat format() const { return f_; }
  bool taylor() const { return exp_unit() == ExpUnit::taylor_on_mac; }

  double eval(const Expr& x, const std::vector<double>& in) {
    switch (x.kind) {
      case Expr::Kind::number:
        return quantize(f_, x.value);
      case Expr::Kind::access:
        return quantize(f_, in[static_cast<size_t>(x.access)]);  // operands enter the lane in its format
      case Expr::Kind::op:
        break;
    }
    const double a = eval(x.args[0], in);
    switch (x.op) {
      case Op::neg:
        return -a;
      case Op::abs:
        return std::fabs(a);
      case Op::relu:
        return a > 0 ? a : 0.0;
      case Op::exp:
        return exp_unit() == ExpUnit::taylor_on_mac ? vec_.taylor_exp(a) : quantize(f_, std::exp(a));
      case Op::sqrt:
        return quantize(f_, std::sqrt(a));
      case Op::gelu:
        return quantize(f_, 0.5 * a * (1.0 + std::erf(a / std::sqrt(2.0))));
      default:
        break;
    }
    const double b = eval(x.args[1], in);
    if (x.op == Op::dequant) return binary(Op::mul, binary(Op::sub, a, eval(x.args[2], in)), b);
    return binary(x.op, a, b);
  }

  // One step of a reduction: the binary operator it performs (sum -> add, ...).
  double reduce(ReduceOp r, double acc, double v) const { return binary(reduce_action(r), acc, v); }

 private:
  // A binary operator, rounded once into the lane format.
  double binary(Op op, double a, double b) const {
    switch (op) {
      case Op::add:
        return round_add(f_, a, b);
      case Op::sub:
        return round_add(f_, a, -b);
      case Op::mul:
      case Op::shift_add:
        return round_mul(f_, a, b);
      case Op::div:
        return round_div(f_, a, b);
      case Op::max:
        return max_of(a, b);
      case Op::min:
        return std::isnan(a) || std::isnan(b) ? std::nan("") : std::min(a, b);
      default:
        break;
    }
    throw InternalError("cascade values: unknown operator");
  }

  ExpUnit exp_unit() const { return vec_.exp_unit(); }
  NumberFormat f_;
  VectorPe vec_;
};

enum class Mode { mac, shift_add, elementwise };

// How one Einsum computes on its PE.
struct EinsumArith {
  Mode mode = Mode::elementwise;
  std::optional<Lane> lane;
  std::optional<GemmArithmetic> gemm;                                         // mac mode
  std::optional<MixPe> mix;                                                   // shift_add mode
  NumberFormat a_format = NumberFormat::fp64, b_format = NumberFormat::fp64;  // the PE's operand formats
  double a_scale = 1, b_scale = 1;  // integer operands: value = integer x scale
  bool in_group = false;            // shift_add: a group is open
  bool output_in_pe = false;        // the result keeps the PE's precision (EinsumPe)
};

class PeArithmetic : public EvalArithmetic {
 public:
  PeArithmetic(const EinsumCascade& c, const std::vector<EinsumPe>& pes, std::vector<std::string>& notes)
      : c_(c), scale_(c.tensors.size(), 0.0) {
    if (pes.size() != c.einsums.size()) throw InternalError("cascade values: one PE kind per Einsum");
    std::set<std::string> said;
    for (size_t e = 0; e < c.einsums.size(); ++e) {
      arith_.push_back(make(c.einsums[e], pes[e]));
      arith_.back().output_in_pe = pes[e].output_in_pe;
      const EinsumArith& a = arith_.back();
      const std::string& name = pes[e].kind.name;
      std::string what;
      if (a.mode == Mode::mac) {
        what = fmt::format("{} MACs ({} x {} into {})", name, format_name(a.gemm->in_format()),
                           format_name(a.gemm->w_format()), format_name(a.gemm->acc_format()));
      } else if (a.mode == Mode::shift_add) {
        what = fmt::format("{} shift-and-add", name);
      } else {
        what = fmt::format("{} operators in {}", name, format_name(a.lane->format()));
        const bool has_exp = std::any_of(c.einsums[e].map_ops.begin(), c.einsums[e].map_ops.end(),
                                         [](const auto& o) { return o.first == Op::exp && o.second > 0; });
        if (has_exp) what += a.lane->taylor() ? ", exp as a Taylor series" : ", exp on a dedicated unit";
      }
      if (a.output_in_pe) what += ", the result kept in the PEs";
      notes_by_what_[what].push_back(c.einsums[e].name);
    }
    for (const auto& [what, names] : notes_by_what_) {
      notes.push_back(fmt::format("values: {}: {}", fmt::join(names, " "), what));
    }
  }

  void input(const Tensor& t, std::vector<double>& data) override { store_tensor(t, data); }

  double init(const Tensor& t, double v) override {
    if (is_int(t.format)) return v;
    // Formats without infinities saturate an infinite initial value (a running max from -inf).
    return quantize(t.format, v, Rounding::nearest_even, has_infinity(t.format) ? Overflow::ieee : Overflow::saturate);
  }

  void begin(int e, const std::vector<const std::vector<double>*>& tensors) override {
    EinsumArith& a = arith_[static_cast<size_t>(e)];
    if (a.mode == Mode::elementwise) return;
    const Einsum& ein = c_.einsums[static_cast<size_t>(e)];
    a.a_scale = operand_scale(ein, 0, a.a_format, tensors);
    a.b_scale = operand_scale(ein, 1, a.b_format, tensors);
  }

  double point(int e, const std::vector<double>& in, double acc, bool first) override {
    EinsumArith& a = arith_[static_cast<size_t>(e)];
    const Einsum& ein = c_.einsums[static_cast<size_t>(e)];
    if (a.mode == Mode::elementwise) {
      const double v = a.lane->eval(ein.expr, in);
      if (ein.reduced_ranks.empty() || first) return v;
      return a.lane->reduce(ein.reduce, acc, v);
    }
    const double x = operand(a, ein, 0, in, a.a_format, a.a_scale);
    const double y = operand(a, ein, 1, in, a.b_format, a.b_scale);
    if (a.mode == Mode::mac) return a.gemm->mac(x, y, first ? 0.0 : acc);
    if (first) {
      if (a.in_group) throw InternalError("cascade values: a MixPE group was left open");
      a.in_group = true;
    } else if (!a.in_group) {
      throw Error(
          fmt::format("values: Einsum {} reduces over a rank it steps through; MixPE needs a group's "
                      "shift-and-adds in one run",
                      ein.name));
    }
    a.mix->step(x, static_cast<int32_t>(y));
    return 0.0;
  }

  double store(int e, double acc) override {
    EinsumArith& a = arith_[static_cast<size_t>(e)];
    const Tensor& out = c_.tensors[static_cast<size_t>(c_.einsums[static_cast<size_t>(e)].output.tensor)];
    double v = acc;
    if (a.mode == Mode::mac) {
      if (is_int(a.gemm->acc_format())) v = acc * a.a_scale * a.b_scale;
    } else if (a.mode == Mode::shift_add) {
      const double scale = (is_int(a.a_format) ? a.a_scale : 1.0) * a.b_scale;
      v = a.mix->finish_group(scale, 0, 0.0);
      a.in_group = false;
    }
    if (a.output_in_pe) return v;
    return is_int(out.format) ? v : quantize(out.format, v);
  }

  void finish(int e, std::vector<double>& data) override {
    if (arith_[static_cast<size_t>(e)].output_in_pe) return;
    store_tensor(c_.tensors[static_cast<size_t>(c_.einsums[static_cast<size_t>(e)].output.tensor)], data);
  }

 private:
  EinsumArith make(const Einsum& ein, const EinsumPe& epe) {
    const PeKind& pe = epe.kind;
    EinsumArith a;
    const bool mac_einsum = is_multiply_accumulate(ein) && ein.expr.args.size() == 2;
    if (mac_einsum && ein.expr.op == Op::mul && (pe.family == PeFamily::mac || pe.family == PeFamily::lmul)) {
      a.mode = Mode::mac;
      a.gemm.emplace(pe);
      a.a_format = a.gemm->in_format();
      a.b_format = a.gemm->w_format();
    } else if (mac_einsum && ein.expr.op == Op::shift_add && pe.family == PeFamily::mixpe) {
      a.mode = Mode::shift_add;
      a.mix.emplace(pe);
      a.a_format = a.mix->activation_format();
      a.b_format = a.mix->weight_format();
    }
    // The working format of the operators around the MACs (and of every other Einsum).
    switch (pe.family) {
      case PeFamily::vector:
        a.lane.emplace(pe.acc, epe.dedicated_exp ? ExpUnit::dedicated : ExpUnit::taylor_on_mac);
        break;
      case PeFamily::mac:
      case PeFamily::lmul:
        if (format_info(pe.acc).is_float) {
          a.lane.emplace(pe.acc, ExpUnit::taylor_on_mac);
        } else {
          a.lane.emplace(NumberFormat::fp32, ExpUnit::taylor_on_mac);
        }
        break;
      case PeFamily::mixpe:
        a.lane.emplace(NumberFormat::fp32, ExpUnit::dedicated);
        break;
    }
    if (a.mode != Mode::elementwise) {
      for (int i = 0; i < 2; ++i) {
        const NumberFormat f = i == 0 ? a.a_format : a.b_format;
        if (is_int(f) && ein.expr.args[static_cast<size_t>(i)].kind != Expr::Kind::access) {
          throw Error(
              fmt::format("values: Einsum {} feeds an expression to the integer operand of {}; give the "
                          "operand its own Einsum",
                          ein.name, pe.name));
        }
        if (is_int(f) && !is_signed_int(f)) {
          throw Error(
              fmt::format("values: {} has an unsigned operand format; einsim quantizes operands with "
                          "signed scales only",
                          pe.name));
        }
      }
    }
    return a;
  }

  // Rounds a whole tensor into its format (integers: an absmax scale, remembered).
  void store_tensor(const Tensor& t, std::vector<double>& data) {
    const size_t ti = static_cast<size_t>(&t - c_.tensors.data());
    if (!is_int(t.format)) {
      for (double& x : data) x = quantize(t.format, x);
      return;
    }
    if (is_signed_int(t.format)) {
      const double s = int_scale(t.format, absmax(data));
      for (double& x : data)
        if (std::isfinite(x)) x = to_int(t.format, x, s) * s;
      scale_[ti] = s;
      return;
    }
    // Unsigned: (code - zero) x scale from min and max.
    double lo = 0, hi = 0;
    for (double x : data)
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    const double qmax = max_finite(t.format);
    const double s = hi > lo ? (hi - lo) / qmax : 1.0;
    const double zero = std::nearbyint(-lo / s);
    for (double& x : data)
      if (std::isfinite(x)) x = (std::clamp(std::nearbyint(x / s) + zero, 0.0, qmax) - zero) * s;
  }

  // The scale of operand i of a MAC or shift-add Einsum in an integer PE format.
  double operand_scale(const Einsum& ein, size_t i, NumberFormat f,
                       const std::vector<const std::vector<double>*>& tensors) const {
    if (!is_int(f)) return 1.0;
    const int t = ein.inputs[static_cast<size_t>(ein.expr.args[i].access)].tensor;
    const Tensor& tensor = c_.tensors[static_cast<size_t>(t)];
    const double own = scale_[static_cast<size_t>(t)];
    // A signed integer tensor whose integers fit the PE's format keeps its own scale.
    if (own > 0 && is_signed_int(tensor.format) && max_finite(tensor.format) <= max_finite(f)) return own;
    return int_scale(f, absmax(*tensors[static_cast<size_t>(t)]));
  }

  // Operand i of a MAC or shift-add point in the PE's format (integers before scaling).
  double operand(EinsumArith& a, const Einsum& ein, size_t i, const std::vector<double>& in, NumberFormat f,
                 double scale) const {
    const double v = a.lane->eval(ein.expr.args[i], in);
    return is_int(f) ? to_int(f, v, scale) : quantize(f, v);
  }

  const EinsumCascade& c_;
  std::vector<EinsumArith> arith_;
  std::vector<double> scale_;  // per tensor: the scale of a signed integer tensor, 0 otherwise
  std::map<std::string, std::vector<std::string>> notes_by_what_;
};

void add_metrics(const std::vector<double>& x, const std::vector<double>& ref, std::vector<double>& all_x,
                 std::vector<double>& all_ref) {
  all_x.insert(all_x.end(), x.begin(), x.end());
  all_ref.insert(all_ref.end(), ref.begin(), ref.end());
}

}  // namespace

std::vector<EinsumPe> einsum_pe_kinds(const EinsumCascade& c, const ArchSpec& arch, const Mapping& m) {
  std::vector<std::optional<EinsumPe>> kinds(c.einsums.size());
  for (const MappingGroup& g : m.groups) {
    for (size_t i = 0; i < g.einsums.size(); ++i) {
      const int e = g.einsums[i];
      const std::string& array = g.kind == GroupKind::systolic ? g.array : g.placements.at(i).array;
      const ComputeArray& a = arch.array(array);
      const bool in_pe = g.kind == GroupKind::systolic && g.epilogue >= 0 && e == g.einsums.front();
      kinds.at(static_cast<size_t>(e)) = EinsumPe{a.pe, a.dedicated_exp, in_pe};
    }
  }
  std::vector<EinsumPe> out;
  for (size_t e = 0; e < kinds.size(); ++e) {
    if (!kinds[e]) throw Error(fmt::format("values: the mapping does not place Einsum {}", c.einsums[e].name));
    out.push_back(*kinds[e]);
  }
  return out;
}

bool fits_value_limits(const EinsumCascade& c, const CascadeValueOptions& o) {
  int64_t elements = 0, points = 0;
  for (const Tensor& t : c.tensors) elements += t.elements();
  for (const Einsum& e : c.einsums) points += e.iteration_points;
  return elements <= o.max_elements && points <= o.max_points;
}

std::vector<int> value_sample_ranks(const EinsumCascade& c) {
  std::vector<bool> ok(c.ranks.size(), true);
  for (size_t r = 0; r < c.ranks.size(); ++r)
    if (c.ranks[r].parent >= 0 || !c.ranks[r].parts.empty()) ok[r] = false;
  auto check_access = [&](const Access& a) {
    for (const IndexExpr& ix : a.indices) {
      if (ix.is_last()) {
        ok[static_cast<size_t>(ix.last_rank)] = false;
      } else if (!ix.is_plain()) {
        for (const IndexTerm& t : ix.terms) ok[static_cast<size_t>(t.rank)] = false;
      }
    }
  };
  for (const Einsum& e : c.einsums) {
    for (int r : e.reduced_ranks) ok[static_cast<size_t>(r)] = false;
    if (e.recurrent_rank >= 0) ok[static_cast<size_t>(e.recurrent_rank)] = false;
    check_access(e.output);
    for (const Access& a : e.inputs) check_access(a);
  }
  std::vector<int> out;
  for (int r : c.base_ranks())
    if (ok[static_cast<size_t>(r)]) out.push_back(r);
  return out;
}

CascadeValueResult cascade_values(const EinsumCascade& c, const std::vector<EinsumPe>& einsum_pe,
                                  const CascadeValueOptions& o) {
  CascadeValueResult result;
  const CascadeGraph graph(c);
  EvalOptions eo;
  eo.seed = o.seed;
  eo.max_elements = o.max_elements;
  eo.max_points = o.max_points;
  eo.inputs = o.inputs;
  const auto ref = evaluate_cascade(c, graph, eo);
  PeArithmetic arith(c, einsum_pe, result.notes);
  eo.arithmetic = &arith;
  const auto got = evaluate_cascade(c, graph, eo);
  std::vector<double> all_x, all_ref;
  for (int t : c.outputs) {
    const std::string& name = c.tensors[static_cast<size_t>(t)].name;
    const auto& x = got.at(name).data;
    const auto& r = ref.at(name).data;
    result.outputs[name] = error_metrics(x, r);
    add_metrics(x, r, all_x, all_ref);
  }
  result.total = error_metrics(all_x, all_ref);
  return result;
}

}  // namespace einsim
