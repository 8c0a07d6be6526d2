#include "sim/report/html_page.hpp"

#include <fmt/format.h>

#include "sim/report/report_json.hpp"
#include "sim/report/vega_bundle.hpp"
#include "sim/report/vega_specs.hpp"

namespace einsim::report {

namespace {

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string cell(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return escape(v.get<std::string>());
  if (v.is_number_float()) return fmt::format("{:.6g}", v.get<double>());
  return escape(v.dump());
}

std::string html_table(const Table& t, size_t max_rows) {
  std::string o = fmt::format("<h3 id=\"table-{0}\">{1}</h3><p class=\"files\"><a href=\"{0}.csv\">{0}.csv</a> "
                              "&middot; <a href=\"{0}.json\">{0}.json</a>{2}</p>\n<table><tr>",
                              t.name, escape(t.title),
                              t.rows.size() > max_rows ? fmt::format(" (first {} of {} rows shown)", max_rows,
                                                                     t.rows.size())
                                                       : "");
  for (const auto& c : t.columns) o += "<th>" + escape(c) + "</th>";
  o += "</tr>\n";
  for (size_t r = 0; r < t.rows.size() && r < max_rows; ++r) {
    o += "<tr>";
    for (const auto& v : t.rows[r]) o += (v.is_number() ? "<td class=\"n\">" : "<td>") + cell(v) + "</td>";
    o += "</tr>\n";
  }
  return o + "</table>\n";
}

// Rows of table `t` for one design, as objects.
Json rows_of(const Table& t, const std::string& design) {
  Json out = Json::array();
  const Json all = to_json(t);
  for (const Json& r : all)
    if (r.value("design", "") == design) out.push_back(r);
  return out;
}

const Table* find(const std::vector<Table>& tables, const std::string& name) {
  for (const Table& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

std::string json_script(const Json& j) {
  std::string s = j.dump();
  for (size_t p = 0; (p = s.find("</", p)) != std::string::npos; p += 3) s.replace(p, 2, "<\\/");
  return s;
}

const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
    "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}"
    "h3{font-size:15px}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{min-height:120px}"
    "table{border-collapse:collapse;font-size:12px;margin-bottom:12px}td,th{border:1px solid #ddd;padding:2px 6px}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}.files{font-size:12px}"
    ".note{font-size:13px;color:#444}.vega-bind{font-size:13px;margin-right:12px;display:inline-block}";

}  // namespace

Json sweep_values(const SweepPoints& sweep, std::vector<Metric>& metrics) {
  const Table& t = sweep.points;
  metrics = {{"latency_s", "latency (s)"}, {"energy_pj", "energy (pJ)"}, {"area_mm2", "area (mm^2)"},
             {"edp", "EDP (pJ s)"}};
  Json values = Json::array();
  bool any_error = false;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    Json v = Json::object();
    Json tip = Json::object();
    for (size_t c = 0; c < t.columns.size(); ++c) v[t.columns[c]] = t.rows[r][c];
    if (v.value("status", "") != "ok") continue;
    v["latency_s"] = v.contains("seconds") ? v["seconds"] : Json(nullptr);
    const Json& rep = sweep.reports[r];
    if (rep.is_object() && rep.contains("error") && rep["error"].contains("rel_rms_error") &&
        rep["error"]["rel_rms_error"].is_number()) {
      v["error"] = rep["error"]["rel_rms_error"];
      any_error = true;
    }
    tip["key"] = v["key"];
    for (const auto& a : sweep.axes) tip[a] = v.contains(a) ? v[a] : Json(nullptr);
    for (const char* m : {"latency_s", "energy_pj", "area_mm2", "edp", "error"})
      if (v.contains(m)) tip[m] = v[m];
    v["tip"] = tip;
    values.push_back(v);
  }
  if (any_error) metrics.push_back({"error", "error (relative RMS)"});
  mark_fronts(values, metrics);
  return values;
}

Page html_page(const PageInput& in) {
  Page page;
  std::string body;
  Json specs = Json::object();
  auto chart = [&](const Json& spec) {
    const std::string id = fmt::format("chart{}", page.charts++);
    specs[id] = spec;
    return fmt::format("<div class=\"chart\" id=\"{}\"></div>\n", id);
  };
  body += "<h1>" + escape(in.title) + "</h1>\n<p class=\"note\">Made by einsim " + std::string(EINSIM_VERSION) +
          " from ";
  for (size_t i = 0; i < in.sources.size(); ++i) body += (i ? ", " : "") + ("<code>" + escape(in.sources[i]) + "</code>");
  body += ". Energy in pJ, area in um^2 (mm^2 in totals), times in seconds or cycles. " + escape(kUtilizationDefinition) +
          ".</p>\n";
  if (in.sweep) {
    std::vector<Metric> metrics;
    const Json values = sweep_values(*in.sweep, metrics);
    body += fmt::format("<h2>Sweep: {} points, {} ok</h2>\n<div class=\"charts\">\n", in.sweep->points.rows.size(),
                        values.size());
    body += chart(pareto_spec(values, metrics, in.sweep->axes));
    body += "</div>\n<h3>Each metric against each axis</h3>\n<div class=\"charts\">\n";
    for (const std::string& axis : in.sweep->axes) {
      bool numeric = true;
      for (const Json& v : values)
        if (v.contains(axis) && !v[axis].is_null() && !v[axis].is_number()) numeric = false;
      for (const Metric& m : metrics) body += chart(metric_axis_spec(values, m, axis, numeric));
    }
    body += "</div>\n";
  }
  const Table* energy = find(in.tables, "energy");
  const Table* area = find(in.tables, "area");
  const Table* util = find(in.tables, "utilization");
  const Table* traffic = find(in.tables, "traffic");
  const Table* timeline = find(in.tables, "timeline");
  for (const Design& d : in.designs) {
    const Json& r = d.report;
    body += fmt::format("<h2>Design {}</h2>\n<p class=\"note\">{} on {}, mapping {}: {} cycles", escape(d.name),
                        escape(r.value("workload", "")), escape(r.value("architecture", "")),
                        escape(r.value("mapping", "")), r.value("cycles", uint64_t{0}));
    if (r.contains("energy_pj") && r["energy_pj"].is_number())
      body += fmt::format(", {:.6g} pJ", r["energy_pj"].get<double>());
    if (r.contains("area_mm2") && r["area_mm2"].is_number())
      body += fmt::format(", {:.6g} mm^2", r["area_mm2"].get<double>());
    body += fmt::format(" ({})</p>\n<div class=\"charts\">\n", escape(r.value("technology", "")));
    if (energy) {
      Json rows = rows_of(*energy, d.name);
      if (!rows.empty()) body += chart(bar_spec("Energy by component and action", rows, "component", "energy_pj", "action", "energy (pJ)"));
    }
    if (area) {
      Json rows = rows_of(*area, d.name);
      if (!rows.empty()) body += chart(bar_spec("Area by component", rows, "component", "area_um2", "", "area (um^2)"));
    }
    if (util) {
      Json rows = Json::array();
      for (const Json& u : rows_of(*util, d.name)) {
        rows.push_back({{"array", u["array"]}, {"measure", "utilization"}, {"value", u["utilization"]}});
        rows.push_back({{"array", u["array"]}, {"measure", "busy fraction"}, {"value", u["busy_fraction"]}});
      }
      for (Json& row : rows) row["bar"] = row["array"].get<std::string>() + " " + row["measure"].get<std::string>();
      body += chart(bar_spec("Utilization and busy fraction per array", rows, "bar", "value", "measure", "fraction"));
    }
    if (traffic) {
      Json rows = Json::array();
      for (const Json& l : rows_of(*traffic, d.name)) {
        rows.push_back({{"level", l["level"]}, {"direction", "read"}, {"bytes", l["read_bytes"]}});
        rows.push_back({{"level", l["level"]}, {"direction", "write"}, {"bytes", l["write_bytes"]}});
      }
      body += chart(bar_spec("DRAM and buffer traffic per level", rows, "level", "bytes", "direction", "bytes"));
    }
    if (timeline) {
      Json rows = rows_of(*timeline, d.name);
      if (!rows.empty()) body += chart(timeline_spec("Timeline of the groups on the arrays and DRAM", rows));
    }
    body += "</div>\n";
    if (r.contains("notes") && !r["notes"].empty()) {
      body += "<details><summary>notes</summary><ul>";
      for (const Json& n : r["notes"]) body += "<li>" + escape(n.get<std::string>()) + "</li>";
      body += "</ul></details>\n";
    }
  }
  body += "<h2>Tables</h2>\n";
  for (const Table& t : in.tables) body += html_table(t, 200);
  std::string html = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(in.title) +
                     "</title>\n<style>" + kStyle + "</style>\n" + vega_scripts() + "</head>\n<body>\n" + body;
  html += "<script>\nvar einsimSpecs=" + json_script(specs) + ";\n";
  html +=
      "(function(){var ids=Object.keys(einsimSpecs),done=[];"
      "window.addEventListener('error',function(e){document.body.setAttribute('data-error',String(e.message));});"
      "ids.forEach(function(id){try{var view=new vega.View(vega.parse(einsimSpecs[id]),"
      "{renderer:'svg',container:'#'+id,hover:true});done.push(view.runAsync());}"
      "catch(e){document.body.setAttribute('data-error',id+': '+e);}});"
      "Promise.all(done).then(function(){document.body.setAttribute('data-charts-drawn',String(done.length));})"
      ".catch(function(e){document.body.setAttribute('data-error',String(e));});})();\n</script>\n</body></html>\n";
  page.html = std::move(html);
  return page;
}

}  // namespace einsim::report
