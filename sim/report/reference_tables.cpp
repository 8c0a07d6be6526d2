#include "sim/report/reference_tables.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

namespace einsim::report {

namespace {

struct Component {
  std::string name;
  int64_t instances = 1;
  std::vector<std::pair<std::string, double>> actions;  // energy per action, pJ
  std::vector<uint64_t> counts;                         // per action, over all instances
  std::optional<double> area_um2;                       // of one instance
};

std::string instanced(const std::string& base, int64_t n) {
  return n > 1 ? fmt::format("{}[0..{}]", base, n - 1) : base;
}

std::vector<Component> components(const Design& d, bool several) {
  const Json& r = d.report;
  const std::string prefix =
      several ? fmt::format("system.{}", d.name) : fmt::format("system.{}", r.at("architecture").get<std::string>());
  std::vector<Component> out;
  for (const auto& [name, a] : r.at("arrays").items()) {
    Component c;
    c.instances = a.at("pes").get<int64_t>();
    c.name = instanced(fmt::format("{}.{}.PE", prefix, name), c.instances);
    const Json per = a.value("action_energy_pj", Json::object());
    if (!a.at("energy_pj").is_null()) {
      for (const auto& [action, count] : a.at("actions").items()) {
        c.actions.emplace_back(action, per.contains(action) ? per.at(action).get<double>() : 0.0);
        c.counts.push_back(count.get<uint64_t>());
      }
    }
    if (!a.at("area_um2").is_null() && c.instances > 0)
      c.area_um2 = a.at("area_um2").get<double>() / static_cast<double>(c.instances);
    out.push_back(std::move(c));
  }
  for (const auto& [name, l] : r.at("levels").items()) {
    Component c;
    c.instances = l.value("per_pe", false) ? l.at("instances").get<int64_t>() : 1;
    c.name = instanced(fmt::format("{}.{}", prefix, name), c.instances);
    const Json read = l.value("read_energy_pj", Json(nullptr));
    if (!l.at("energy_pj").is_null() && read.is_number()) {
      const uint64_t rb = l.at("reads").get<uint64_t>(), wb = l.at("writes").get<uint64_t>();
      const double re = read.get<double>(), we = l.at("energy_pj").get<double>() - re;
      c.actions.emplace_back("read", rb ? re / static_cast<double>(rb) : 0.0);
      c.counts.push_back(rb);
      c.actions.emplace_back("write", wb ? we / static_cast<double>(wb) : 0.0);
      c.counts.push_back(wb);
    }
    if (!l.at("area_um2").is_null() && c.instances > 0)
      c.area_um2 = l.at("area_um2").get<double>() / static_cast<double>(c.instances);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

ReferenceTables reference_tables(const std::vector<Design>& designs) {
  ReferenceTables t;
  t.ert = {"ERT", "Energy reference table (pJ per action)",
           {"component", "instances", "action", "energy_pj", "count", "total_pj"}, {}};
  t.art = {"ART", "Area reference table (um^2 per instance)", {"component", "instances", "area_um2", "total_um2"},
           {}};
  YAML::Emitter ert, art;
  ert.SetDoublePrecision(17);
  art.SetDoublePrecision(17);
  ert << YAML::BeginMap << YAML::Key << "ERT" << YAML::Value << YAML::BeginMap << YAML::Key << "version"
      << YAML::Value << "0.3" << YAML::Key << "tables" << YAML::Value << YAML::BeginSeq;
  art << YAML::BeginMap << YAML::Key << "ART" << YAML::Value << YAML::BeginMap << YAML::Key << "version"
      << YAML::Value << "0.3" << YAML::Key << "tables" << YAML::Value << YAML::BeginSeq;
  for (const Design& d : designs) {
    for (const Component& c : components(d, designs.size() > 1)) {
      if (!c.actions.empty()) {
        ert << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name << YAML::Key << "actions"
            << YAML::Value << YAML::BeginSeq;
        for (size_t i = 0; i < c.actions.size(); ++i) {
          const auto& [action, e] = c.actions[i];
          ert << YAML::BeginMap << YAML::Key << "name" << YAML::Value << action << YAML::Key << "arguments"
              << YAML::Value << YAML::Null << YAML::Key << "energy" << YAML::Value << e << YAML::EndMap;
          t.ert.rows.push_back({c.name, c.instances, action, e, c.counts[i], e * static_cast<double>(c.counts[i])});
        }
        ert << YAML::EndSeq << YAML::EndMap;
      }
      if (c.area_um2) {
        art << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name << YAML::Key << "area" << YAML::Value
            << *c.area_um2 << YAML::EndMap;
        t.art.rows.push_back({c.name, c.instances, *c.area_um2, *c.area_um2 * static_cast<double>(c.instances)});
      }
    }
  }
  ert << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  art << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  t.ert_yaml = "# Energy reference table from einsim: energy in pJ per action; a buffer's read or write\n"
               "# moves one byte.\n" + std::string(ert.c_str()) + "\n";
  t.art_yaml = "# Area reference table from einsim: area in um^2 per instance.\n" + std::string(art.c_str()) + "\n";
  return t;
}

}  // namespace einsim::report
