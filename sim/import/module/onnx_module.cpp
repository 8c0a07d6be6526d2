// The entry point of libeinsim_onnx.so. The module holds only onnx_model.cpp; what it
// calls of einsim (errors, checked arithmetic, OnnxNode) is the executable's, exported to
// the module. The version script keeps every symbol of the module but its entry point local.

#include "sim/import/module/onnx_module.hpp"

extern "C" const einsim::import::OnnxModule* einsim_onnx_module() {
  using namespace einsim::import;
  static const OnnxModule table{kOnnxModuleAbi, &read_onnx, &onnx_format};
  return &table;
}
