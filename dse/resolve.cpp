#include "dse/resolve.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "arch/spec/arch_spec.hpp"
#include "arch/tech/design_cost.hpp"
#include "dse/constraints.hpp"
#include "sim/core/error.hpp"

namespace einsim::dse {
namespace {

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw Error(fmt::format("cannot read {}", file));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json scalar_json(const std::string& s) {
  if (s == "true") return true;
  if (s == "false") return false;
  int64_t i = 0;
  auto [pi, ei] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ei == std::errc() && pi == s.data() + s.size()) return i;
  double d = 0;
  auto [pd, ed] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ed == std::errc() && pd == s.data() + s.size() && std::isfinite(d)) return d;
  return s;
}

}  // namespace

const char* einsim_version() { return EINSIM_VERSION; }

std::string hash_key(const std::string& text) {
  auto fnv = [&](uint64_t h) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    return h;
  };
  return fmt::format("{:016x}{:016x}", fnv(0xcbf29ce484222325ULL), fnv(0x84222325cbf29ce4ULL));
}

Json yaml_to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsScalar()) return scalar_json(node.Scalar());
  if (node.IsSequence()) {
    Json a = Json::array();
    for (const auto& item : node) a.push_back(yaml_to_json(item));
    return a;
  }
  Json m = Json::object();
  for (const auto& kv : node) m[kv.first.as<std::string>()] = yaml_to_json(kv.second);
  return m;
}

PointResolver::PointResolver(const SweepSpec& spec) : spec_(spec) {
  for (const std::string& f : {spec.workload_file, spec.arch_file, spec.mapping_file})
    if (!f.empty()) text_[f] = read_text(f);
}

SourceLocation PointResolver::location_of(const std::string& set) const {
  for (const Axis& a : spec_.axes)
    if (set.rfind(a.path + "=", 0) == 0) return a.location;
  SourceLocation l;
  l.file = spec_.file;
  l.yaml_path = "sweep";
  return l;
}

PointDocuments PointResolver::documents(const std::vector<std::string>& sets) const {
  PointDocuments d{YamlDocument::load_string(text_.at(spec_.workload_file), spec_.workload_file),
                   YamlDocument::load_string(text_.at(spec_.arch_file), spec_.arch_file),
                   std::nullopt, spec_.dataflow};
  if (!spec_.mapping_file.empty())
    d.mapping.emplace(YamlDocument::load_string(text_.at(spec_.mapping_file), spec_.mapping_file));
  for (const std::string& s : sets) {
    const auto dot = s.find('.');
    const std::string head = s.substr(0, dot), rest = s.substr(dot + 1);
    try {
      if (head == "workload") d.workload.apply_override(rest);
      else if (head == "arch" || head == "architecture") d.arch.apply_override(rest);
      else if (head == "mapping" && !d.mapping && rest.rfind("dataflow=", 0) == 0) d.dataflow = rest.substr(9);
      else if (head == "mapping" && d.mapping) d.mapping->apply_override(rest);
      else throw Error(fmt::format("'{}': the path must start with workload., arch. or mapping.", s));
    } catch (const SpecError& e) {
      throw;
    } catch (const Error& e) {
      throw SpecError(location_of(s), e.what());
    }
  }
  return d;
}

double PointResolver::area_mm2(const std::vector<std::string>& sets) const {
  const PointDocuments d = documents(sets);
  const ArchSpec arch = load_architecture(d.arch);
  const DesignCost c = design_area(arch);
  if (!c.area_um2) throw Error(fmt::format("no area for {}: {}", arch.name, c.notes.empty() ? "" : c.notes.front()));
  return *c.area_um2 / 1e6;
}

void PointResolver::size_iso_area(ResolvedPoint& r) const {
  const IsoArea& ia = *spec_.iso_area;
  auto sets_at = [&](int64_t k) {
    std::vector<std::string> s = r.sets;
    for (const GrowKnob& g : ia.grow) s.push_back(fmt::format("{}={}", g.path, g.per_step * k));
    return s;
  };
  // Area of step k, or nullopt when the design is not valid (too large for the spec's limits).
  auto area_at = [&](int64_t k) -> std::optional<double> {
    try {
      return area_mm2(sets_at(k));
    } catch (const SpecError&) {
      if (k == 1) throw;  // the smallest design must be valid
      return std::nullopt;
    }
  };
  auto fits = [&](int64_t k) {
    const auto a = area_at(k);
    return a && *a <= ia.budget_mm2;
  };
  int64_t k = 0;
  if (fits(1)) {
    // Area grows with every knob, so the fitting steps are 1..k: double, then bisect.
    int64_t lo = 1, hi = 2;
    while (hi <= ia.max_steps && fits(hi)) {
      lo = hi;
      hi *= 2;
    }
    hi = std::min(hi, ia.max_steps + 1);
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      (fits(mid) ? lo : hi) = mid;
    }
    k = lo;
  }
  Json iso = {{"budget_mm2", ia.budget_mm2}, {"step", k}};
  if (k == 0) {
    const double smallest = *area_at(1);
    r.infeasible = fmt::format("iso-area: the smallest design takes {:.6g} mm^2, over the budget of {:.6g} mm^2",
                               smallest, ia.budget_mm2);
    iso["area_mm2"] = smallest;
    r.area_mm2 = smallest;
  } else {
    r.sets = sets_at(k);
    r.area_mm2 = *area_at(k);
    r.slack_mm2 = ia.budget_mm2 - *r.area_mm2;
    iso["area_mm2"] = *r.area_mm2;
    iso["slack_mm2"] = *r.slack_mm2;
  }
  Json grown = Json::object();
  for (const GrowKnob& g : ia.grow) grown[g.path] = g.per_step * k;
  iso["grown"] = grown;
  r.config["iso_area"] = iso;
}

ResolvedPoint PointResolver::resolve(const Point& p) const {
  ResolvedPoint r;
  r.point = p;
  r.sets = point_sets(spec_, p);
  for (size_t a = 0; a < spec_.axes.size(); ++a) {
    const AxisValue& v = spec_.axes[a].values[p.value[a]];
    r.axes[spec_.axes[a].name] = v.numeric ? Json(v.number) : Json(v.text);
  }
  r.config = Json::object();
  if (spec_.iso_area) size_iso_area(r);
  const PointDocuments d = documents(r.sets);
  Json config;
  config["workload"] = yaml_to_json(d.workload.body().yaml());
  config["architecture"] = yaml_to_json(d.arch.body().yaml());
  if (spec_.map) {
    config["mapping"] = Json{{"map", {{"objective", spec_.map->objective}, {"budget", spec_.map->budget},
                                      {"seed", spec_.map->seed}}}};
  } else {
    config["mapping"] = d.mapping ? yaml_to_json(d.mapping->body().yaml()) : Json{{"dataflow", d.dataflow}};
  }
  config["fidelity"] = spec_.fidelity;
  if (r.config.contains("iso_area")) config["iso_area"] = r.config["iso_area"];
  r.config = config;
  r.key = hash_key(config.dump() + "\n" + einsim_version());
  if (r.infeasible.empty()) {
    if (auto why = failed_input_constraint(spec_, r.axes)) r.infeasible = *why;
  }
  return r;
}

}  // namespace einsim::dse
