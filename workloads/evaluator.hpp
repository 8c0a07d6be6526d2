#pragma once
// The reference evaluator: runs any cascade in float64 on small shapes. It
// is the numerical reference for cascade equivalence and for the PEs' error.
//
// Inputs are random unless given: for input tensor T, a std::mt19937_64
// seeded with (seed XOR fnv1a64(T's name)) gives one 64-bit word per element
// in row-major order, and the element is (word >> 11) * 2^-53 * 2 - 1, that
// is uniform in [-1, 1) with 53 random bits, the same on every platform.
// Given inputs are row-major float64 values (see read_tensor_file).
//
// Einsums run in dependency order; the Einsums of a recurrence over rank X
// run step by step: for x = 0 .. X-1, each Einsum of the loop (in order)
// computes the points of its iteration space with that x.
//
// Usage:
//   CascadeGraph g(cascade);
//   EvalOptions opt;  opt.seed = 7;
//   auto values = evaluate_cascade(cascade, g, opt);
//   double y = values.at("AV").at({0, 0, 3, 5});

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

// The values of one tensor, row-major over its extents.
struct TensorValues {
  std::vector<int64_t> extents;
  std::vector<double> data;
  // Throws Error for a wrong number of coordinates or one out of range.
  double at(std::initializer_list<int64_t> coords) const;
};

// How the evaluator computes: by default every operation in float64. An
// engine that models number formats and PE arithmetic (e.g. --values) plugs in
// its own rounding here; the evaluator keeps the order of evaluation.
// Contract:
//  - input() sees every input tensor once, after its values are made or given;
//  - for each output element of an Einsum, the points that reduce into it come
//    one after another (reduced ranks are innermost): point() is called with
//    first = true for the first of them (acc then holds nothing), and store()
//    once the run of points of that element ends;
//  - finish() sees the output tensor of an Einsum after its last point.
class EvalArithmetic {
 public:
  virtual ~EvalArithmetic() = default;
  virtual void input(const Tensor& tensor, std::vector<double>& data) = 0;
  // Called before an Einsum computes (once per step of a recurrence), with the
  // tensors' current values (indexed as EinsumCascade::tensors).
  virtual void begin(int einsum, const std::vector<const std::vector<double>*>& tensors) = 0;
  // The accumulator after one more point with input values `in` (one per Einsum input).
  virtual double point(int einsum, const std::vector<double>& in, double acc, bool first) = 0;
  virtual double store(int einsum, double acc) = 0;
  virtual void finish(int einsum, std::vector<double>& data) = 0;
  // The value of slice 0 of a recurrent tensor.
  virtual double init(const Tensor& tensor, double value) {
    (void)tensor;
    return value;
  }
};

// The float64 value of one point of an Einsum's expression (map operators only).
double eval_expr(const Expr& expr, const std::vector<double>& in);

// What the evaluator may use and produce.
struct EvalOptions {
  uint64_t seed = 1;
  // Refuse cascades whose tensors hold more elements in total than this.
  int64_t max_elements = int64_t{1} << 22;
  // Refuse cascades whose Einsums have more iteration points in total than this.
  int64_t max_points = int64_t{1} << 27;
  // Values of input tensors by name (row-major); others are random.
  std::map<std::string, std::vector<double>> inputs;
  // Rounding and PE arithmetic; nullptr: float64 throughout.
  EvalArithmetic* arithmetic = nullptr;
};

// Evaluates every tensor of the cascade. Throws Error when the shapes exceed
// the limits or a given input has the wrong element count.
std::map<std::string, TensorValues> evaluate_cascade(const EinsumCascade& cascade, const CascadeGraph& graph,
                                                     const EvalOptions& options = {});

// The random input values described above.
std::vector<double> random_tensor_values(uint64_t seed, const std::string& tensor, int64_t elements);

// Reads a tensor file: decimal numbers (float64, row-major) separated by
// whitespace or commas; '#' starts a comment to the end of the line.
// Throws Error naming file:line for a bad number or an unreadable file, and
// refuses devices, directories and files over kMaxTensorFileBytes up front.
inline constexpr std::size_t kMaxTensorFileBytes = std::size_t{256} << 20;
std::vector<double> read_tensor_file(const std::string& path);

}  // namespace einsim
