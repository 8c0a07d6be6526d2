#pragma once
// The translation of one ONNX node into Einsums (or a view), on a CascadeWriter.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sim/import/onnx_model.hpp"
#include "sim/import/onnx_views.hpp"

namespace einsim::import {

struct OpContext {
  const OnnxModel& model;
  CascadeWriter& w;
  std::vector<std::string>& notes;
};

// Translates `node`; returns false when its operator is not one einsim knows.
bool translate_node(const OnnxNode& node, OpContext& ctx);

// Shared by the operator translators (onnx_ops.cpp, onnx_conv.cpp).
using Expr = std::function<std::string(const std::vector<std::string>&)>;
[[noreturn]] void fail(const OnnxNode& n, const std::string& what);
size_t axis_of(int64_t axis, size_t rank, const OnnxNode& n);
View input(const OnnxNode& n, size_t i, OpContext& c);
std::vector<int64_t> constant_ints(const OnnxNode& n, size_t i, OpContext& c);
std::string out_name(const OnnxNode& n);
// out = f(operands), broadcasting from the right (numpy rules); `suffix` names an Einsum of a cascade.
View elementwise(const OnnxNode& n, const std::vector<View>& ops, const Expr& f, OpContext& c, const std::string& out,
                 const std::string& suffix);
// out = reduce `op` over `axes` of f(x).
View reduce(const OnnxNode& n, const View& x, const std::set<size_t>& axes, bool keepdims, const Expr& f,
            const std::string& op, OpContext& c, const std::string& out, const std::string& suffix);
int64_t reduced_size(const View& x, const std::set<size_t>& axes);
void conv(const OnnxNode& n, OpContext& c);  // Conv: strides, pads, dilations, groups
void pool(const OnnxNode& n, OpContext& c);  // MaxPool, AveragePool

}  // namespace einsim::import
