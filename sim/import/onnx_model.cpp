#include "sim/import/onnx_model.hpp"

#include <cstring>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "sim/core/checked.hpp"
#include "sim/core/error.hpp"

namespace einsim::import {
namespace {

// A tensor's dimensions must be sizes (a negative one, or a product past 2^63,
// is a damaged file; the product bounds the memcpy of raw data below).
OnnxConstant read_tensor(const onnx::TensorProto& t, const std::string& file) {
  OnnxConstant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  c.elem_type = t.data_type();
  int64_t count = 1;
  for (int64_t d : c.dims) {
    if (d < 0) throw Error(fmt::format("{}: tensor '{}' has a dimension of {}", file, t.name(), d));
    if (__builtin_mul_overflow(count, d, &count)) {
      throw_overflow(fmt::format("{}: the number of elements of tensor '{}'", file, t.name()));
    }
  }
  // Weights: shape only. An empty tensor has no values (and memcpy of its null data would be UB).
  if (count == 0 || count > 64 || t.data_location() == onnx::TensorProto::EXTERNAL) return c;
  std::vector<int64_t> ints;
  std::vector<double> reals;
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (t.int64_data_size() > 0) {
      ints.assign(t.int64_data().begin(), t.int64_data().end());
    } else if (t.raw_data().size() == static_cast<size_t>(count) * 8) {
      ints.resize(count);
      std::memcpy(ints.data(), t.raw_data().data(), count * 8);
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (t.int32_data_size() > 0) {
      ints.assign(t.int32_data().begin(), t.int32_data().end());
    } else if (t.raw_data().size() == static_cast<size_t>(count) * 4) {
      std::vector<int32_t> v(count);
      std::memcpy(v.data(), t.raw_data().data(), count * 4);
      ints.assign(v.begin(), v.end());
    }
  } else if (t.data_type() == onnx::TensorProto::FLOAT) {
    if (t.float_data_size() > 0) {
      reals.assign(t.float_data().begin(), t.float_data().end());
    } else if (t.raw_data().size() == static_cast<size_t>(count) * 4) {
      std::vector<float> v(count);
      std::memcpy(v.data(), t.raw_data().data(), count * 4);
      reals.assign(v.begin(), v.end());
    }
  }
  if (!ints.empty() && static_cast<int64_t>(ints.size()) == count) c.ints = ints;
  if (count == 1) {
    if (c.ints) c.scalar = static_cast<double>((*c.ints)[0]);
    if (reals.size() == 1) c.scalar = reals[0];
  }
  return c;
}

}  // namespace

std::string onnx_format(int elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT16: return "fp16";
    case onnx::TensorProto::BFLOAT16: return "bf16";
    case onnx::TensorProto::DOUBLE: return "fp64";
    case onnx::TensorProto::INT8: return "int8";
    case onnx::TensorProto::UINT8: return "uint8";
    case onnx::TensorProto::INT16: return "int16";
    case onnx::TensorProto::INT32: return "int32";
    default: return "fp32";
  }
}

OnnxModel read_onnx(const std::string& bytes, const std::string& file, const std::map<std::string, int64_t>& symbols) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) || !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw Error(fmt::format("{}: not an ONNX model: the protobuf does not parse (a truncated or damaged file?)", file));
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw Error(fmt::format("{}: the ONNX model has no graph nodes{}", file,
                            bytes.empty() ? " (the file is empty)" : ""));
  }
  const onnx::GraphProto& g = model.graph();
  OnnxModel m;
  m.file = file;
  m.graph_name = g.name();
  for (const auto& t : g.initializer()) m.constants[t.name()] = read_tensor(t, file);
  for (const auto& in : g.input()) {
    if (m.constants.count(in.name())) continue;
    OnnxValue v;
    v.name = in.name();
    if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape()) {
      throw Error(fmt::format("{}: graph input '{}' has no tensor shape", file, in.name()));
    }
    v.elem_type = in.type().tensor_type().elem_type();
    for (const auto& d : in.type().tensor_type().shape().dim()) {
      OnnxDim dim;
      if (d.has_dim_value()) {
        if (d.dim_value() <= 0) throw Error(fmt::format("{}: graph input '{}' has a dimension of {}", file, in.name(), d.dim_value()));
        dim.size = d.dim_value();
      } else if (d.has_dim_param() && !d.dim_param().empty()) {
        dim.symbol = d.dim_param();
        auto s = symbols.find(dim.symbol);
        dim.size = s == symbols.end() ? 1 : s->second;
      } else {
        throw Error(fmt::format("{}: graph input '{}' has a dimension of unknown size (give it a number or a name)",
                                file, in.name()));
      }
      v.shape.push_back(dim);
    }
    m.inputs.push_back(v);
  }
  for (const auto& o : g.output()) m.outputs.push_back(o.name());
  int index = 0;
  for (const auto& n : g.node()) {
    ++index;
    if (n.op_type() == "Constant") {
      for (const auto& a : n.attribute()) {
        if (a.name() == "value" && a.has_t() && n.output_size() == 1) m.constants[n.output(0)] = read_tensor(a.t(), file);
        if (a.name() == "value_int" && n.output_size() == 1) m.constants[n.output(0)] = {{}, 7, {{a.i()}}, double(a.i())};
        if (a.name() == "value_ints" && n.output_size() == 1) {
          m.constants[n.output(0)] = {{a.ints_size()}, 7, std::vector<int64_t>(a.ints().begin(), a.ints().end()), {}};
        }
        if (a.name() == "value_float" && n.output_size() == 1) m.constants[n.output(0)] = {{}, 1, {}, a.f()};
      }
      continue;
    }
    OnnxNode node;
    node.name = n.name().empty() ? fmt::format("#{}", index) : n.name();
    node.op = n.op_type();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) {
      OnnxAttribute at;
      at.i = a.i();
      at.f = a.f();
      at.s = a.s();
      at.ints.assign(a.ints().begin(), a.ints().end());
      at.is_ints = a.ints_size() > 0;
      node.attributes[a.name()] = at;
    }
    m.nodes.push_back(node);
  }
  return m;
}

}  // namespace einsim::import
