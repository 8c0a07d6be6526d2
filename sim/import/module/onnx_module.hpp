#pragma once
// The ONNX reader as a module (libeinsim_onnx.so): the functions of onnx_model.hpp that
// use protobuf. The einsim executable does not link protobuf: it loads this module for
// `import onnx` only (onnx_lazy.cpp). Tests link onnx_model.cpp directly. This header
// includes no protobuf.

#include "sim/import/onnx_model.hpp"

namespace einsim::import {

// Raise when the table or a type it passes changes.
inline constexpr int kOnnxModuleAbi = 1;
inline constexpr char kOnnxModuleFile[] = "libeinsim_onnx.so";
inline constexpr char kOnnxModuleEntry[] = "einsim_onnx_module";

struct OnnxModule {
  int abi = kOnnxModuleAbi;  // first: load_module_table checks it
  OnnxModel (*read_onnx)(const std::string& bytes, const std::string& file,
                         const std::map<std::string, int64_t>& symbols) = nullptr;
  std::string (*onnx_format)(int elem_type) = nullptr;
};

}  // namespace einsim::import

// The module's entry point (sim/core/module_loader.hpp).
extern "C" const einsim::import::OnnxModule* einsim_onnx_module();
