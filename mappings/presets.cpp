// The --dataflow presets: their names and the dispatch to each family.
#include "mappings/preset_common.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/pass_analysis.hpp"

namespace einsim {
using namespace mapping_detail;
using namespace preset_detail;

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"ws", "os", "is", "flat", "fusemax"};
  return names;
}

Mapping preset_mapping(std::string_view dataflow, const EinsumCascade& c, const ArchSpec& arch) {
  if (auto d = parse_dataflow(dataflow)) return systolic_preset(dataflow, *d, c, arch);
  return attention_preset(dataflow, c, arch);
}

}  // namespace einsim
