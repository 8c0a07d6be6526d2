// einsim report INPUT... --out DIR [--designs N] [--json FILE|-]
//
// INPUT is a sweep database (SQLite, from `einsim sweep`) or one or more
// `einsim simulate --json` files. DIR gets index.html (charts and tables, works
// offline), a CSV and a JSON file per table, and ERT.yaml/ART.yaml (+ CSV).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/app/commands.hpp"
#include "sim/core/error.hpp"
#include "sim/report/html_page.hpp"
#include "sim/report/output.hpp"
#include "sim/report/reference_tables.hpp"
#include "sim/report/sweep_db.hpp"
#include "sim/report/tables.hpp"

namespace einsim::app {
namespace {

namespace fs = std::filesystem;
using report::Json;

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::string json_file;
  int designs = 4;
};

Json load_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    Json j = Json::parse(ss.str());
    for (const char* k : {"workload", "architecture", "cycles", "arrays", "levels", "groups"}) {
      if (!j.is_object() || !j.contains(k))
        throw Error(fmt::format("{}: not a report of einsim simulate --json (no field '{}')", path, k));
    }
    return j;
  } catch (const Json::parse_error& e) {
    // nlohmann's message names the byte; the file's line and column are what a person needs.
    const std::string text = ss.str();
    const size_t at = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw Error(fmt::format("{}:{}:{}: not valid JSON", path, line, col));
  }
}

// A unique name per design: the file's stem, numbered when two stems are the same.
std::string design_name(const std::string& path, const std::vector<report::Design>& have) {
  std::string base = fs::path(path).stem().string();
  std::string name = base;
  for (int i = 2;; ++i) {
    bool used = false;
    for (const auto& d : have) used |= d.name == name;
    if (!used) return name;
    name = fmt::format("{}-{}", base, i);
  }
}

void run(const ReportArgs& a) {
  if (a.designs < 0) throw Error(fmt::format("--designs {}: expected 0 or more", a.designs));
  report::PageInput page;
  page.sources = a.inputs;
  const bool sweep = a.inputs.size() == 1 && report::is_sqlite_file(a.inputs.front());
  if (sweep) {
    page.sweep = report::read_sweep_db(a.inputs.front());
    page.title = fmt::format("einsim sweep {}", fs::path(a.inputs.front()).filename().string());
    // The designs drawn one by one: Pareto points first, then the others, each with a report.
    const auto& t = page.sweep->points;
    const size_t key = report::column(t, "key");
    std::vector<size_t> order;
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t r = 0; r < t.rows.size(); ++r) {
        bool pareto = false;
        for (size_t c = 0; c < t.columns.size(); ++c)
          if (t.columns[c] == "pareto") pareto = t.rows[r][c].is_number() && t.rows[r][c].get<double>() != 0;
        if ((pass == 0) == pareto && page.sweep->reports[r].is_object()) order.push_back(r);
      }
    }
    for (size_t r : order) {
      if (page.designs.size() >= static_cast<size_t>(a.designs)) break;
      const Json& k = t.rows[r][key];
      page.designs.push_back({k.is_string() ? k.get<std::string>() : k.dump(), page.sweep->reports[r]});
    }
  } else {
    for (const auto& in : a.inputs) {
      if (report::is_sqlite_file(in))
        throw Error(fmt::format("{}: a sweep database is reported on its own, not with other inputs", in));
      page.designs.push_back({design_name(in, page.designs), load_report(in)});
    }
    page.title = page.designs.size() == 1 ? fmt::format("einsim report: {}", page.designs.front().name)
                                          : fmt::format("einsim report: {} designs", page.designs.size());
  }
  page.tables = report::design_tables(page.designs);
  if (page.sweep) page.tables.insert(page.tables.begin(), page.sweep->points);
  const report::ReferenceTables ref = report::reference_tables(page.designs);
  page.tables.push_back(ref.ert);
  page.tables.push_back(ref.art);

  std::error_code ec;
  fs::create_directories(a.out_dir, ec);
  if (ec) throw Error(fmt::format("--out {}: cannot create the directory: {}", a.out_dir, ec.message()));
  const fs::path dir(a.out_dir);
  const report::Page html = report::html_page(page);
  report::write_output((dir / "index.html").string(), html.html);
  Json all = Json::object();
  for (const auto& t : page.tables) {
    report::write_output((dir / (t.name + ".csv")).string(), report::to_csv(t));
    report::write_json((dir / (t.name + ".json")).string(), report::to_json(t));
    all[t.name] = report::to_json(t);
  }
  report::write_output((dir / "ERT.yaml").string(), ref.ert_yaml);
  report::write_output((dir / "ART.yaml").string(), ref.art_yaml);
  if (!a.json_file.empty()) report::write_json(a.json_file, all);
  std::ostream& text = a.json_file == "-" ? std::cerr : std::cout;
  text << fmt::format("wrote {}: index.html ({} charts), {} tables as CSV and JSON, ERT.yaml, ART.yaml\n",
                      a.out_dir, html.charts, page.tables.size());
}

}  // namespace

void register_report(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report", "Make a report directory (index.html with charts, CSV, JSON, ERT/ART tables) from a sweep "
                "database or simulate --json files");
  cmd->add_option("inputs", a->inputs, "a sweep database, or one or more simulate --json files")->required();
  cmd->add_option("-o,--out", a->out_dir, "directory to write (created if needed)")->required();
  cmd->add_option("--designs", a->designs,
                  "for a sweep: designs drawn one by one, Pareto points first (default 4)");
  cmd->add_option("--json", a->json_file, "also write every table as one JSON object to FILE (- for standard output)");
  cmd->callback([a] { run(*a); });
}

}  // namespace einsim::app
