// libFuzzer target: arbitrary bytes as a mapping file, read against bundled
// workload + architecture pairs (loaded once) so that every cross-check runs
// (Einsum, array and level names, tiles, dataflows). Every input must either
// load (then be described) or fail with einsim::Error; anything else is a bug.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "workloads/einsum_cascade.hpp"

namespace {

struct Pair {
  einsim::EinsumCascade cascade;
  einsim::ArchSpec arch;
};

// The pairs of the bundled mappings (mappings/library/*.yaml).
const std::vector<Pair>& pairs() {
  static const std::vector<Pair> p = [] {
    const std::string dir = EINSIM_SOURCE_DIR;
    const char* files[][2] = {{"workloads/library/attention_fusemax.yaml", "arch/library/fusemax_cloud.yaml"},
                              {"workloads/library/gemm_groupwise_quant.yaml", "arch/library/mixpe.yaml"},
                              {"workloads/library/alexnet_conv1.yaml", "arch/library/eyeriss_like.yaml"}};
    std::vector<Pair> out;
    for (const auto& f : files) {
      out.push_back({einsim::load_workload(einsim::YamlDocument::load_file(dir + "/" + f[0])),
                     einsim::load_architecture(einsim::YamlDocument::load_file(dir + "/" + f[1]))});
    }
    return out;
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::vector<Pair>& ps = pairs();
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<einsim::YamlDocument> doc;
  try {
    doc.emplace(einsim::YamlDocument::load_string(text, "fuzz.yaml"));
    std::string summary = einsim::check_mapping_document(*doc);
    (void)summary;
  } catch (const einsim::Error&) {
  }
  if (!doc) return 0;
  for (const Pair& p : ps) {
    try {
      einsim::Mapping m = einsim::load_mapping(*doc, p.cascade, p.arch);
      auto lines = m.describe(p.cascade);
      (void)lines;
    } catch (const einsim::Error&) {
    }
  }
  return 0;
}
