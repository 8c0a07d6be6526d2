#include "sim/import/accelergy_import.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace einsim::import {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// `system.PE[0..255].mac` -> `mac`.
std::string leaf(const std::string& name) {
  std::string s = name;
  const size_t dot = s.rfind('.');
  if (dot != std::string::npos) s = s.substr(dot + 1);
  const size_t br = s.find('[');
  if (br != std::string::npos) s = s.substr(0, br);
  return s;
}

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

std::string classify(const std::string& l) {
  const std::string n = lower(l);
  if (has(n, "dram") || has(n, "hbm")) return "dram";
  if (has(n, "mac")) return "pe";
  if (has(n, "regfile") || has(n, "reg_file") || n == "rf" || has(n, "reg")) return "regfile";
  if (has(n, "buffer") || has(n, "glb") || n == "gb" || has(n, "sram") || has(n, "spad") || has(n, "scratchpad"))
    return "sram";
  if (has(n, "exp")) return "exp";
  if (has(n, "div")) return "divider";
  if (has(n, "add")) return "fp_adder";
  if (has(n, "mul")) return "fp_multiplier";
  if (has(n, "max") || has(n, "compar")) return "comparator";
  return "";
}

struct Component {
  std::string name, leaf, cls;
  std::map<std::string, double> energy;  // action -> pJ
  std::optional<double> area;
};

std::vector<SpecNode> tables_of(const YamlDocument& doc, const std::string& key) {
  const SpecNode root = doc.root();
  if (!root.is_map() || !root.has(key)) root.fail(fmt::format("an Accelergy {} file has a top-level `{}:` key", key, key));
  return root.at(key).at("tables").items();
}

double number(const SpecNode& n) {
  const double v = n.as_double();
  if (!(v >= 0)) n.fail("expected a non-negative number");
  return v;
}

}  // namespace

ImportResult import_accelergy(const YamlDocument& ert, const std::optional<YamlDocument>& art,
                              const ComponentAttributes& attributes, const std::string& name, double node_nm) {
  ImportResult r;
  std::vector<Component> comps;
  auto find = [&](const std::string& l) -> Component* {
    for (auto& c : comps)
      if (c.leaf == l) return &c;
    return nullptr;
  };
  for (const SpecNode& t : tables_of(ert, "ERT")) {
    Component c;
    c.name = t.at("name").as_string();
    c.leaf = leaf(c.name);
    if (find(c.leaf)) continue;  // the same component in several places: one row
    for (const SpecNode& a : t.at("actions").items()) c.energy[a.at("name").as_string()] = number(a.at("energy"));
    c.cls = classify(c.leaf);
    comps.push_back(c);
  }
  if (art) {
    for (const SpecNode& t : tables_of(*art, "ART")) {
      if (Component* c = find(leaf(t.at("name").as_string()))) c->area = number(t.at("area"));
    }
  }
  auto attr = [&](const Component& c, const std::string& key) -> std::string {
    auto it = attributes.find(c.leaf);
    if (it != attributes.end()) {
      auto k = it->second.find(key);
      if (k != it->second.end()) return k->second;
    }
    throw Error(fmt::format("{}: component '{}' ({} in einsim) needs its {}: give it with --attr {}.{}=VALUE",
                            ert.file(), c.name, c.cls, key, c.leaf, key));
  };
  auto attr_or = [&](const Component& c, const std::string& key, const std::string& fallback) {
    auto it = attributes.find(c.leaf);
    if (it != attributes.end() && it->second.count(key)) return it->second.at(key);
    return fallback;
  };
  auto energy = [&](const Component& c, std::initializer_list<const char*> names) -> double {
    for (const char* n : names)
      if (c.energy.count(n)) return c.energy.at(n);
    std::vector<std::string> have;
    for (const auto& [k, v] : c.energy) have.push_back(k);
    throw Error(fmt::format("{}: component '{}' has none of the actions einsim needs ({}); it has {}", ert.file(),
                            c.name, fmt::join(std::vector<std::string>(names.begin(), names.end()), ", "),
                            fmt::join(have, ", ")));
  };
  auto area = [](const Component& c) { return c.area ? fmt::format(", area_um2: {}", *c.area) : std::string(); };
  std::string rows;
  for (const Component& c : comps) {
    if (c.cls.empty()) {
      r.notes.push_back(fmt::format("skipped '{}': no einsim class for it", c.name));
      continue;
    }
    rows += fmt::format("    # {} (Accelergy)\n", c.name);
    if (c.cls == "pe") {
      rows += fmt::format("    - {{class: pe, kind: {}, energy_pj: {{mac: {}}}{}}}\n", attr(c, "kind"),
                          energy(c, {"mac_random", "compute", "mac", "mac_reused"}), area(c));
    } else if (c.cls == "dram") {
      rows += fmt::format("    - {{class: dram, width_bits: {}, energy_pj: {}}}\n", attr_or(c, "width_bits", "64"),
                          energy(c, {"read", "read_random", "access"}));
    } else if (c.cls == "regfile" || c.cls == "sram") {
      const double rd = energy(c, {"read", "read_random"});
      const double wr = c.energy.count("write") ? c.energy.at("write") : rd;
      rows += fmt::format("    - {{class: {}, capacity: {}, width_bits: {}{}, read_pj: {}, write_pj: {}{}}}\n", c.cls,
                          attr(c, "capacity"), attr(c, "width_bits"),
                          c.cls == "sram" ? fmt::format(", banks: {}", attr_or(c, "banks", "1")) : std::string(), rd,
                          wr, area(c));
    } else if (c.cls == "comparator") {
      rows += fmt::format("    - {{class: comparator, bits: {}, energy_pj: {}{}}}\n", attr(c, "bits"),
                          energy(c, {"compute", "max", "compare"}), area(c));
    } else if (c.cls == "divider") {
      rows += fmt::format("    - {{class: divider, bits: {}, energy_pj: {}{}}}\n", attr(c, "bits"),
                          energy(c, {"compute", "divide", "div"}), area(c));
    } else {
      rows += fmt::format("    - {{class: {}, format: {}, energy_pj: {}{}}}\n", c.cls, attr(c, "format"),
                          energy(c, {"compute", "add", "multiply", "mul", "exp"}), area(c));
    }
  }
  for (const auto& [comp, keys] : attributes) {
    if (!find(comp)) {
      throw Error(fmt::format("--attr {}.*: the ERT has no component '{}'", comp, comp));
    }
  }
  const std::string t = fmt::format(
      "# Imported from Accelergy tables by `einsim import accelergy`: ERT {}{}.\n"
      "technology:\n  name: {}\n  node_nm: {}\n  source: {}\n  components:\n{}",
      ert.file(), art ? ", ART " + art->file() : std::string(), identifier(name, "accelergy"), node_nm,
      yaml_quote("Accelergy ERT/ART (" + ert.file() + ")"), rows);
  r.files = {{"technology.yaml", t}};
  return r;
}

}  // namespace einsim::import
