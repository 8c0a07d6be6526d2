#include "sim/report/tables.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::report {

namespace {

Json num_or_null(const Json& j, const char* key) { return j.contains(key) ? j.at(key) : Json(nullptr); }

double number(const Json& j, const char* key) {
  return j.contains(key) && j.at(key).is_number() ? j.at(key).get<double>() : 0.0;
}

Table energy_table(const std::vector<Design>& designs) {
  Table t{"energy", "Energy by component and action (pJ)", {"design", "component", "kind", "action", "count",
                                                            "energy_per_action_pj", "energy_pj"}, {}};
  for (const Design& d : designs) {
    for (const auto& [name, a] : d.report.at("arrays").items()) {
      if (!a.contains("energy_pj") || a.at("energy_pj").is_null()) continue;
      const Json per = a.value("action_energy_pj", Json::object());
      for (const auto& [action, count] : a.at("actions").items()) {
        const double e = per.contains(action) ? per.at(action).get<double>() : 0.0;
        t.rows.push_back({d.name, name, "array", action, count, e, count.get<double>() * e});
      }
    }
    for (const auto& [name, l] : d.report.at("levels").items()) {
      if (!l.contains("energy_pj") || l.at("energy_pj").is_null()) continue;
      const double total = l.at("energy_pj").get<double>();
      const Json read = num_or_null(l, "read_energy_pj");
      if (read.is_null()) {
        t.rows.push_back({d.name, name, l.at("kind"), "access", nullptr, nullptr, total});
        continue;
      }
      const double r = read.get<double>();
      const double rb = number(l, "reads"), wb = number(l, "writes");
      t.rows.push_back({d.name, name, l.at("kind"), "read", l.at("reads"), rb > 0 ? Json(r / rb) : Json(nullptr), r});
      t.rows.push_back({d.name, name, l.at("kind"), "write", l.at("writes"),
                        wb > 0 ? Json((total - r) / wb) : Json(nullptr), total - r});
    }
  }
  return t;
}

Table area_table(const std::vector<Design>& designs) {
  Table t{"area", "Area by component (um^2)", {"design", "component", "kind", "instances", "area_um2"}, {}};
  for (const Design& d : designs) {
    for (const auto& [name, a] : d.report.at("arrays").items()) {
      if (a.contains("area_um2") && !a.at("area_um2").is_null())
        t.rows.push_back({d.name, name, "array", a.at("pes"), a.at("area_um2")});
    }
    for (const auto& [name, l] : d.report.at("levels").items()) {
      if (!l.contains("area_um2") || l.at("area_um2").is_null()) continue;
      const Json instances = l.value("per_pe", false) ? l.at("instances") : Json(1);
      t.rows.push_back({d.name, name, l.at("kind"), instances, l.at("area_um2")});
    }
  }
  return t;
}

Table utilization_table(const std::vector<Design>& designs) {
  Table t{"utilization", "Utilization per array",
          {"design", "array", "pe", "pes", "utilization", "busy_fraction", "busy_cycles", "stall_cycles",
           "idle_cycles"},
          {}};
  for (const Design& d : designs) {
    for (const auto& [name, a] : d.report.at("arrays").items()) {
      t.rows.push_back({d.name, name, a.at("pe"), a.at("pes"), a.at("utilization"), a.at("busy_fraction"),
                        a.at("busy_cycles"), a.at("stall_cycles"), a.at("idle_cycles")});
    }
  }
  return t;
}

Table traffic_table(const std::vector<Design>& designs) {
  Table t{"traffic", "DRAM and buffer traffic per level (bytes)",
          {"design", "level", "kind", "read_bytes", "write_bytes", "fill_bytes", "peak_occupancy_bytes"},
          {}};
  for (const Design& d : designs) {
    for (const auto& [name, l] : d.report.at("levels").items()) {
      t.rows.push_back({d.name, name, l.at("kind"), l.at("reads"), l.at("writes"), l.at("fills"),
                        l.at("peak_occupancy_bytes")});
    }
  }
  return t;
}

Table timeline_table(const std::vector<Design>& designs) {
  Table t{"timeline", "Timeline of the groups on the arrays and DRAM (cycles)",
          {"design", "group", "unit", "start_cycle", "end_cycle", "busy_cycles"}, {}};
  for (const Design& d : designs) {
    uint64_t start = 0;
    for (const Json& g : d.report.at("groups")) {
      const uint64_t s = g.value("start_cycle", start);
      const uint64_t cycles = g.at("cycles").get<uint64_t>();
      t.rows.push_back({d.name, g.at("name"), "group", s, s + cycles, cycles});
      for (const Json& u : g.value("units", Json::array())) {
        t.rows.push_back({d.name, g.at("name"), u.at("name"), s + u.at("first_start").get<uint64_t>(),
                          s + u.at("last_end").get<uint64_t>(), u.at("busy_cycles")});
      }
      start = s + cycles;
    }
  }
  return t;
}

Table summary_table(const std::vector<Design>& designs) {
  Table t{"summary", "Summary",
          {"design", "workload", "architecture", "mapping", "cycles", "seconds", "energy_pj", "area_mm2", "edp",
           "dram_bytes", "costs_complete"},
          {}};
  for (const Design& d : designs) {
    const Json& r = d.report;
    const Json e = num_or_null(r, "energy_pj");
    const Json edp = e.is_number() ? Json(e.get<double>() * r.at("seconds").get<double>()) : Json(nullptr);
    t.rows.push_back({d.name, r.at("workload"), r.at("architecture"), r.at("mapping"), r.at("cycles"),
                      r.at("seconds"), e, num_or_null(r, "area_mm2"), edp, r.at("dram_bytes"),
                      r.value("costs_complete", false)});
  }
  return t;
}

Table inputs_table(const std::vector<Design>& designs) {
  Table t{"inputs", "Inputs that produced each design", {"design", "input", "value"}, {}};
  for (const Design& d : designs) {
    const Json in = d.report.value("inputs", Json::object());
    for (const auto& [k, v] : in.items()) t.rows.push_back({d.name, k, v.is_string() ? v : Json(v.dump())});
    t.rows.push_back({d.name, "technology_used", d.report.value("technology", "")});
  }
  return t;
}

}  // namespace

Table groups_table(const Json& report) {
  Table t;
  t.name = "groups";
  t.title = "Groups (layers) one after another";
  t.columns = {"group", "kind", "start_cycle", "cycles", "steps", "simulated_steps", "extrapolated", "mapping"};
  if (!report.contains("groups")) return t;
  for (const Json& g : report.at("groups")) {
    t.rows.push_back({g.at("name"), g.at("kind"), g.at("start_cycle"), g.at("cycles"), g.at("steps"),
                      g.at("simulated_steps"), g.at("extrapolated"), g.at("mapping")});
  }
  return t;
}

std::vector<Table> design_tables(const std::vector<Design>& designs) {
  return {summary_table(designs),  energy_table(designs),   area_table(designs), utilization_table(designs),
          traffic_table(designs),  timeline_table(designs), inputs_table(designs)};
}

size_t column(const Table& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i] == name) return i;
  throw InternalError(fmt::format("table {} has no column {}", t.name, name));
}

namespace {

std::string csv_field(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) return fmt::format("{:.17g}", v.get<double>());
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

std::string to_csv(const Table& t) {
  std::string out;
  for (size_t i = 0; i < t.columns.size(); ++i) out += (i ? "," : "") + csv_field(t.columns[i]);
  out += "\n";
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_field(row[i]);
    out += "\n";
  }
  return out;
}

Json to_json(const Table& t) {
  Json rows = Json::array();
  for (const auto& row : t.rows) {
    Json o = Json::object();
    for (size_t i = 0; i < row.size() && i < t.columns.size(); ++i) o[t.columns[i]] = row[i];
    rows.push_back(o);
  }
  return rows;
}

}  // namespace einsim::report
