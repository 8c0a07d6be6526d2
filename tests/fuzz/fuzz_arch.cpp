// libFuzzer target: arbitrary bytes as an architecture file. Every input must
// either load (then be described and costed from its technology table, which
// the loader resolves by bundled name or path) or fail with einsim::Error;
// anything else (a crash, a sanitizer report, another exception) is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include "arch/spec/arch_spec.hpp"
#include "arch/tech/design_cost.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    einsim::YamlDocument doc = einsim::YamlDocument::load_string(text, "fuzz.yaml");
    einsim::ArchSpec arch = einsim::load_architecture(doc);
    std::string line = einsim::describe_architecture(arch);
    (void)line;
    einsim::DesignCost cost = einsim::design_area(arch);
    (void)cost;
  } catch (const einsim::Error&) {
  }
  return 0;
}
