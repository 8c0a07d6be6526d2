// einsim pe [KIND...] [--table T] [--node NM] [--json FILE|-] [--csv FILE|-]: area and energy per
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
#include "sim/report/output.hpp"
#include "sim/report/tables.hpp"

namespace einsim::app {
namespace {

struct PeOptions {
  std::vector<std::string> kinds;
  std::string table = "horowitz45";
  std::optional<double> node_nm;  // empty: the table's own node
  std::string json_file;  // --json FILE, "-" for standard output
  bool json_given = false;
  std::string csv_file;
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
  if (o.json_given && o.json_file.empty())
    throw Error("--json takes a file now: --json FILE, or --json - for standard output (as simulate, map and report)");
  report::check_one_standard_output({{"--json", o.json_file}, {"--csv", o.csv_file}});
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

  if (!o.csv_file.empty()) {
    // One row per kind and action: exact numbers.
    report::Table t;
    t.name = "pe";
    t.columns = {"kind", "table", "node_nm", "area_um2", "area_derived", "action", "energy_pj", "energy_derived"};
    for (const auto& r : rows) {
      for (const auto& [a, v] : r.energy_pj) {
        t.rows.push_back({report::Json(r.kind), report::Json(table.name), report::Json(node),
                          r.area_um2 ? report::Json(*r.area_um2) : report::Json(nullptr), report::Json(r.area_derived),
                          report::Json(std::string(action_name(a))), report::Json(v),
                          report::Json(static_cast<bool>(r.energy_derived.at(a)))});
      }
    }
    report::write_output(o.csv_file, report::to_csv(t));
  }
  if (!o.json_file.empty()) {
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
    report::write_json(o.json_file, out);
  }
  if (o.json_file != "-" && o.csv_file != "-") {
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
  auto* json =
      cmd->add_option("--json", o->json_file, "write a JSON list to FILE (- for standard output)")->expected(0, 1);
  cmd->add_option("--csv", o->csv_file, "write one row per kind and action as CSV to FILE (- for standard output)");
  cmd->callback([o, json] {
    o->json_given = json->count() > 0;
    run_pe(*o);
  });
}

}  // namespace einsim::app
