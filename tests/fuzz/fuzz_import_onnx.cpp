// libFuzzer: bytes -> the ONNX importer. Errors are fine; crashes, hangs and InternalErrors are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/core/error.hpp"
#include "sim/import/onnx_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    einsim::import::import_onnx(std::string(reinterpret_cast<const char*>(data), size), "fuzz.onnx", {});
  } catch (const einsim::Error&) {
  }
  return 0;
}
