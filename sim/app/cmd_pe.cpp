// einsim pe [KIND...] [--table T] [--node NM] [--json]: area and energy per
// action of PE kinds from a technology table, scaled to a node.

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arch/pe/pe_kind.hpp"
#include "arch/tech/cost_table.hpp"
#include "arch/tech/node_scaling.hpp"
#include "sim/app/commands.hpp"
#include "sim/app/document_checks.hpp"
#include "sim/core/error.hpp"

namespace einsim::app {
namespace {

struct PeOptions {
  std::vector<std::string> kinds;
  std::string table = "horowitz45";
  std::optional<double> node_nm;  // empty: the table's own node
  bool json = false;
};

// The default listing: the standard kinds, then any other kind the table lists as a whole unit.
std::vector<std::string> default_kinds(const TechnologyTable& t) {
  std::vector<std::string> kinds = standard_pe_kind_names();
  for (const auto* e : t.of_class(ComponentClass::pe)) {
    bool known = false;
    for (const auto& k : kinds) known = known || k == e->kind;
    if (!known) kinds.push_back(e->kind);
  }
  return kinds;
}

// Three significant digits, without exponent notation for areas up to 1e9 um^2.
std::string format_number(double v) {
  if (v >= 1000) return fmt::format("{:.0f}", v);
  return fmt::format("{:.3g}", v);
}

void run_pe(const PeOptions& o) {
  TechnologyTable table = load_technology_table(find_technology_file(o.table));
  const double node = o.node_nm ? *o.node_nm : table.node_nm;
  CostTable costs(table, node);
  const bool explicit_kinds = !o.kinds.empty();
  const std::vector<std::string> kinds = explicit_kinds ? o.kinds : default_kinds(table);

  std::vector<PeCost> rows;
  std::vector<std::string> skipped;
  for (const auto& name : kinds) {
    auto kind = parse_pe_kind(name);
    if (!kind)
      throw Error(
          fmt::format("unknown PE kind '{}' (e.g. mac_int8, mac_fp8_e4m3, mixpe_w4a16, lmul_m3, vector_fp16)", name));
    try {
      rows.push_back(costs.pe_cost(*kind));
    } catch (const Error& e) {
      if (explicit_kinds) throw;
      skipped.push_back(name);
    }
  }

  if (o.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      nlohmann::ordered_json j;
      j["kind"] = r.kind;
      j["table"] = table.name;
      j["node_nm"] = node;
      j["area_um2"] = r.area_um2 ? nlohmann::ordered_json(*r.area_um2) : nlohmann::ordered_json(nullptr);
      nlohmann::ordered_json e = nlohmann::ordered_json::object();
      nlohmann::ordered_json de = nlohmann::ordered_json::object();
      for (const auto& [a, v] : r.energy_pj) {
        e[std::string(action_name(a))] = v;
        de[std::string(action_name(a))] = r.energy_derived.at(a);
      }
      j["energy_pj"] = e;
      j["derived"] = {{"area_um2", r.area_derived}, {"energy_pj", de}};
      out.push_back(j);
    }
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("technology table {} ({} nm) scaled to {} nm\nsource: {}\n", table.name, table.node_nm,
                             node, table.source);
    std::cout << fmt::format("{:<22} {:>12}  {}\n", "kind", "area_um2", "energy_pj per action");
    for (const auto& r : rows) {
      std::string area = r.area_um2 ? format_number(*r.area_um2) + (r.area_derived ? "*" : " ") : "n/a ";
      std::string energy;
      for (const auto& [a, v] : r.energy_pj)
        energy += fmt::format("{}{}={}{}", energy.empty() ? "" : "  ", action_name(a), format_number(v),
                              r.energy_derived.at(a) ? "*" : "");
      std::cout << fmt::format("{:<22} {:>12}  {}\n", r.kind, area, energy);
    }
    std::cout << "* derived from the table's primitives (or marked derived in the table); others as published\n";
    if (!skipped.empty()) {
      std::string list;
      for (const auto& s : skipped) list += (list.empty() ? "" : ", ") + s;
      std::cout << fmt::format("not derivable from {}: {}\n", table.name, list);
    }
  }
  std::cout.flush();
}

}  // namespace

std::string check_technology(const YamlDocument& doc) {
  TechnologyTable t = parse_technology_table(doc.body());
  // Every standard kind the table lists must also be costable at its own node.
  CostTable costs(t, t.node_nm);
  for (const auto* e : t.of_class(ComponentClass::pe)) costs.pe_cost(e->kind);
  return fmt::format("technology table '{}' at {} nm, {} components", t.name, t.node_nm, t.components.size());
}

void register_pe(CLI::App& app) {
  auto o = std::make_shared<PeOptions>();
  auto* cmd = app.add_subcommand("pe", "Area and energy per action of PE kinds from a technology table");
  cmd->add_option("kinds", o->kinds, "PE kinds (default: the standard kinds), e.g. mac_int8 mixpe_w4a16 lmul_m3");
  cmd->add_option("--table,-t", o->table,
                  "technology table: a bundled name (aladdin40, fusemax45, horowitz45, mixpe28) or a YAML path")
      ->capture_default_str();
  cmd->add_option("--node", o->node_nm, "technology node in nm (7-130; default: the table's own node)");
  cmd->add_flag("--json", o->json, "print a JSON list instead of a table");
  cmd->callback([o] { run_pe(*o); });
}

}  // namespace einsim::app
