// OnnxNode's attribute look-ups: plain structs, no protobuf (onnx_model.cpp reads the
// file; in the einsim executable it is a module loaded by `import onnx` only).
#include "sim/import/onnx_model.hpp"

namespace einsim::import {

int64_t OnnxNode::attr_int(const std::string& key, int64_t fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.i;
}

double OnnxNode::attr_float(const std::string& key, double fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.f;
}

std::vector<int64_t> OnnxNode::attr_ints(const std::string& key, std::vector<int64_t> fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.ints;
}

}  // namespace einsim::import
