#include "dse/sweep_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "dse/constraints.hpp"
#include "mappings/mapper/search.hpp"

namespace einsim::dse {
namespace {

const std::set<std::string> kObjectives = {"cycles", "seconds", "energy_pj", "edp", "area_mm2", "dram_bytes"};

// A path in a sweep file: beside the sweep file first, then as given.
std::string resolve_path(const SpecNode& node, const std::string& sweep_file) {
  const std::string given = node.as_string();
  namespace fs = std::filesystem;
  const fs::path beside = fs::path(sweep_file).parent_path() / given;
  if (fs::path(given).is_relative() && fs::exists(beside)) return beside.lexically_normal().string();
  if (fs::exists(given)) return given;
  node.fail(fmt::format("no such file '{}' (looked beside {} and in the current directory)", given, sweep_file));
}

void check_set_path(const SpecNode& node, const std::string& path, bool has_mapping_file) {
  const auto dot = path.find('.');
  const std::string head = path.substr(0, dot);
  if (dot == std::string::npos || dot + 1 == path.size() ||
      (head != "workload" && head != "arch" && head != "architecture" && head != "mapping")) {
    node.fail(fmt::format("'{}': a path must start with workload., arch. or mapping.", path));
  }
  if (head == "mapping" && !has_mapping_file && path != "mapping.dataflow")
    node.fail(fmt::format("'{}': without a mapping file, the only mapping. path is mapping.dataflow", path));
}

AxisValue scalar_value(const SpecNode& n) {
  if (!n.is_scalar()) n.fail("expected a single value (a number or a word)");
  AxisValue v;
  v.text = n.as_string();
  double d = 0;
  auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
  if (ec == std::errc() && p == v.text.data() + v.text.size() && std::isfinite(d)) {
    v.numeric = true;
    v.number = d;
  }
  return v;
}

AxisValue number_value(double d, const std::string& unit) {
  AxisValue v;
  v.numeric = unit.empty();
  v.number = d;
  v.text = d == std::floor(d) && std::fabs(d) < 9e15 ? fmt::format("{}", static_cast<int64_t>(d))
                                                      : fmt::format("{:.10g}", d);
  if (!unit.empty()) v.text += " " + unit;
  return v;
}

// range: {from, to, step} | {from, to, factor} | {from, to, count, scale: linear|log}
std::vector<AxisValue> range_values(const SpecNode& r) {
  r.check_keys({"from", "to", "step", "factor", "count", "scale", "unit"});
  const double from = r.at("from").as_double(), to = r.at("to").as_double();
  const std::string unit = r.as_string_or("unit", "");
  const int given = int(r.has("step")) + int(r.has("factor")) + int(r.has("count"));
  if (given != 1) r.fail("give one of step (linear), factor (log) or count (with scale: linear or log)");
  std::vector<AxisValue> out;
  constexpr size_t kMax = 100000;
  auto push = [&](double d) {
    if (out.size() >= kMax) r.fail(fmt::format("more than {} values", kMax));
    out.push_back(number_value(d, unit));
  };
  const double eps = 1e-9 * std::max(std::fabs(from), std::fabs(to));
  if (r.has("step")) {
    const double step = r.at("step").as_double();
    if (!(step > 0)) r.at("step").fail("step must be positive");
    if (to < from) r.at("to").fail("to must be at least from");
    for (double i = 0; from + i * step <= to + eps; i += 1) push(from + i * step);
  } else if (r.has("factor")) {
    const double f = r.at("factor").as_double();
    if (!(f > 1)) r.at("factor").fail("factor must be above 1");
    if (!(from > 0) || to < from) r.fail("a log range needs 0 < from <= to");
    for (double v = from; v <= to * (1 + 1e-12); v *= f) push(v);
  } else {
    const int64_t count = r.at("count").as_int();
    if (count < 1 || count > static_cast<int64_t>(kMax)) r.at("count").fail("count must be 1 to 100000");
    const std::string scale = r.as_string_or("scale", "linear");
    if (scale != "linear" && scale != "log") r.at("scale").fail("expected linear or log");
    if (scale == "log" && !(from > 0 && to > 0)) r.fail("a log range needs positive from and to");
    for (int64_t i = 0; i < count; ++i) {
      const double t = count == 1 ? 0 : static_cast<double>(i) / static_cast<double>(count - 1);
      push(scale == "log" ? from * std::pow(to / from, t) : from + (to - from) * t);
    }
  }
  return out;
}

Axis parse_axis(const SpecNode& n, int group, bool has_mapping_file) {
  if (!n.is_map()) n.fail("an axis is a map: {path: ..., values: [...]} or {path: ..., range: {...}}");
  n.check_keys({"name", "path", "values", "range"});
  Axis a;
  a.location = n.location();
  a.group = group;
  a.path = n.at("path").as_string();
  check_set_path(n.at("path"), a.path, has_mapping_file);
  a.name = n.as_string_or("name", a.path);
  if (n.has("values") == n.has("range")) n.fail("give values: or range:, one of them");
  if (n.has("values")) {
    const auto items = n.at("values").items();
    if (items.empty()) n.at("values").fail("an axis needs at least one value");
    for (const auto& item : items) a.values.push_back(scalar_value(item));
  } else {
    a.values = range_values(n.at("range"));
    if (a.values.empty()) n.at("range").fail("the range has no values");
  }
  return a;
}

Constraint parse_constraint(const SpecNode& n) {
  Constraint c;
  c.text = n.as_string();
  c.location = n.location();
  static const char* ops[] = {"<=", ">=", "==", "!=", "<", ">"};
  for (const char* op : ops) {
    const auto at = c.text.find(op);
    if (at == std::string::npos) continue;
    auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    c.op = op;
    c.lhs = trim(c.text.substr(0, at));
    c.rhs = trim(c.text.substr(at + std::string(op).size()));
    if (c.lhs.empty() || c.rhs.empty()) break;
    return c;
  }
  n.fail(fmt::format("'{}': expected NAME OP VALUE with OP one of <=, <, >=, >, ==, != (e.g. area_mm2 <= 400)",
                     c.text));
}

}  // namespace

const std::vector<std::string>& result_metrics() {
  static const std::vector<std::string> m = {"cycles",     "seconds",    "energy_pj",  "area_mm2",
                                             "edp",        "dram_bytes", "utilization"};
  return m;
}

SweepSpec parse_sweep(const YamlDocument& doc) {
  const SpecNode s = doc.body();
  if (!s.is_map()) s.fail("a sweep is a map");
  s.check_keys({"name", "description", "workload", "architecture", "mapping", "set", "axes", "sample",
                "constraints", "objectives", "fidelity", "confirm", "iso_area"});
  SweepSpec spec;
  spec.file = doc.file();
  spec.name = s.as_string_or("name", std::filesystem::path(doc.file()).stem().string());
  spec.workload_file = resolve_path(s.at("workload"), doc.file());
  spec.arch_file = resolve_path(s.at("architecture"), doc.file());
  const SpecNode m = s.at("mapping");
  if (m.is_scalar() && m.as_string() == "map") spec.map = MapSettings{};
  if (!spec.map && !m.is_map()) m.fail("expected {dataflow: PRESET}, {file: MAPPING.yaml} or {map: {...}} (or map)");
  if (!spec.map) m.check_keys({"dataflow", "file", "map"});
  if (!spec.map && m.has("map")) {
    spec.map = MapSettings{};
    if (m.has("dataflow") || m.has("file")) m.fail("give dataflow:, file: or map:, one of them");
    const SpecNode mm = m.at("map");
    if (!mm.is_map()) mm.fail("expected {objective: cycles|energy|edp, budget: N, seed: S}");
    mm.check_keys({"objective", "budget", "seed"});
    spec.map->objective = mm.as_string_or("objective", "cycles");
    if (!parse_objective(spec.map->objective)) mm.at("objective").fail("expected cycles, energy or edp");
    if (mm.has("budget")) {
      spec.map->budget = mm.at("budget").as_int();
      if (spec.map->budget < 1) mm.at("budget").fail("expected at least 1 evaluation per point");
    }
    if (mm.has("seed")) {
      const int64_t seed = mm.at("seed").as_int();
      if (seed < 0) mm.at("seed").fail("expected a seed of 0 or more");
      spec.map->seed = static_cast<uint64_t>(seed);
    }
  } else if (!spec.map && m.has("dataflow") == m.has("file")) {
    m.fail("give dataflow:, file: or map:, one of them");
  }
  if (!spec.map && m.has("file")) spec.mapping_file = resolve_path(m.at("file"), doc.file());
  if (!spec.map && m.has("dataflow")) {
    spec.dataflow = m.at("dataflow").as_string();
    static const std::set<std::string> presets = {"ws", "os", "is", "flat", "fusemax"};
    if (!presets.count(spec.dataflow)) m.at("dataflow").fail("expected ws, os, is, flat or fusemax");
  }
  const bool has_mapping_file = !spec.mapping_file.empty();
  if (auto set = s.find("set")) {
    for (const auto& [path, value] : set->entries()) {
      check_set_path(*set, path, has_mapping_file);
      if (!value.is_scalar()) value.fail("expected a single value");
      spec.sets.push_back(path + "=" + value.as_string());
    }
  }
  int group = 0;
  if (auto axes = s.find("axes")) {
    for (const SpecNode& n : axes->items()) {
      if (n.is_map() && n.has("zip")) {
        n.check_keys({"zip"});
        const auto zipped = n.at("zip").items();
        if (zipped.size() < 2) n.at("zip").fail("zip needs at least two axes");
        size_t first = spec.axes.size();
        for (const SpecNode& z : zipped) spec.axes.push_back(parse_axis(z, group, has_mapping_file));
        for (size_t i = first + 1; i < spec.axes.size(); ++i) {
          if (spec.axes[i].values.size() != spec.axes[first].values.size()) {
            zipped[i - first].fail(fmt::format("zipped axes need as many values each: {} has {}, {} has {}",
                                               spec.axes[first].name, spec.axes[first].values.size(),
                                               spec.axes[i].name, spec.axes[i].values.size()));
          }
        }
      } else {
        spec.axes.push_back(parse_axis(n, group, has_mapping_file));
      }
      ++group;
    }
  }
  if (spec.map) {
    for (const Axis& a : spec.axes)
      if (a.path.rfind("mapping.", 0) == 0)
        throw SpecError(a.location, fmt::format("'{}': with mapping: map the mapper chooses the mapping", a.path));
    for (const std::string& set : spec.sets)
      if (set.rfind("mapping.", 0) == 0)
        s.at("set").fail(fmt::format("'{}': with mapping: map the mapper chooses the mapping", set));
  }
  std::set<std::string> names;
  for (const Axis& a : spec.axes) {
    const bool clash = std::find(result_metrics().begin(), result_metrics().end(), a.name) != result_metrics().end();
    if (clash || !names.insert(a.name).second || a.name == "key" || a.name == "status") {
      throw SpecError(a.location, fmt::format("axis name '{}' is taken: give the axis another name:", a.name));
    }
  }
  if (auto sample = s.find("sample")) {
    sample->check_keys({"points", "seed"});
    spec.sample_points = sample->at("points").as_int();
    if (*spec.sample_points < 1) sample->at("points").fail("expected at least 1 point");
    spec.sample_seed = static_cast<uint64_t>(sample->as_int_or("seed", 1));
  }
  if (auto cs = s.find("constraints")) {
    for (const SpecNode& c : cs->items()) spec.constraints.push_back(parse_constraint(c));
  }
  if (auto obj = s.find("objectives")) {
    for (const SpecNode& o : obj->items()) {
      const std::string name = o.as_string();
      if (!kObjectives.count(name)) o.fail("expected cycles, seconds, energy_pj, edp, area_mm2 or dram_bytes");
      spec.objectives.push_back(name);
    }
  }
  if (spec.objectives.empty()) spec.objectives = {"cycles", "energy_pj"};
  spec.fidelity = s.as_string_or("fidelity", "analytical");
  if (spec.fidelity != "analytical" && spec.fidelity != "cycle") s.at("fidelity").fail("expected analytical or cycle");
  spec.confirm = s.as_string_or("confirm", "cycle");
  if (spec.confirm != "cycle" && spec.confirm != "none") s.at("confirm").fail("expected cycle or none");
  if (auto iso = s.find("iso_area")) {
    iso->check_keys({"budget_mm2", "grow", "max_steps"});
    IsoArea ia;
    ia.budget_mm2 = iso->at("budget_mm2").as_double();
    if (!(ia.budget_mm2 > 0)) iso->at("budget_mm2").fail("the budget must be positive");
    ia.max_steps = iso->as_int_or("max_steps", ia.max_steps);
    if (ia.max_steps < 1) iso->at("max_steps").fail("expected at least 1");
    for (const SpecNode& g : iso->at("grow").items()) {
      GrowKnob k;
      if (g.is_scalar()) {
        k.path = g.as_string();
      } else {
        g.check_keys({"path", "per_step"});
        k.path = g.at("path").as_string();
        k.per_step = g.as_int_or("per_step", 1);
        if (k.per_step < 1) g.at("per_step").fail("expected at least 1");
      }
      check_set_path(g, k.path, has_mapping_file);
      for (const Axis& a : spec.axes) {
        if (a.path == k.path) g.fail(fmt::format("'{}' is grown by iso_area and cannot also be an axis", k.path));
      }
      ia.grow.push_back(k);
    }
    if (ia.grow.empty()) iso->at("grow").fail("name at least one knob to grow");
    spec.iso_area = ia;
  }
  validate_constraints(spec);
  return spec;
}

}  // namespace einsim::dse
