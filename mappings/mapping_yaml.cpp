// Reading a `mapping:` YAML document (load_mapping, check_mapping_document).
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

std::string check_mapping_document(const YamlDocument& doc) {
  SpecNode body = doc.body();
  if (doc.kind() != "mapping") body.fail("expected a mapping: file");
  body.check_keys({"name", "description", "groups"});
  size_t fused = 0, systolic = 0, placements = 0;
  for (const auto& gn : body.at("groups").items()) {
    if (gn.has("systolic")) {
      gn.check_keys({"name", "systolic"});
      SpecNode s = gn.at("systolic");
      s.check_keys({"einsum", "array", "dataflow", "epilogue"});
      s.at("einsum").as_string();
      if (auto ep = s.find("epilogue")) ep->as_string();
      s.at("array").as_string();
      if (!parse_dataflow(s.at("dataflow").as_string())) s.at("dataflow").fail("dataflow must be ws, os or is");
      ++systolic;
      continue;
    }
    gn.check_keys({"name", "einsums", "loops", "slots", "buffer", "place"});
    gn.at("name").as_string();
    if (auto en = gn.find("einsums")) en->as_string_list();
    if (auto ln = gn.find("loops")) {
      for (const auto& item : ln->items()) {
        if (item.is_scalar()) continue;
        item.check_keys({"rank", "tile", "level"});
        item.at("rank").as_string();
        if (auto tn = item.find("tile"); tn && tn->as_int() <= 0) tn->fail("a tile must be positive");
        if (auto lv = item.find("level")) lv->as_string();
      }
    }
    if (auto sn = gn.find("slots")) {
      const int64_t slots = sn->as_int();
      if (slots < 1 || slots > 64) sn->fail("slots must be between 1 and 64");
    }
    if (auto bn = gn.find("buffer")) bn->as_string();
    for (const auto& [name, pn] : gn.at("place").entries()) {
      pn.check_keys({"array", "rows", "cols", "lanes"});
      pn.at("array").as_string();
      for (const char* k : {"rows", "cols", "lanes"})
        if (auto r = pn.find(k)) r->as_string_list();
      ++placements;
    }
    ++fused;
  }
  return fmt::format("mapping '{}': {} fused group(s) placing {} Einsums, {} systolic group(s)",
                     body.as_string_or("name", "mapping"), fused, placements, systolic);
}

Mapping load_mapping(const YamlDocument& doc, const EinsumCascade& c, const ArchSpec& arch) {
  SpecNode body = doc.body();
  if (doc.kind() != "mapping") body.fail("expected a mapping: file");
  body.check_keys({"name", "description", "groups"});
  Mapping m;
  m.name = body.as_string_or("name", "mapping");
  m.source = doc.file();
  auto find_einsum = [&](const std::string& name, const SpecNode& where) {
    for (size_t e = 0; e < c.einsums.size(); ++e)
      if (c.einsums[e].name == name) return static_cast<int>(e);
    where.fail(fmt::format("unknown Einsum '{}' in workload '{}'", name, c.name));
  };
  auto einsum_index = [&](const SpecNode& n) { return find_einsum(n.as_string(), n); };
  auto rank_index = [&](const SpecNode& n) {
    const std::string name = n.as_string();
    const int r = c.find_rank(name);
    if (r < 0) n.fail(fmt::format("unknown rank '{}' in workload '{}'", name, c.name));
    return r;
  };
  auto rank_list_of = [&](const SpecNode& n) {
    std::vector<int> out;
    if (n.is_scalar()) {
      out.push_back(rank_index(n));
    } else {
      for (const auto& item : n.items()) out.push_back(rank_index(item));
    }
    return out;
  };
  const SpecNode groups = body.at("groups");
  m.location = groups.location();
  if (groups.items().empty()) groups.fail("the mapping has no groups: list at least one group placing the workload's Einsums");
  for (const auto& gn : groups.items()) {
    MappingGroup g;
    g.location = gn.location();
    if (gn.has("systolic")) {
      gn.check_keys({"name", "systolic"});
      SpecNode s = gn.at("systolic");
      s.check_keys({"einsum", "array", "dataflow", "epilogue"});
      g.kind = GroupKind::systolic;
      g.einsums = {einsum_index(s.at("einsum"))};
      if (auto ep = s.find("epilogue")) {
        g.epilogue = einsum_index(*ep);
        g.einsums.push_back(g.epilogue);
      }
      g.name = gn.as_string_or("name", c.einsums[g.einsums[0]].name);
      g.array = s.at("array").as_string();
      if (!arch.find_array(g.array)) s.at("array").fail(fmt::format("unknown array '{}' in architecture '{}'", g.array, arch.name));
      auto d = parse_dataflow(s.at("dataflow").as_string());
      if (!d) s.at("dataflow").fail("dataflow must be ws, os or is");
      g.dataflow = *d;
    } else {
      gn.check_keys({"name", "einsums", "loops", "slots", "buffer", "place"});
      g.name = gn.at("name").as_string();
      SpecNode place = gn.at("place");
      if (auto en = gn.find("einsums")) {
        for (const auto& item : en->items()) g.einsums.push_back(einsum_index(item));
      } else {
        for (const auto& [name, node] : place.entries()) g.einsums.push_back(find_einsum(name, node));
      }
      std::sort(g.einsums.begin(), g.einsums.end());
      g.buffer = gn.has("buffer") ? gn.at("buffer").as_string() : default_buffer(arch);
      if (!arch.find_level(g.buffer)) gn.at("buffer").fail(fmt::format("unknown storage level '{}'", g.buffer));
      g.slots = gn.as_int_or("slots", default_slots(arch, g.buffer));
      if (auto sn = gn.find("slots")) g.slots_location = sn->location();
      if (auto ln = gn.find("loops")) {
        for (const auto& item : ln->items()) {
          GroupLoop l;
          l.location = item.location();
          if (item.is_scalar()) {
            l.rank = rank_index(item);
          } else {
            item.check_keys({"rank", "tile", "level"});
            l.rank = rank_index(item.at("rank"));
            if (auto tn = item.find("tile")) {
              l.tile = tn->as_int();
              if (l.tile <= 0) tn->fail("a tile must be positive");
            }
            if (auto lv = item.find("level")) {
              // The DRAM's loops bring the buffer's tiles; the buffer's loops cut them for the arrays;
              // the register file's order the PEs' points.
              const std::string level = lv->as_string();
              const StorageLevel* sl = arch.find_level(level);
              if (level == g.buffer) {
                l.in_buffer = true;
              } else if (sl && sl->kind == StorageKind::regfile) {
                if (!g.pe_level.empty() && g.pe_level != level) {
                  lv->fail(fmt::format("the group's register-file loops belong to {} already", g.pe_level));
                }
                g.pe_level = level;
                g.pe_order.push_back(l);
                continue;
              } else if (level != arch.dram().name) {
                lv->fail(fmt::format("a fused group's loops belong to the DRAM ({}), to the group's buffer ({}) or "
                                     "to a register file, not to '{}'",
                                     arch.dram().name, g.buffer, level));
              }
            }
          }
          if (!g.pe_order.empty()) {
            item.fail(fmt::format("this loop is inside the loops of the register file {}: list the register "
                                  "file's loops last",
                                  g.pe_level));
          }
          g.loops.push_back(l);
        }
      }
      for (int e : g.einsums) {
        auto pn = place.find(c.einsums[e].name);
        if (!pn) place.fail(fmt::format("no placement for Einsum {}", c.einsums[e].name));
        pn->check_keys({"array", "rows", "cols", "lanes"});
        EinsumPlacement p;
        p.einsum = e;
        p.array = pn->at("array").as_string();
        const ComputeArray* a = arch.find_array(p.array);
        if (!a) pn->at("array").fail(fmt::format("unknown array '{}' in architecture '{}'", p.array, arch.name));
        if (auto r = pn->find("rows")) {
          if (a->dimensions == 1) r->fail(fmt::format("array '{}' is 1D: give lanes", p.array));
          p.rows = rank_list_of(*r);
        }
        if (auto r = pn->find("cols")) p.cols = rank_list_of(*r);
        if (auto r = pn->find("lanes")) {
          if (a->dimensions == 2) r->fail(fmt::format("array '{}' is 2D: give rows and cols", p.array));
          p.cols = rank_list_of(*r);
        }
        for (int r : p.rows) {
          if (contains(p.cols, r)) pn->fail(fmt::format("rank {} is on two array dimensions", c.ranks[r].name));
        }
        g.placements.push_back(p);
      }
    }
    m.groups.push_back(g);
  }
  validate_mapping(m, c, arch);
  return m;
}

}  // namespace einsim
