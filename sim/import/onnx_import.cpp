#include "sim/import/onnx_import.hpp"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/import/onnx_ops.hpp"
#include "sim/import/onnx_views.hpp"

namespace einsim::import {
namespace {

// A symbolic dimension's workload parameter: a lower-case identifier.
std::string parameter_name(const std::string& symbol) {
  std::string s = identifier(symbol, "dim");
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::set<std::string> reserved = {"exp", "max", "min", "abs", "sqrt", "relu", "gelu", "shift_add",
                                                 "dequant"};
  if (reserved.count(s) || s[0] == 'l') s = "p_" + s;  // not a function, nor like identifier()'s L prefix
  return s;
}

std::string stem(const std::string& file) {
  std::string s = file.substr(file.find_last_of('/') + 1);
  const size_t dot = s.rfind('.');
  return dot == std::string::npos ? s : s.substr(0, dot);
}

}  // namespace

const std::vector<std::string>& onnx_supported_ops() {
  static const std::vector<std::string> ops = {
      "Add",        "AveragePool", "Cast",     "Concat",   "Conv",      "Div",          "Dropout",   "Erf",
      "Exp",        "Flatten",     "Gelu",     "Gemm",      "GlobalAveragePool", "GlobalMaxPool", "Identity",
      "LayerNormalization", "MatMul", "Max",  "MaxPool",   "Min",          "Mul",       "Neg",
      "Reciprocal", "ReduceMax",   "ReduceMean", "ReduceSum", "Relu",      "Reshape",   "Sigmoid",
      "Softmax",    "Sqrt",        "Squeeze",  "Sub",       "Tanh",         "Transpose", "Unsqueeze"};
  return ops;
}

ImportResult import_onnx(const std::string& bytes, const std::string& file, const OnnxImportOptions& options) {
  // Symbols are matched by their parameter names, so --set batch=8 finds `batch` and `Batch`.
  OnnxModel model = read_onnx(bytes, file, {});
  std::map<std::string, int64_t> parameters;
  std::set<std::string> used_sets;
  for (OnnxValue& in : model.inputs) {
    for (OnnxDim& d : in.shape) {
      if (d.symbol.empty()) continue;
      d.symbol = parameter_name(d.symbol);
      auto s = options.symbols.find(d.symbol);
      d.size = s == options.symbols.end() ? 1 : s->second;
      if (s != options.symbols.end()) used_sets.insert(d.symbol);
      parameters[d.symbol] = d.size;
    }
  }
  for (const auto& [k, v] : options.symbols) {
    if (!used_sets.count(k)) {
      std::vector<std::string> names;
      for (const auto& [p, size] : parameters) names.push_back(p);
      throw Error(fmt::format("--set {}={}: the model has no symbolic dimension '{}' (it has: {})", k, v, k,
                              names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
    if (v <= 0) throw Error(fmt::format("--set {}={}: a dimension must be positive", k, v));
  }
  ImportResult r;
  CascadeWriter w;
  OpContext ctx{model, w, r.notes};
  for (const OnnxValue& in : model.inputs) w.add_input(in.name, in.shape);
  for (const OnnxNode& n : model.nodes) {
    bool ok = false;
    try {
      ok = translate_node(n, ctx);
    } catch (const InternalError&) {
      throw;
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", file, e.what()));
    }
    if (ok) continue;
    if (!options.skip_unsupported) {
      throw Error(fmt::format("{}: node '{}': operator {} is not supported (supported: {}; --skip-unsupported "
                              "passes its first input through)",
                              file, n.name, n.op, fmt::join(onnx_supported_ops(), ", ")));
    }
    if (!n.inputs.empty() && w.has_view(n.inputs[0])) {
      for (const auto& o : n.outputs) w.set_view(o, w.view(n.inputs[0], n));
      r.notes.push_back(fmt::format("skipped node '{}' ({}): its output is taken to be its first input", n.name, n.op));
    } else {
      r.notes.push_back(fmt::format("skipped node '{}' ({}): nodes reading its output will fail", n.name, n.op));
    }
  }
  if (w.einsum_count() == 0) throw Error(fmt::format("{}: the model has no operation einsim imports", file));
  const std::string name =
      identifier(!options.name.empty() ? options.name : !model.graph_name.empty() ? model.graph_name : stem(file),
                 "onnx_model");
  std::string header = fmt::format("# Imported from {} by `einsim import onnx`: one Einsum per operation,\n"
                                   "# reshapes and transposes as index maps (see docs/importing.md).\n",
                                   stem(file) + file.substr(file.rfind('.') == std::string::npos ? file.size() : file.rfind('.')));
  for (const auto& note : r.notes) header += "# note: " + note + "\n";
  const std::string format = model.inputs.empty() ? "fp32" : onnx_format(model.inputs[0].elem_type);
  r.files = {{"workload.yaml", w.yaml(name, header, format, parameters)}};
  return r;
}

}  // namespace einsim::import
