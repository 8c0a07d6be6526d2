#include "dse/constraints.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace einsim::dse {
namespace {

using Json = nlohmann::ordered_json;

std::optional<double> as_number(const std::string& s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && p == s.data() + s.size()) return d;
  return std::nullopt;
}

bool is_axis(const SweepSpec& spec, const std::string& name) {
  for (const Axis& a : spec.axes)
    if (a.name == name) return true;
  return false;
}

bool is_metric(const std::string& name) {
  for (const auto& m : result_metrics())
    if (m == name) return true;
  return false;
}

// A dotted path inside a JSON document; nullopt when absent or not a number.
std::optional<double> json_path(const Json& root, const std::string& path) {
  const Json* j = &root;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!j->is_object() || !j->contains(part)) return std::nullopt;
    j = &(*j)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (j->is_number()) return j->get<double>();
  return std::nullopt;
}

std::optional<double> value_of(const std::string& side, const Json& values, const Json* report, const Json* config) {
  if (auto n = as_number(side)) return n;
  if (values.contains(side)) {
    const Json& v = values[side];
    if (v.is_number()) return v.get<double>();
    return std::nullopt;
  }
  if (report && side.rfind("report.", 0) == 0) return json_path(*report, side.substr(7));
  if (config && side.rfind("config.", 0) == 0) return json_path(*config, side.substr(7));
  return std::nullopt;
}

bool holds(double l, const std::string& op, double r) {
  if (op == "<=") return l <= r;
  if (op == ">=") return l >= r;
  if (op == "<") return l < r;
  if (op == ">") return l > r;
  if (op == "==") return l == r;
  return l != r;
}

std::optional<std::string> check(const Constraint& c, const Json& values, const Json* report, const Json* config) {
  const auto l = value_of(c.lhs, values, report, config), r = value_of(c.rhs, values, report, config);
  if (!l || !r) {
    return fmt::format("constraint '{}': {} has no numeric value for this point", c.text, !l ? c.lhs : c.rhs);
  }
  if (holds(*l, c.op, *r)) return std::nullopt;
  return fmt::format("constraint '{}' does not hold ({:.6g} {} {:.6g})", c.text, *l, c.op, *r);
}

}  // namespace

void validate_constraints(const SweepSpec& spec) {
  for (const Constraint& c : spec.constraints) {
    for (const std::string& side : {c.lhs, c.rhs}) {
      if (as_number(side) || is_axis(spec, side) || is_metric(side) || side.rfind("report.", 0) == 0 ||
          side.rfind("config.", 0) == 0) {
        continue;
      }
      throw SpecError(c.location, fmt::format("constraint '{}': '{}' is not a number, an axis, a result column "
                                              "(cycles, seconds, energy_pj, area_mm2, edp, dram_bytes, "
                                              "utilization) or a report./config. path",
                                              c.text, side));
    }
  }
}

bool is_input_constraint(const SweepSpec& spec, const Constraint& c) {
  auto input = [&](const std::string& s) { return as_number(s) || is_axis(spec, s); };
  return input(c.lhs) && input(c.rhs);
}

std::optional<std::string> failed_input_constraint(const SweepSpec& spec, const Json& axes) {
  for (const Constraint& c : spec.constraints) {
    if (!is_input_constraint(spec, c)) continue;
    if (auto why = check(c, axes, nullptr, nullptr)) return why;
  }
  return std::nullopt;
}

std::optional<std::string> failed_result_constraint(const SweepSpec& spec, const Json& values, const Json& report,
                                                    const Json& config) {
  for (const Constraint& c : spec.constraints) {
    if (is_input_constraint(spec, c)) continue;
    if (auto why = check(c, values, &report, &config)) return why;
  }
  return std::nullopt;
}

}  // namespace einsim::dse
