// The ONNX reader of the einsim executable: each call goes to libeinsim_onnx.so, loaded
// on the first call (onnx_module.hpp). Linked instead of onnx_model.cpp into targets with
// EINSIM_LAZY_MODULES (the executable).

#include "sim/core/module_loader.hpp"
#include "sim/import/module/onnx_module.hpp"

namespace einsim::import {
namespace {

const OnnxModule& module() {
  static const OnnxModule& m = *static_cast<const OnnxModule*>(
      load_module_table(kOnnxModuleFile, kOnnxModuleEntry, kOnnxModuleAbi, "import onnx"));
  return m;
}

}  // namespace

OnnxModel read_onnx(const std::string& bytes, const std::string& file, const std::map<std::string, int64_t>& symbols) {
  return module().read_onnx(bytes, file, symbols);
}

std::string onnx_format(int elem_type) { return module().onnx_format(elem_type); }

}  // namespace einsim::import
