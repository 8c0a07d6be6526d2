#pragma once
// ONNX models -> an einsim workload (see docs/importing.md for the operators).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/import/imported_files.hpp"
#include "sim/import/onnx_model.hpp"

namespace einsim::import {

struct OnnxImportOptions {
  std::map<std::string, int64_t> symbols;  // --set DIM=VALUE for symbolic dimensions
  bool skip_unsupported = false;           // a note per skipped node instead of an error
  std::string name;                        // workload name (default: the graph's, or the file's)
};

// The operators the importer translates.
const std::vector<std::string>& onnx_supported_ops();

// Reads a serialized model and writes workload.yaml. Errors name the file and the node.
ImportResult import_onnx(const std::string& bytes, const std::string& file, const OnnxImportOptions& options);

}  // namespace einsim::import
