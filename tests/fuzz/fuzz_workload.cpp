// libFuzzer target: arbitrary bytes as a workload file. Every input must
// either load (and then analyze and evaluate) or fail with einsim::Error;
// anything else (a crash, a sanitizer report, another exception) is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"
#include "workloads/evaluator.hpp"
#include "workloads/pass_analysis.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    einsim::YamlDocument doc = einsim::YamlDocument::load_string(text, "fuzz.yaml");
    einsim::WorkloadLoadOptions options;
    options.allow_extends = false;  // keep runs independent of the file system
    einsim::EinsumCascade cascade = einsim::load_workload(doc, options);
    einsim::CascadeGraph graph(cascade);
    auto passes = einsim::analyze_passes(cascade, graph);
    std::string dot = graph.to_dot();
    (void)passes;
    (void)dot;
    einsim::EvalOptions eval;
    eval.max_elements = 4096;
    eval.max_points = 1 << 16;
    auto values = einsim::evaluate_cascade(cascade, graph, eval);
    (void)values;
  } catch (const einsim::Error&) {
  }
  return 0;
}
