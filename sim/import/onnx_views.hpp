#pragma once
// How ONNX values become einsim tensors and Einsums.
//
// Each ONNX value is a *view* of an einsim tensor. The tensor's dimensions are
// *atoms* (a size, maybe symbolic); an ONNX dimension groups zero or more atoms
// (none: size 1; several: a merged dimension, as after Reshape or Flatten). So
// Transpose, Flatten, Squeeze and merging Reshapes are index maps that need no
// Einsum: the consumer reads the original tensor with its own indices. A Reshape
// that splits an atom (768 -> 12 x 64) copies the tensor once, reading it at the
// affine index 64*h + e.
//
// An Einsum iterates one index per atom of each of its dimensions; an operand whose
// dimension is one atom where the iteration has several reads it at their affine
// combination (a weight [768, N] against a merged [.., 12 x 64] input).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/import/onnx_model.hpp"

namespace einsim::import {

struct Atom {
  int64_t size = 1;
  std::string symbol;  // a workload parameter, when the size is symbolic
  bool operator==(const Atom& o) const { return size == o.size && symbol == o.symbol; }
};

struct View {
  std::string tensor;                  // the einsim tensor; empty for a literal
  std::vector<Atom> atoms;             // its dimensions
  std::vector<std::vector<int>> dims;  // per ONNX dimension: the atoms it groups, outer first
  std::string literal;                 // a scalar constant written as a number

  size_t rank() const { return dims.size(); }
  int64_t dim_size(size_t d) const;
  std::vector<Atom> dim_atoms(size_t d) const;
};

// One dimension of an Einsum's iteration: its atoms and their indices.
struct IterDim {
  std::vector<Atom> atoms;
  std::vector<std::string> index;
};

// Builds the workload: ranks, tensors, Einsums.
class CascadeWriter {
 public:
  // A new input tensor (a graph input or a weight) of the given shape.
  View add_input(const std::string& onnx_name, const std::vector<OnnxDim>& shape);
  // The view of an ONNX value; Error naming the node when unknown.
  const View& view(const std::string& onnx_name, const OnnxNode& node) const;
  bool has_view(const std::string& onnx_name) const { return views_.count(onnx_name) > 0; }
  void set_view(const std::string& onnx_name, const View& v) { views_[onnx_name] = v; }

  // Starts an Einsum: fresh indices for iteration dimensions.
  void begin_einsum();
  IterDim iter_dim(const std::vector<Atom>& atoms);
  // The iteration dimension for ONNX dimension d of several operands (broadcast: size-1 ones
  // are skipped): the finest grouping among them. Error when they disagree.
  IterDim iter_for(const std::vector<std::vector<Atom>>& candidates, const OnnxNode& node);
  // The access of view v, with one iteration dimension per ONNX dimension (nullptr: size 1).
  std::string access(const View& v, const std::vector<const IterDim*>& dims, const OnnxNode& node) const;
  // Ends the Einsum: writes out = expr (reduce over iteration indices missing from out_dims);
  // the result is the view of ONNX value `onnx_out`.
  View end_einsum(const std::string& onnx_out, const std::string& einsum_name, const std::vector<const IterDim*>& out_dims,
                  const std::string& expr, const std::string& reduce, const std::string& comment);

  // A fresh tensor or Einsum name from an ONNX name.
  std::string fresh_name(const std::string& onnx_name, const std::string& fallback);
  size_t einsum_count() const { return einsums_.size(); }

  // The workload document.
  std::string yaml(const std::string& name, const std::string& header, const std::string& format,
                   const std::map<std::string, int64_t>& parameters) const;

 private:
  std::string rank_for(const Atom& a);
  std::map<std::string, View> views_;
  std::map<std::string, std::string> ranks_;  // name -> size text
  std::vector<std::string> rank_order_;
  std::vector<std::pair<std::string, std::string>> inputs_;  // tensor -> ranks list
  std::vector<std::string> einsums_;
  std::set<std::string> names_;
  std::map<std::string, int> used_in_einsum_;  // rank base -> indices taken in the current Einsum
};

// A number as einsim writes it in an expression.
std::string number_text(double v);

}  // namespace einsim::import
