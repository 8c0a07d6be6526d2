#pragma once
// Vega (v5) chart specifications generated from a report's data: each function
// returns one self-contained spec with its data inlined.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace einsim::report {

using Json = nlohmann::ordered_json;

// A metric of a sweep point: the field in the data and its label.
struct Metric {
  std::string field;
  std::string label;
};

// Scatter of two metrics chosen from drop-downs, the Pareto front of the chosen pair
// (both minimized) drawn larger and outlined, points coloured by a chosen axis, and a
// tooltip with the point's configuration. Each value carries `front:X:Y` flags.
Json pareto_spec(const Json& values, const std::vector<Metric>& metrics, const std::vector<std::string>& axes);
// One metric against one axis (numeric axes on a linear scale, others as categories).
Json metric_axis_spec(const Json& values, const Metric& metric, const std::string& axis, bool numeric_axis);
// Bars of `y` per `x`, stacked by `color` (or one colour when `color` is empty).
Json bar_spec(const std::string& title, const Json& values, const std::string& x, const std::string& y,
              const std::string& color, const std::string& y_title);
// Spans [start, end) per unit, coloured by group.
Json timeline_spec(const std::string& title, const Json& values);

// Marks the Pareto front (both metrics minimized) of every pair of `metrics` in `values`
// (objects): sets "front:X:Y" to true or false on each; a value without both metrics is off it.
void mark_fronts(Json& values, const std::vector<Metric>& metrics);

}  // namespace einsim::report
