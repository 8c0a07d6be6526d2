#pragma once
// An ONNX model read into plain structs: graph inputs with their shapes,
// initializers (shapes only; values of small integer and scalar tensors, which
// Reshape targets and constants need), nodes with their attributes. Weights may be
// absent (graph inputs, or external data): only shapes are read.
// The protobuf types stay inside onnx_model.cpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace einsim::import {

// One dimension of a shape: a number, or a symbol (`batch`) with the size it takes.
struct OnnxDim {
  int64_t size = 1;
  std::string symbol;  // empty: a number
};

struct OnnxValue {
  std::string name;
  std::vector<OnnxDim> shape;
  int elem_type = 1;  // TensorProto.DataType; 1 = FLOAT
};

struct OnnxAttribute {
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<int64_t> ints;
  bool is_ints = false;
};

struct OnnxNode {
  std::string name;  // the node's name, or "#index" when it has none
  std::string op;
  std::vector<std::string> inputs, outputs;  // "" for an omitted optional input
  std::map<std::string, OnnxAttribute> attributes;

  int64_t attr_int(const std::string& key, int64_t fallback) const;
  double attr_float(const std::string& key, double fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key, std::vector<int64_t> fallback) const;
};

struct OnnxConstant {
  std::vector<int64_t> dims;
  int elem_type = 1;
  std::optional<std::vector<int64_t>> ints;  // INT64 / INT32 data, when present
  std::optional<double> scalar;              // a single float or integer value, when present
};

struct OnnxModel {
  std::string file;
  std::string graph_name;
  std::vector<OnnxValue> inputs;  // graph inputs that are not initializers
  std::vector<std::string> outputs;
  std::map<std::string, OnnxConstant> constants;  // initializers and Constant nodes
  std::vector<OnnxNode> nodes;                    // in the file's order (ONNX requires a topological one)
};

// Parses a serialized ModelProto. Error naming the file when it does not parse (truncated or
// not ONNX), when the graph is empty, or when an input's shape is unknown. Symbolic
// dimensions take their size from `symbols` (default 1).
OnnxModel read_onnx(const std::string& bytes, const std::string& file, const std::map<std::string, int64_t>& symbols);

// einsim's number format for an ONNX element type (fp32 for types einsim has no format for).
std::string onnx_format(int elem_type);

}  // namespace einsim::import
