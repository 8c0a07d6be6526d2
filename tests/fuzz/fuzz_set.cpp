// libFuzzer target: arbitrary bytes as --set overrides, one per line, applied
// as `einsim simulate` applies them (a `workload.` or `arch.` prefix picks the
// document) to a bundled workload and architecture. The two files are parsed
// once; every input overrides a deep copy of them, so no input sees another's
// overrides (parsing them per input took half the time of a run). The
// overridden documents are then loaded (the architecture's technology table
// read from its file, as `einsim simulate` does) and a dataflow preset built.
// Every input must either work or fail with einsim::Error; anything else is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "sim/core/file_io.hpp"
#include "sim/core/yaml_source.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"
#include "workloads/pass_analysis.hpp"

namespace {

std::string bundled(const std::string& relative) {
  return einsim::read_input_file(std::string(EINSIM_SOURCE_DIR) + "/" + relative, "YAML file");
}
const einsim::YamlDocument kWorkload =
    einsim::YamlDocument::load_string(bundled("workloads/library/gemm.yaml"), "gemm.yaml");
const einsim::YamlDocument kArch =
    einsim::YamlDocument::load_string(bundled("arch/library/systolic.yaml"), "systolic.yaml");

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  einsim::YamlDocument workload = kWorkload.deep_copy();
  einsim::YamlDocument arch = kArch.deep_copy();
  try {
    size_t start = 0;
    for (int n = 0; start <= input.size() && n < 16; ++n) {
      size_t end = input.find('\n', start);
      if (end == std::string::npos) end = input.size();
      const std::string s = input.substr(start, end - start);
      start = end + 1;
      const auto dot = s.find('.');
      const std::string head = dot == std::string::npos ? s : s.substr(0, dot);
      const std::string rest = dot == std::string::npos ? "" : s.substr(dot + 1);
      if (head == "workload") {
        workload.apply_override(rest, false, s);
      } else if (head == "arch") {
        arch.apply_override(rest, false, s);
      } else if (head == "new") {  // a model file given the ranks it extends (`einsim simulate` on an import)
        workload.apply_override(rest, true, s);
      }
    }
    einsim::EinsumCascade cascade = einsim::load_workload(workload, {false});
    einsim::CascadeGraph graph(cascade);
    auto passes = einsim::analyze_passes(cascade, graph);
    (void)passes;
    einsim::ArchSpec spec = einsim::load_architecture(arch);
    for (const char* dataflow : {"ws", "os"}) {
      try {
        einsim::Mapping m = einsim::preset_mapping(dataflow, cascade, spec);
        (void)m;
      } catch (const einsim::Error&) {
      }
    }
  } catch (const einsim::Error&) {
  }
  return 0;
}
