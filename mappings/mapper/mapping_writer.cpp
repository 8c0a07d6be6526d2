#include "mappings/mapper/mapping_writer.hpp"

#include <fmt/format.h>

namespace einsim {
namespace {

std::string ranks(const EinsumCascade& c, const std::vector<int>& rs) {
  if (rs.size() == 1) return c.ranks[rs[0]].name;
  std::string s;
  for (int r : rs) s += (s.empty() ? "" : ", ") + c.ranks[r].name;
  return "[" + s + "]";
}

std::string loop(const EinsumCascade& c, const GroupLoop& l, const std::string& level) {
  if (l.tile == 0 && level.empty()) return c.ranks[l.rank].name;
  std::string s = "{rank: " + c.ranks[l.rank].name;
  if (l.tile) s += fmt::format(", tile: {}", l.tile);
  if (!level.empty()) s += ", level: " + level;
  return s + "}";
}

}  // namespace

std::string mapping_yaml(const Mapping& m, const EinsumCascade& c, const ArchSpec& arch,
                         const std::vector<std::string>& header) {
  std::string out;
  for (const auto& h : header) out += "# " + h + "\n";
  out += "mapping:\n";
  out += fmt::format("  name: {}\n", m.name);
  out += "  groups:\n";
  for (const auto& g : m.groups) {
    out += fmt::format("    - name: {}\n", g.name);
    if (g.kind == GroupKind::systolic) {
      out += fmt::format("      systolic: {{einsum: {}, array: {}, dataflow: {}", c.einsums[g.einsums.front()].name,
                         g.array, dataflow_name(g.dataflow));
      if (g.epilogue >= 0) out += ", epilogue: " + c.einsums[g.epilogue].name;
      out += "}\n";
      continue;
    }
    std::string einsums;
    for (int e : g.einsums) einsums += (einsums.empty() ? "" : ", ") + c.einsums[e].name;
    out += fmt::format("      einsums: [{}]\n", einsums);
    if (!g.loops.empty() || !g.pe_order.empty()) {
      out += "      loops:\n";
      for (const auto& l : g.loops) out += "        - " + loop(c, l, l.in_buffer ? g.buffer : "") + "\n";
      for (const auto& l : g.pe_order) out += "        - " + loop(c, l, g.pe_level) + "\n";
    }
    out += fmt::format("      slots: {}\n", g.slots);
    out += fmt::format("      buffer: {}\n", g.buffer);
    out += "      place:\n";
    for (const auto& p : g.placements) {
      const ComputeArray* a = arch.find_array(p.array);
      std::string fields = "array: " + p.array;
      if (a && a->dimensions == 1) {
        if (!p.cols.empty()) fields += ", lanes: " + ranks(c, p.cols);
      } else {
        if (!p.rows.empty()) fields += ", rows: " + ranks(c, p.rows);
        if (!p.cols.empty()) fields += ", cols: " + ranks(c, p.cols);
      }
      out += fmt::format("        {}: {{{}}}\n", c.einsums[p.einsum].name, fields);
    }
  }
  return out;
}

}  // namespace einsim
