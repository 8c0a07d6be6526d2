// The mapping model: describing a mapping for reports.
#include "mappings/mapping.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/pass_analysis.hpp"
#include "mappings/mapping_util.hpp"

namespace einsim {
using namespace mapping_detail;

std::vector<std::string> Mapping::describe(const EinsumCascade& c) const {
  std::vector<std::string> out;
  for (const auto& g : groups) {
    std::string names;
    for (int e : g.einsums) names += (names.empty() ? "" : " ") + c.einsums[e].name;
    if (g.kind == GroupKind::systolic) {
      if (g.epilogue >= 0) names = fmt::format("{} with epilogue {}", c.einsums[g.einsums.front()].name,
                                               c.einsums[g.epilogue].name);
      out.push_back(fmt::format("systolic group '{}': {} on {} ({})", g.name, names, g.array,
                                dataflow_name(g.dataflow)));
    } else {
      std::string loops;
      bool in_buffer = false;
      for (const auto& l : g.loops) {
        if (l.in_buffer && !in_buffer) loops += fmt::format("{}in {}:", loops.empty() ? "" : " | ", g.buffer);
        in_buffer = l.in_buffer;
        loops += (loops.empty() ? "" : " ") + c.ranks[l.rank].name;
        if (l.tile) loops += fmt::format("/{}", l.tile);
      }
      if (!g.pe_order.empty()) {
        loops += fmt::format("{}in {}:", loops.empty() ? "" : " | ", g.pe_level);
        for (const auto& l : g.pe_order) loops += " " + c.ranks[l.rank].name + (l.tile ? fmt::format("/{}", l.tile) : "");
      }
      out.push_back(fmt::format("fused group '{}': {} | loops {} | buffer {} x{} slots", g.name, names,
                                loops.empty() ? "(none)" : loops, g.buffer, g.slots));
    }
  }
  return out;
}

}  // namespace einsim
