#include "sim/engine/gemm_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/formats/exact_ops.hpp"
#include "arch/formats/quantize.hpp"
#include "sim/core/error.hpp"

namespace einsim {
namespace {

std::variant<MacPe, LMulPe> make_pe(const PeKind& kind) {
  switch (kind.family) {
    case PeFamily::mac:
      return MacPe(kind);
    case PeFamily::lmul:
      return LMulPe(kind);
    default:
      throw Error(fmt::format("PE kind '{}' ({}) cannot run a systolic GEMM: use a mac_* or lmul_* kind",
                              kind.name, family_name(kind.family)));
  }
}

int64_t checked_product(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return INT64_MAX;
  return r;
}

}  // namespace

GemmArithmetic::GemmArithmetic(const PeKind& kind)
    : pe_(make_pe(kind)), in_(kind.a), w_(kind.b), acc_(kind.acc) {}

double GemmArithmetic::accumulate(double x, double y) const {
  if (format_info(acc_).is_float) return round_add(acc_, x, y);
  // Integer accumulators hold at most 32 bits: the sum is exact in float64 before wrapping.
  return quantize(acc_, x + y, Rounding::nearest_even, Overflow::wrap);
}

const ActionCounts& GemmArithmetic::counts() const {
  if (auto* p = std::get_if<MacPe>(&pe_)) return p->counts();
  return std::get<LMulPe>(pe_).counts();
}

void check_gemm_operands(const GemmShape& g, const std::vector<double>& in, const std::vector<double>& w) {
  for (auto [v, name] : {std::pair{g.m, "M"}, std::pair{g.k, "K"}, std::pair{g.n, "N"}}) {
    if (v <= 0) throw Error(fmt::format("GEMM values: {} must be positive, got {}", name, v));
  }
  const int64_t in_elems = checked_product(g.m, g.k);
  const int64_t w_elems = checked_product(g.k, g.n);
  const int64_t out_elems = checked_product(g.m, g.n);
  if (std::max({in_elems, w_elems, out_elems}) > kMaxGemmValueElements) {
    throw Error(
        fmt::format("GEMM values: {}x{}x{} has a matrix of more than {} elements (the limit for values)", g.m,
                    g.k, g.n, kMaxGemmValueElements));
  }
  if (static_cast<int64_t>(in.size()) != in_elems) {
    throw Error(fmt::format("GEMM values: the input has {} elements, M x K = {}", in.size(), in_elems));
  }
  if (static_cast<int64_t>(w.size()) != w_elems) {
    throw Error(fmt::format("GEMM values: the weights have {} elements, K x N = {}", w.size(), w_elems));
  }
}

std::vector<double> gemm_values(const PeKind& kind, Dataflow dataflow, int64_t rows, const GemmShape& g,
                                const std::vector<double>& in, const std::vector<double>& w) {
  GemmArithmetic arith(kind);
  return gemm_values(arith, dataflow, rows, g, in, w);
}

std::vector<double> gemm_values(GemmArithmetic& arith, Dataflow dataflow, int64_t rows, const GemmShape& g,
                                const std::vector<double>& in, const std::vector<double>& w) {
  check_gemm_operands(g, in, w);
  if (rows <= 0) throw Error(fmt::format("GEMM values: the array must have rows, got {}", rows));
  if (checked_product(checked_product(g.m, g.k), g.n) > kMaxGemmValueMacs) {
    throw Error(fmt::format("GEMM values: {}x{}x{} needs more than {} MACs (the limit for values)", g.m, g.k,
                            g.n, kMaxGemmValueMacs));
  }
  // os keeps all of K in one PE; ws and is cut K into row folds of `rows`.
  const int64_t block = dataflow == Dataflow::output_stationary ? g.k : std::min(rows, g.k);
  std::vector<double> out(static_cast<size_t>(g.m * g.n), 0.0);
  for (int64_t m = 0; m < g.m; ++m) {
    for (int64_t n = 0; n < g.n; ++n) {
      double total = 0.0;
      for (int64_t k0 = 0; k0 < g.k; k0 += block) {
        const int64_t k1 = std::min(g.k, k0 + block);
        double partial = 0.0;
        for (int64_t k = k0; k < k1; ++k) {
          partial =
              arith.mac(in[static_cast<size_t>(m * g.k + k)], w[static_cast<size_t>(k * g.n + n)], partial);
        }
        total = k0 == 0 ? partial : arith.accumulate(total, partial);
      }
      out[static_cast<size_t>(m * g.n + n)] = total;
    }
  }
  return out;
}

QuantizedGemmOperands quantize_gemm_operands(const PeKind& kind, const GemmShape& g,
                                             const std::vector<double>& in, const std::vector<double>& w) {
  check_gemm_operands(g, in, w);
  GemmArithmetic arith(kind);  // refuses non-GEMM kinds
  auto one = [](NumberFormat f, const std::vector<double>& x, std::vector<int64_t> shape, const char* what,
                std::vector<double>& values, double& scale) {
    for (double v : x) {
      if (!std::isfinite(v)) throw Error(fmt::format("GEMM values: the {} holds a non-finite value", what));
    }
    const FormatInfo& info = format_info(f);
    if (info.is_float) {
      values.resize(x.size());
      for (size_t i = 0; i < x.size(); ++i) values[i] = quantize(f, x[i]);
      scale = 1.0;
      return;
    }
    if (!info.is_signed) {
      throw Error(fmt::format("GEMM values: unsigned {} {} needs a zero point, which a MAC PE does not apply",
                              info.name, what));
    }
    QuantSpec spec;
    spec.format = f;
    spec.granularity = ScaleGranularity::per_tensor;
    QuantizedTensor q = quantize_tensor(x, shape, spec);
    values.resize(x.size());
    for (size_t i = 0; i < x.size(); ++i) values[i] = q.centered_value(i);
    scale = q.scales.at(0);
  };
  QuantizedGemmOperands r;
  one(arith.in_format(), in, {g.m, g.k}, "input", r.in, r.in_scale);
  one(arith.w_format(), w, {g.k, g.n}, "weights", r.w, r.w_scale);
  return r;
}

std::vector<double> gemm_reference(const GemmShape& g, const std::vector<double>& in,
                                   const std::vector<double>& w) {
  check_gemm_operands(g, in, w);
  std::vector<double> out(static_cast<size_t>(g.m * g.n), 0.0);
  for (int64_t m = 0; m < g.m; ++m) {
    for (int64_t k = 0; k < g.k; ++k) {
      const double a = in[static_cast<size_t>(m * g.k + k)];
      for (int64_t n = 0; n < g.n; ++n)
        out[static_cast<size_t>(m * g.n + n)] += a * w[static_cast<size_t>(k * g.n + n)];
    }
  }
  return out;
}

}  // namespace einsim
