#include "workloads/evaluator.hpp"

#include <fmt/format.h>

#include "sim/core/file_io.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <limits>
#include <random>

namespace einsim {
namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

double identity(ReduceOp r) {
  switch (r) {
    case ReduceOp::sum:
      return 0.0;
    case ReduceOp::prod:
      return 1.0;
    case ReduceOp::max:
      return -std::numeric_limits<double>::infinity();
    case ReduceOp::min:
      return std::numeric_limits<double>::infinity();
  }
  return 0.0;
}

// One access compiled to strides: offset = sum over dims of stride * coordinate.
struct CompiledDim {
  std::vector<IndexTerm> terms;
  int64_t constant = 0;
  int inner_rank = -1;  // pair: coordinate = outer * inner_size + inner
  int64_t inner_size = 0;
  bool last = false;
  int64_t extent = 0;
  int64_t stride = 0;
};

struct CompiledAccess {
  int tensor = -1;
  std::vector<CompiledDim> dims;
};

CompiledAccess compile(const Access& a, const std::vector<int64_t>& extents) {
  CompiledAccess ca;
  ca.tensor = a.tensor;
  int64_t stride = 1;
  ca.dims.resize(a.dims.size());
  for (size_t d = a.dims.size(); d-- > 0;) {
    CompiledDim& cd = ca.dims[d];
    const AccessDim& ad = a.dims[d];
    cd.terms = ad.index.terms;
    cd.constant = ad.index.constant;
    cd.last = ad.index.is_last();
    if (ad.inner) {
      cd.inner_rank = ad.inner->single_rank();
      cd.inner_size = ad.inner_size;
    }
    cd.extent = extents[d];
    cd.stride = stride;
    stride *= extents[d];
  }
  return ca;
}

// Offset of the access at the current index values; -1 when a padded pair
// reaches past the tensor (reads as zero).
int64_t offset_of(const CompiledAccess& ca, const std::vector<int64_t>& val) {
  int64_t off = 0;
  for (const CompiledDim& d : ca.dims) {
    int64_t coord;
    if (d.last) {
      coord = d.extent - 1;
    } else {
      coord = d.constant;
      for (const IndexTerm& t : d.terms) coord += t.coef * val[t.rank];
      if (d.inner_rank >= 0) {
        coord = coord * d.inner_size + val[d.inner_rank];
        if (coord >= d.extent) return -1;
      }
    }
    if (coord < 0 || coord >= d.extent) throw InternalError("evaluator: coordinate out of range");
    off += coord * d.stride;
  }
  return off;
}

class Evaluator {
 public:
  Evaluator(const EinsumCascade& c, const CascadeGraph& g, const EvalOptions& o) : c_(c), g_(g), o_(o) {}

  std::map<std::string, TensorValues> run();

 private:
  void run_einsum(int e, int fixed_rank, int64_t fixed_value);
  bool advance(const std::vector<int>& loop, std::vector<int64_t>& val) const;

  const EinsumCascade& c_;
  const CascadeGraph& g_;
  const EvalOptions& o_;
  std::vector<TensorValues> values_;
  std::vector<std::vector<uint8_t>> written_;  // per tensor and element: computed (with an arithmetic)
};

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

}  // namespace

double eval_expr(const Expr& x, const std::vector<double>& in) {
  switch (x.kind) {
    case Expr::Kind::number:
      return x.value;
    case Expr::Kind::access:
      return in[x.access];
    case Expr::Kind::op:
      break;
  }
  const double a = eval_expr(x.args[0], in);
  switch (x.op) {
    case Op::neg:
      return -a;
    case Op::exp:
      return std::exp(a);
    case Op::sqrt:
      return std::sqrt(a);
    case Op::abs:
      return std::fabs(a);
    case Op::relu:
      return a > 0 ? a : 0.0;
    case Op::gelu:
      return gelu(a);
    default:
      break;
  }
  const double b = eval_expr(x.args[1], in);
  switch (x.op) {
    case Op::add:
      return a + b;
    case Op::sub:
      return a - b;
    case Op::mul:
      return a * b;
    case Op::div:
      return a / b;
    case Op::max:
      return std::fmax(a, b);
    case Op::min:
      return std::fmin(a, b);
    case Op::shift_add:
      return a * b;  // numerically a multiply (MixPE's shifts and adds)
    case Op::dequant:
      return (a - eval_expr(x.args[2], in)) * b;
    default:
      break;
  }
  throw InternalError("evaluator: unknown operator");
}

namespace {

void Evaluator::run_einsum(int e, int fixed_rank, int64_t fixed_value) {
  const Einsum& ein = c_.einsums[e];
  std::vector<int64_t> val(c_.ranks.size(), 0);
  std::vector<int> loop;
  for (int r : ein.iteration_ranks)
    if (r != fixed_rank) loop.push_back(r);
  if (fixed_rank >= 0) val[fixed_rank] = fixed_value;
  std::vector<CompiledAccess> ins;
  for (const Access& a : ein.inputs) ins.push_back(compile(a, values_[a.tensor].extents));
  TensorValues& out = values_[ein.output.tensor];
  CompiledAccess oa = compile(ein.output, out.extents);
  std::vector<double> in(ins.size(), 0.0);
  const bool reduces = !ein.reduced_ranks.empty();
  EvalArithmetic* arith = o_.arithmetic;
  int64_t run_offset = -1;  // the output element whose points are running (with an arithmetic)
  if (arith) {
    std::vector<const std::vector<double>*> views;
    for (const TensorValues& tv : values_) views.push_back(&tv.data);
    arith->begin(e, views);
  }
  std::vector<uint8_t>& written = written_[ein.output.tensor];
  for (;;) {
    for (size_t i = 0; i < ins.size(); ++i) {
      int64_t off = offset_of(ins[i], val);
      in[i] = off < 0 ? 0.0 : values_[ins[i].tensor].data[off];
    }
    const int64_t out_off = offset_of(oa, val);
    double& dst = out.data[out_off];
    if (arith) {
      if (out_off != run_offset) {
        if (run_offset >= 0) out.data[run_offset] = arith->store(e, out.data[run_offset]);
        run_offset = out_off;
      }
      dst = arith->point(e, in, dst, !written[out_off]);
      written[out_off] = 1;
      if (advance(loop, val)) continue;
      out.data[run_offset] = arith->store(e, out.data[run_offset]);
      return;
    }
    const double v = eval_expr(ein.expr, in);
    if (!reduces) {
      dst = v;
    } else {
      switch (ein.reduce) {
        case ReduceOp::sum:
          dst += v;
          break;
        case ReduceOp::prod:
          dst *= v;
          break;
        case ReduceOp::max:
          dst = std::fmax(dst, v);
          break;
        case ReduceOp::min:
          dst = std::fmin(dst, v);
          break;
      }
    }
    if (!advance(loop, val)) return;
  }
}

// Odometer over the loop ranks, last rank fastest; false after the last point.
bool Evaluator::advance(const std::vector<int>& loop, std::vector<int64_t>& val) const {
  size_t k = loop.size();
  while (k > 0) {
    --k;
    if (++val[loop[k]] < c_.ranks[loop[k]].size) return true;
    val[loop[k]] = 0;
  }
  return false;
}

std::map<std::string, TensorValues> Evaluator::run() {
  int64_t elements = 0, points = 0;
  for (const Tensor& t : c_.tensors) {
    elements = checked_add(elements, t.elements(), "the evaluator's element count");
  }
  for (const Einsum& e : c_.einsums) points = checked_add(points, e.iteration_points, "the evaluator's point count");
  if (elements > o_.max_elements) {
    throw Error(
        fmt::format("the reference evaluator is for small shapes: the tensors of '{}' hold {} elements, "
                    "more than the limit of {} (reduce the rank sizes with --set)",
                    c_.name, elements, o_.max_elements));
  }
  if (points > o_.max_points) {
    throw Error(
        fmt::format("the reference evaluator is for small shapes: the Einsums of '{}' have {} iteration "
                    "points, more than the limit of {} (reduce the rank sizes with --set)",
                    c_.name, points, o_.max_points));
  }
  for (const auto& [name, v] : o_.inputs) {
    int t = c_.find_tensor(name);
    if (t < 0 || c_.tensors[t].producer >= 0)
      throw Error(fmt::format("'{}' is not an input tensor of '{}'", name, c_.name));
  }
  values_.resize(c_.tensors.size());
  for (size_t ti = 0; ti < c_.tensors.size(); ++ti) {
    const Tensor& t = c_.tensors[ti];
    TensorValues& tv = values_[ti];
    tv.extents = t.extents;
    const int64_t n = t.elements();
    if (t.producer < 0) {
      auto it = o_.inputs.find(t.name);
      if (it != o_.inputs.end()) {
        if (static_cast<int64_t>(it->second.size()) != n) {
          throw Error(fmt::format("input {} has {} elements but {} values were given", t.name, n, it->second.size()));
        }
        tv.data = it->second;
      } else {
        tv.data = random_tensor_values(o_.seed, t.name, n);
      }
      if (o_.arithmetic) o_.arithmetic->input(t, tv.data);
      continue;
    }
    const Einsum& e = c_.einsums[t.producer];
    tv.data.assign(static_cast<size_t>(n), e.reduced_ranks.empty() ? 0.0 : identity(e.reduce));
    if (t.recurrent_dim >= 0) {
      // Slice 0 of the recurrent dimension holds the initial value.
      int64_t stride = 1;
      for (size_t d = t.extents.size(); d-- > static_cast<size_t>(t.recurrent_dim) + 1;) stride *= t.extents[d];
      const int64_t ext = t.extents[t.recurrent_dim];
      for (int64_t i = 0; i < n; ++i)
        if ((i / stride) % ext == 0) tv.data[i] = o_.arithmetic ? o_.arithmetic->init(t, *t.init) : *t.init;
    }
  }
  written_.resize(c_.tensors.size());
  for (size_t ti = 0; ti < c_.tensors.size(); ++ti) {
    const Tensor& t = c_.tensors[ti];
    if (o_.arithmetic && t.producer >= 0) {
      written_[ti].assign(values_[ti].data.size(), 0);
      if (t.recurrent_dim >= 0) {
        // Slice 0 of the recurrent dimension (the initial value) counts as written.
        int64_t stride = 1;
        for (size_t d = t.extents.size(); d-- > static_cast<size_t>(t.recurrent_dim) + 1;) stride *= t.extents[d];
        const int64_t ext = t.extents[t.recurrent_dim];
        for (size_t i = 0; i < written_[ti].size(); ++i)
          if ((static_cast<int64_t>(i) / stride) % ext == 0) written_[ti][i] = 1;
      }
    }
  }
  for (const CascadeGraph::Group& grp : g_.groups()) {
    if (grp.rank < 0) {
      for (int e : grp.einsums) run_einsum(e, -1, 0);
    } else {
      for (int64_t x = 0; x < c_.ranks[grp.rank].size; ++x)
        for (int e : grp.einsums) run_einsum(e, grp.rank, x);
    }
    if (o_.arithmetic) {
      for (int e : grp.einsums) o_.arithmetic->finish(e, values_[c_.einsums[e].output.tensor].data);
    }
  }
  std::map<std::string, TensorValues> out;
  for (size_t ti = 0; ti < c_.tensors.size(); ++ti) out.emplace(c_.tensors[ti].name, std::move(values_[ti]));
  return out;
}

}  // namespace

double TensorValues::at(std::initializer_list<int64_t> coords) const {
  if (coords.size() != extents.size()) {
    throw Error(fmt::format("tensor has {} dimensions, {} coordinates given", extents.size(), coords.size()));
  }
  int64_t off = 0;
  size_t d = 0;
  for (int64_t c : coords) {
    if (c < 0 || c >= extents[d]) throw Error(fmt::format("coordinate {} out of range [0, {})", c, extents[d]));
    off = off * extents[d] + c;
    ++d;
  }
  return data[static_cast<size_t>(off)];
}

std::map<std::string, TensorValues> evaluate_cascade(const EinsumCascade& cascade, const CascadeGraph& graph,
                                                     const EvalOptions& options) {
  return Evaluator(cascade, graph, options).run();
}

std::vector<double> random_tensor_values(uint64_t seed, const std::string& tensor, int64_t elements) {
  std::mt19937_64 gen(seed ^ fnv1a64(tensor));
  std::vector<double> v(static_cast<size_t>(elements));
  for (double& x : v) x = static_cast<double>(gen() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
  return v;
}

std::vector<double> read_tensor_file(const std::string& path) {
  std::istringstream in(read_input_file(path, "tensor file", kMaxTensorFileBytes));
  std::vector<double> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    for (char& ch : line)
      if (ch == ',') ch = ' ';
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i >= line.size()) break;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      std::string word = line.substr(i, j - i);
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(word.c_str(), &end);
      if (*end != '\0' || errno == ERANGE) throw Error(fmt::format("{}:{}: bad number '{}'", path, lineno, word));
      out.push_back(v);
      i = j;
    }
  }
  return out;
}

}  // namespace einsim
