#pragma once
// Shared by the lowering tests: library files, a small convolution and a small MAC array.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/lower/lowering.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::test {

inline std::string source_path(const std::string& rel) { return std::string(EINSIM_SOURCE_DIR) + "/" + rel; }

inline EinsumCascade library_workload(const std::string& file, const std::vector<std::string>& sets = {}) {
  auto doc = YamlDocument::load_file(source_path("workloads/library/" + file));
  for (const auto& s : sets) doc.apply_override(s);
  return load_workload(doc);
}

inline ArchSpec library_arch(const std::string& file) {
  return load_architecture(YamlDocument::load_file(source_path("arch/library/" + file)));
}

// conv2d.yaml with one input and one output channel, one output column: a 1D convolution over P
// with R taps at stride s and dilation d (int8 input and filter, int32 output).
inline EinsumCascade conv_1d(int64_t p, int64_t r, int64_t s, int64_t d, int64_t k = 1) {
  return library_workload("conv2d.yaml", {"ranks.N=1", fmt::format("ranks.K={}", k), "ranks.C=1",
                                          fmt::format("ranks.P={}", p), "ranks.Q=1", fmt::format("ranks.R={}", r),
                                          "ranks.S=1", fmt::format("parameters.Hstride={}", s),
                                          fmt::format("parameters.Hdilation={}", d)});
}

// A 16 x 16 int8 MAC array under a 1 MiB buffer GB, DRAM unlimited.
inline ArchSpec mac_16x16() {
  return load_architecture(YamlDocument::load_string(R"(architecture:
  name: mac16
  technology: {table: horowitz45, node_nm: 45}
  clock: 1 GHz
  storage:
    - {name: DRAM, kind: dram, bandwidth: unlimited, latency_cycles: 0}
    - {name: GB, kind: sram, capacity: 1 MiB}
  arrays:
    - {name: pe2d, rows: 16, cols: 16, pe: mac_int8}
)", "mac16.yaml"));
}

inline Mapping mapping_text(const std::string& text, const EinsumCascade& w, const ArchSpec& a) {
  return load_mapping(YamlDocument::load_string(text, "map.yaml"), w, a);
}

inline Mapping library_mapping(const std::string& file, const EinsumCascade& w, const ArchSpec& a) {
  return load_mapping(YamlDocument::load_file(source_path("mappings/library/" + file)), w, a);
}

inline uint64_t tensor_reads(const LoweredGroup& g, const EinsumCascade& w, const char* name) {
  const int t = w.find_tensor(name);
  return g.tensor_dram_reads.count(t) ? g.tensor_dram_reads.at(t) : 0;
}

// The bytes the first operation named `name` takes in the buffer when it starts.
inline uint64_t alloc_of(const LoweredGroup& g, const std::string& name) {
  for (const TileOp& op : g.program.body)
    if (op.name == name) return op.allocs.empty() ? 0 : op.allocs[0].bytes;
  return 0;
}

}  // namespace einsim::test
