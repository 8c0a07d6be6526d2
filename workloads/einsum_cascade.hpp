#pragma once
// The data model of a workload: a cascade of extended Einsums (TeAAL/FuseMax
// notation) with its ranks, rank partitions, tensors and number formats.
// Plain structs; `load_workload` builds one from a `workload:` YAML document
// and validates it (names, shapes, bounds, producers, cycles).
//
// Usage:
//   auto doc = YamlDocument::load_file("workloads/library/gemm.yaml");
//   doc.apply_override("ranks.M=4096");
//   EinsumCascade c = load_workload(doc);
//   for (const Einsum& e : c.einsums) ... e.map_ops, e.reduced_ranks ...

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/number_format.hpp"
#include "sim/core/yaml_source.hpp"

namespace einsim {

// Operators of an Einsum's expression (its "map operators") and reduce actions.
enum class Op : uint8_t { add, sub, mul, div, neg, max, min, exp, sqrt, abs, relu, gelu, shift_add, dequant };
std::string_view op_name(Op op);

// How an Einsum combines the values of its reduced ranks.
enum class ReduceOp : uint8_t { sum, max, min, prod };
std::string_view reduce_name(ReduceOp r);
// The binary operator one reduce step performs (sum -> add, prod -> mul).
Op reduce_action(ReduceOp r);

// One term coef * index of an affine index expression.
struct IndexTerm {
  int rank = -1;  // index into EinsumCascade::ranks
  int64_t coef = 1;
};

// An index as written in an access: an affine expression of indices (`p+r`,
// `2*p+r`, `m1+1`) or `last_rank` (an upper-case rank name, `M1`: the final
// coordinate of that dimension of the tensor).
struct IndexExpr {
  std::vector<IndexTerm> terms;
  int64_t constant = 0;
  int last_rank = -1;
  std::string text;

  bool is_last() const { return last_rank >= 0; }
  // A single index with coefficient 1 and no constant: `m`.
  bool is_plain() const { return !is_last() && terms.size() == 1 && terms[0].coef == 1 && constant == 0; }
  // `m+1`.
  bool is_plain_plus_one() const { return !is_last() && terms.size() == 1 && terms[0].coef == 1 && constant == 1; }
  int single_rank() const { return terms.size() == 1 ? terms[0].rank : -1; }
};

// How one dimension of a tensor is addressed: by one index expression, or by
// a pair (outer, inner) of a partitioned rank: coordinate = outer * inner_size + inner.
struct AccessDim {
  IndexExpr index;
  std::optional<IndexExpr> inner;
  int64_t inner_size = 0;
};

// One tensor access `T[i, j, ...]`.
struct Access {
  int tensor = -1;
  std::vector<IndexExpr> indices;  // as written
  std::vector<AccessDim> dims;     // one per dimension of the tensor
  std::string text;
  // Reads, at the plain index x, a tensor its producer writes at x+1: a
  // loop-carried dependence (not an edge of the DAG).
  bool loop_carried = false;
};

// A node of an Einsum's right-hand side.
struct Expr {
  enum class Kind : uint8_t { number, access, op };
  Kind kind = Kind::number;
  double value = 0;  // number
  int access = -1;   // access: index into Einsum::inputs
  Op op = Op::add;   // op
  std::vector<Expr> args;
};

// One extended Einsum: output access, expression, reduce operator, iteration space.
struct Einsum {
  std::string name;  // the output tensor's name unless given
  std::string text;  // the Einsum as written
  std::string description;
  Access output;
  std::vector<Access> inputs;  // in order of appearance
  Expr expr;
  ReduceOp reduce = ReduceOp::sum;
  std::vector<int> iteration_ranks;  // output ranks first, then reduced ranks in order of appearance
  std::vector<int> reduced_ranks;
  int recurrent_rank = -1;  // rank whose output index is written as x+1, or -1
  int64_t iteration_points = 1;
  int64_t output_points = 1;                    // points of the iteration space that differ in the output
  std::vector<std::pair<Op, int64_t>> map_ops;  // per operator, in Op order
  int64_t reduce_ops = 0;                       // reduce steps: iteration_points - output_points
  SourceLocation location;
};

// A rank and its size. A partitioned rank M lists its parts (M1, M0); a part names its parent.
struct Rank {
  std::string name;
  int64_t size = 0;
  int parent = -1;         // index of the partitioned rank this is a part of
  std::vector<int> parts;  // outer first
  bool pad = false;        // partition rounds M1 up and zero-pads (remainder: pad)
};

// A tensor of the cascade: declared input, or the output of one Einsum.
struct Tensor {
  std::string name;
  std::vector<int> ranks;
  std::vector<int64_t> extents;  // rank sizes, plus one on a recurrent dimension
  NumberFormat format = NumberFormat::fp32;
  int producer = -1;           // Einsum index, -1 for inputs
  int recurrent_dim = -1;      // dimension written at x+1, or -1
  std::optional<double> init;  // value of slice 0 of the recurrent dimension
  bool declared = false;
  SourceLocation location;

  int64_t elements() const;  // checked against overflow when loading
  int64_t bytes() const;     // ceil(elements * bits / 8)
};

// A whole cascade.
struct EinsumCascade {
  std::string name;
  std::string description;
  std::string file;
  NumberFormat format = NumberFormat::fp32;
  std::vector<std::pair<std::string, int64_t>> parameters;
  std::vector<Rank> ranks;
  std::vector<Tensor> tensors;
  std::vector<Einsum> einsums;
  std::vector<int> outputs;

  int find_rank(std::string_view name) const;    // -1 when unknown
  int find_tensor(std::string_view name) const;  // -1 when unknown
  // The ranks that are not a part of a partition, in declaration order.
  std::vector<int> base_ranks() const;
  // Total operations per operator over the whole cascade (map and reduce actions).
  std::vector<std::pair<Op, int64_t>> total_ops() const;
};

// The most Einsums one workload may hold: bounds the loader's memory (about 4 KiB per
// Einsum) for any file under the 16 MiB input limit. The largest bundled network (a
// 12-layer BERT encoder from ONNX) has a few hundred.
inline constexpr size_t kMaxEinsums = 65536;

// Options of the loader.
struct WorkloadLoadOptions {
  bool allow_extends = true;  // follow `extends:` to other files
};

// Builds and validates a cascade from a `workload:` document (after --set
// overrides). Throws SpecError naming file:line:col and YAML path.
EinsumCascade load_workload(const YamlDocument& doc, const WorkloadLoadOptions& options = {});

// Checked arithmetic for sizes: throws Error("integer overflow ...") naming `what`.
int64_t checked_mul(int64_t a, int64_t b, std::string_view what);
int64_t checked_add(int64_t a, int64_t b, std::string_view what);

}  // namespace einsim
