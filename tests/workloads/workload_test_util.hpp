#pragma once
// Helpers of the workload tests: load cascades from text or from the library.

#include <string>
#include <vector>

#include "sim/core/yaml_source.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::testing {

inline EinsumCascade load_text(const std::string& yaml) {
  return load_workload(YamlDocument::load_string(yaml, "test.yaml"));
}

inline std::string library_path(const std::string& name) {
  return std::string(EINSIM_SOURCE_DIR) + "/workloads/library/" + name;
}

inline EinsumCascade load_library(const std::string& name, const std::vector<std::string>& sets = {}) {
  YamlDocument doc = YamlDocument::load_file(library_path(name));
  for (const auto& s : sets) doc.apply_override(s);
  return load_workload(doc);
}

// The message of the error that loading `yaml` throws, or "" when it loads.
inline std::string load_error(const std::string& yaml) {
  try {
    load_text(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline int64_t op_count(const std::vector<std::pair<Op, int64_t>>& ops, Op op) {
  for (const auto& [o, n] : ops)
    if (o == op) return n;
  return 0;
}

}  // namespace einsim::testing
