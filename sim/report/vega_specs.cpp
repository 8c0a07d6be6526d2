#include "sim/report/vega_specs.hpp"

#include <algorithm>

namespace einsim::report {

namespace {

Json base(const std::string& title, int width, int height) {
  return Json{{"$schema", "https://vega.github.io/schema/vega/v5.json"},
              {"title", title},
              {"width", width},
              {"height", height},
              {"padding", 5},
              {"autosize", {{"type", "fit"}, {"contains", "padding"}}}};
}

Json select_signal(const std::string& name, const std::string& label, const std::vector<std::string>& options) {
  return Json{{"name", name},
              {"value", options.empty() ? "" : options.front()},
              {"bind", {{"input", "select"}, {"name", label + " "}, {"options", options}}}};
}

// Tick labels as a person reads numbers: 1.5k, 20M, 2G from a thousand up (SI prefixes),
// 250, 0.2 and 0.005 as they are, and scientific notation below a thousandth (2e-6 s) --
// never the SI "m" or "u" (0.2 as "200m").
Json readable_labels() {
  return Json{{"labels",
               {{"update",
                 {{"text",
                   {{"signal", "abs(datum.value) >= 1000 ? format(datum.value, '.3~s') : abs(datum.value) >= 0.001 || "
                               "datum.value === 0 ? format(datum.value, '.3~r') : format(datum.value, '.2~e')"}}}}}}}};
}

// A numeric axis with readable_labels().
Json number_axis(const std::string& orient, const std::string& scale, const Json& title) {
  return Json{{"orient", orient}, {"scale", scale}, {"title", title}, {"encode", readable_labels()}};
}

}  // namespace

void mark_fronts(Json& values, const std::vector<Metric>& metrics) {
  for (const Metric& x : metrics) {
    for (const Metric& y : metrics) {
      const std::string key = "front:" + x.field + ":" + y.field;
      for (Json& v : values) {
        const bool has = v.contains(x.field) && v[x.field].is_number() && v.contains(y.field) && v[y.field].is_number();
        bool front = has;
        if (has) {
          const double vx = v[x.field].get<double>(), vy = v[y.field].get<double>();
          for (const Json& o : values) {
            if (!(o.contains(x.field) && o[x.field].is_number() && o.contains(y.field) && o[y.field].is_number()))
              continue;
            const double ox = o[x.field].get<double>(), oy = o[y.field].get<double>();
            if (ox <= vx && oy <= vy && (ox < vx || oy < vy)) {
              front = false;
              break;
            }
          }
        }
        v[key] = front;
      }
    }
  }
}

Json pareto_spec(const Json& values, const std::vector<Metric>& metrics, const std::vector<std::string>& axes) {
  Json spec = base("Pareto front", 520, 360);
  std::vector<std::string> fields;
  for (const Metric& m : metrics) fields.push_back(m.field);
  std::vector<std::string> colour_by = axes;
  colour_by.push_back("status");
  Json labels = Json::object();
  for (const Metric& m : metrics) labels[m.field] = m.label;
  spec["signals"] = Json::array({select_signal("xm", "x", fields),
                                 select_signal("ym", "y", fields.size() > 1 ? std::vector<std::string>{fields[1], fields[0]} : fields),
                                 select_signal("colorBy", "colour by", colour_by),
                                 {{"name", "labels"}, {"value", labels}}});
  // ym's options start with the second metric so the first view is not x against x.
  spec["signals"][1]["bind"]["options"] = fields;
  spec["data"] = Json::array(
      {{{"name", "points"},
        {"values", values},
        {"transform",
         Json::array({{{"type", "formula"}, {"as", "xv"}, {"expr", "datum[xm]"}},
                      {{"type", "formula"}, {"as", "yv"}, {"expr", "datum[ym]"}},
                      {{"type", "formula"}, {"as", "front"}, {"expr", "datum['front:' + xm + ':' + ym] === true"}},
                      {{"type", "formula"}, {"as", "colour"}, {"expr", "'' + datum[colorBy]"}},
                      {{"type", "filter"}, {"expr", "isValid(datum.xv) && isValid(datum.yv)"}}})}},
       {{"name", "front"},
        {"source", "points"},
        {"transform", Json::array({{{"type", "filter"}, {"expr", "datum.front"}},
                                   {{"type", "collect"}, {"sort", {{"field", "xv"}}}}})}}});
  spec["scales"] = Json::array(
      {{{"name", "x"}, {"type", "linear"}, {"zero", false}, {"nice", true}, {"range", "width"},
        {"domain", {{"data", "points"}, {"field", "xv"}}}},
       {{"name", "y"}, {"type", "linear"}, {"zero", false}, {"nice", true}, {"range", "height"},
        {"domain", {{"data", "points"}, {"field", "yv"}}}},
       {{"name", "colour"}, {"type", "ordinal"}, {"range", "category"},
        {"domain", {{"data", "points"}, {"field", "colour"}, {"sort", true}}}}});
  spec["axes"] = Json::array({number_axis("bottom", "x", {{"signal", "labels[xm]"}}),
                              number_axis("left", "y", {{"signal", "labels[ym]"}})});
  spec["legends"] = Json::array({{{"fill", "colour"}, {"title", {{"signal", "colorBy"}}}}});
  spec["marks"] = Json::array(
      {{{"type", "line"},
        {"from", {{"data", "front"}}},
        {"encode",
         {{"update",
           {{"x", {{"scale", "x"}, {"field", "xv"}}},
            {"y", {{"scale", "y"}, {"field", "yv"}}},
            {"stroke", {{"value", "#444"}}},
            {"strokeDash", {{"value", Json::array({4, 3})}}},
            {"interpolate", {{"value", "step-after"}}}}}}}},
       {{"type", "symbol"},
        {"from", {{"data", "points"}}},
        {"encode",
         {{"update",
           {{"x", {{"scale", "x"}, {"field", "xv"}}},
            {"y", {{"scale", "y"}, {"field", "yv"}}},
            {"fill", {{"scale", "colour"}, {"field", "colour"}}},
            {"size", {{"signal", "datum.front ? 140 : 40"}}},
            {"stroke", {{"signal", "datum.front ? '#000' : null"}}},
            {"strokeWidth", {{"value", 1.5}}},
            {"opacity", {{"signal", "datum.front ? 1 : 0.55"}}},
            {"tooltip", {{"signal", "datum.tip"}}}}}}}}});
  return spec;
}

Json metric_axis_spec(const Json& values, const Metric& metric, const std::string& axis, bool numeric_axis) {
  Json spec = base(metric.label + " against " + axis, 240, 170);
  spec["data"] = Json::array(
      {{{"name", "points"},
        {"values", values},
        {"transform", Json::array({{{"type", "filter"},
                                    {"expr", "isValid(datum['" + metric.field + "']) && isValid(datum['" + axis +
                                                 "'])"}}})}}});
  Json xs = numeric_axis ? Json{{"name", "x"}, {"type", "linear"}, {"zero", false}, {"nice", true}}
                         : Json{{"name", "x"}, {"type", "point"}, {"padding", 0.5}};
  xs["range"] = "width";
  xs["domain"] = {{"data", "points"}, {"field", axis}, {"sort", true}};
  spec["scales"] = Json::array({xs,
                                {{"name", "y"}, {"type", "linear"}, {"zero", false}, {"nice", true},
                                 {"range", "height"}, {"domain", {{"data", "points"}, {"field", metric.field}}}}});
  spec["axes"] = Json::array({{{"orient", "bottom"}, {"scale", "x"}, {"title", axis}},
                              number_axis("left", "y", metric.label)});
  spec["marks"] = Json::array({{{"type", "symbol"},
                                {"from", {{"data", "points"}}},
                                {"encode",
                                 {{"update",
                                   {{"x", {{"scale", "x"}, {"field", axis}}},
                                    {"y", {{"scale", "y"}, {"field", metric.field}}},
                                    {"fill", {{"value", "#4c78a8"}}},
                                    {"size", {{"value", 40}}},
                                    {"tooltip", {{"signal", "datum.tip"}}}}}}}}});
  return spec;
}

Json bar_spec(const std::string& title, const Json& values, const std::string& x, const std::string& y,
              const std::string& color, const std::string& y_title) {
  Json spec = base(title, 420, 240);
  Json transform = Json::array();
  if (!color.empty()) {
    transform.push_back({{"type", "stack"}, {"groupby", {x}}, {"sort", {{"field", color}}}, {"field", y}});
  } else {
    transform.push_back({{"type", "formula"}, {"as", "y0"}, {"expr", "0"}});
    transform.push_back({{"type", "formula"}, {"as", "y1"}, {"expr", "datum['" + y + "']"}});
  }
  spec["data"] = Json::array({{{"name", "table"}, {"values", values}, {"transform", transform}}});
  spec["scales"] = Json::array({{{"name", "x"}, {"type", "band"}, {"range", "width"}, {"padding", 0.2},
                                 {"domain", {{"data", "table"}, {"field", x}}}},
                                {{"name", "y"}, {"type", "linear"}, {"range", "height"}, {"nice", true},
                                 {"zero", true}, {"domain", {{"data", "table"}, {"field", "y1"}}}}});
  spec["axes"] = Json::array({{{"orient", "bottom"}, {"scale", "x"}, {"title", x}},
                              y_title == "fraction"
                                  ? Json{{"orient", "left"}, {"scale", "y"}, {"title", y_title}, {"format", ".0%"}}
                                  : number_axis("left", "y", y_title)});  // 20%, not 200m
  Json enc = {{"x", {{"scale", "x"}, {"field", x}}},
              {"width", {{"scale", "x"}, {"band", 1}}},
              {"y", {{"scale", "y"}, {"field", "y1"}}},
              {"y2", {{"scale", "y"}, {"field", "y0"}}},
              {"tooltip", {{"signal", "datum"}}}};
  if (!color.empty()) {
    spec["scales"].push_back({{"name", "colour"}, {"type", "ordinal"}, {"range", "category"},
                              {"domain", {{"data", "table"}, {"field", color}, {"sort", true}}}});
    spec["legends"] = Json::array({{{"fill", "colour"}, {"title", color}}});
    enc["fill"] = {{"scale", "colour"}, {"field", color}};
  } else {
    enc["fill"] = {{"value", "#4c78a8"}};
  }
  spec["marks"] = Json::array({{{"type", "rect"}, {"from", {{"data", "table"}}}, {"encode", {{"update", enc}}}}});
  return spec;
}

Json timeline_spec(const std::string& title, const Json& values) {
  Json spec = base(title, 560, 200);
  spec["data"] = Json::array({{{"name", "spans"}, {"values", values}}});
  spec["scales"] = Json::array({{{"name", "x"}, {"type", "linear"}, {"range", "width"}, {"zero", true},
                                 {"domain", {{"data", "spans"}, {"field", "end_cycle"}}}},
                                {{"name", "y"}, {"type", "band"}, {"range", "height"}, {"padding", 0.15},
                                 {"domain", {{"data", "spans"}, {"field", "unit"}}}},
                                {{"name", "colour"}, {"type", "ordinal"}, {"range", "category"},
                                 {"domain", {{"data", "spans"}, {"field", "group"}}}}});
  spec["axes"] = Json::array({number_axis("bottom", "x", "cycle"),
                              {{"orient", "left"}, {"scale", "y"}}});
  spec["legends"] = Json::array({{{"fill", "colour"}, {"title", "group"}}});
  spec["marks"] = Json::array({{{"type", "rect"},
                                {"from", {{"data", "spans"}}},
                                {"encode",
                                 {{"update",
                                   {{"x", {{"scale", "x"}, {"field", "start_cycle"}}},
                                    {"x2", {{"scale", "x"}, {"field", "end_cycle"}}},
                                    {"y", {{"scale", "y"}, {"field", "unit"}}},
                                    {"height", {{"scale", "y"}, {"band", 1}}},
                                    {"fill", {{"scale", "colour"}, {"field", "group"}}},
                                    {"tooltip", {{"signal", "datum"}}}}}}}}});
  return spec;
}

}  // namespace einsim::report
