// einsim sweep SWEEP.yaml --db RESULTS.sqlite [--jobs N] [--shard I/N] [--timeout S] [--max-memory MiB] [--mpi]
//              [--json FILE|-] [--csv FILE|-]
// einsim sweep merge A.sqlite B.sqlite ... -o ALL.sqlite [--json FILE|-] [--csv FILE|-]

#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "dse/constraints.hpp"
#include "dse/points.hpp"
#include "dse/resolve.hpp"
#include "dse/result_store.hpp"
#include "dse/sweep_runner.hpp"
#include "dse/sweep_spec.hpp"
#include "sim/app/commands.hpp"
#include "sim/app/document_checks.hpp"
#include "sim/core/error.hpp"
#include "sim/report/output.hpp"
#include "sim/report/tables.hpp"

namespace einsim::app {
namespace {

struct SweepArgs {
  std::string file, db, shard, json_file, csv_file;
  int jobs = 0;
  double timeout_s = 0;
  double max_memory_mib = 0;
  bool mpi = false;
  std::vector<std::string> merge_inputs;
  std::string merge_output;
};

std::string cell(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{:.4g}", v.get<double>());
  return v.dump();
}

using Json = nlohmann::ordered_json;

// The iso-area sizing of a row, from its configuration; null outside iso-area mode.
Json iso_area_of(const dse::Row& r) {
  if (r.config.empty()) return nullptr;
  const Json c = Json::parse(r.config, nullptr, false);
  if (c.is_discarded() || !c.contains("iso_area") || !c["iso_area"].is_object()) return nullptr;
  return c["iso_area"];
}

void print_front(std::ostream& out, const std::vector<dse::Row>& front, const std::vector<std::string>& axes,
                 const std::vector<std::string>& objectives) {
  std::vector<std::string> head = axes;
  for (const auto& o : objectives) head.push_back(o);
  bool iso = false;
  for (const auto& r : front) iso = iso || nlohmann::ordered_json::parse(r.config).contains("iso_area");
  if (std::find(objectives.begin(), objectives.end(), "area_mm2") == objectives.end()) head.push_back("area_mm2");
  if (iso) head.push_back("slack_mm2");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : front) {
    std::vector<std::string> cells;
    for (const auto& a : axes) cells.push_back(cell(r.axes.contains(a) ? r.axes[a] : nullptr));
    for (size_t i = axes.size(); i < head.size(); ++i) {
      if (head[i] == "slack_mm2") {
        const auto c = nlohmann::ordered_json::parse(r.config);
        cells.push_back(c.contains("iso_area") ? cell(c["iso_area"].value("slack_mm2", nlohmann::ordered_json()))
                                               : "-");
      } else {
        const auto m = r.metric(head[i]);
        cells.push_back(m ? fmt::format("{:.4g}", *m) : "-");
      }
    }
    rows.push_back(cells);
  }
  std::vector<size_t> width(head.size());
  for (size_t i = 0; i < head.size(); ++i) {
    width[i] = head[i].size();
    for (const auto& r : rows) width[i] = std::max(width[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) s += fmt::format("{:<{}}  ", cells[i], width[i]);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << "\n";
  };
  out << fmt::format("\nPareto front ({} points, minimizing {})\n", front.size(), fmt::join(objectives, ", "));
  line(head);
  for (const auto& r : rows) line(r);
}

// Every row of the database: its key, axes, status, error, the metrics as stored (exact) and
// whether it is on the Pareto front; slack_mm2 too in iso-area mode.
report::Table points_table(const std::vector<dse::Row>& rows, const std::vector<std::string>& axes) {
  report::Table t{"points", "Sweep points", {"key"}, {}};
  for (const auto& ax : axes) t.columns.push_back(ax);
  for (const char* c : {"status", "error", "cycles", "seconds", "energy_pj", "area_mm2", "edp", "dram_bytes",
                        "utilization"})
    t.columns.push_back(c);
  bool iso = false;
  for (const auto& r : rows) iso = iso || !iso_area_of(r).is_null();
  if (iso) t.columns.push_back("slack_mm2");
  t.columns.push_back("pareto");
  auto opt = [](const auto& v) { return v ? Json(*v) : Json(nullptr); };
  for (const auto& r : rows) {
    std::vector<Json> row{Json(r.key)};
    for (const auto& ax : axes) row.push_back(r.axes.contains(ax) ? r.axes[ax] : Json(nullptr));
    row.push_back(Json(r.status));
    row.push_back(r.error.empty() ? Json(nullptr) : Json(r.error));
    for (const Json& v : {opt(r.cycles), opt(r.seconds), opt(r.energy_pj), opt(r.area_mm2), opt(r.edp),
                          opt(r.dram_bytes), opt(r.utilization)})
      row.push_back(v);
    if (iso) {
      const Json sizing = iso_area_of(r);
      row.push_back(sizing.is_null() ? Json(nullptr) : sizing.value("slack_mm2", Json()));
    }
    row.push_back(Json(r.pareto != 0));
    t.rows.push_back(std::move(row));
  }
  return t;
}

// --json and --csv of run and merge: `head` gets the front's keys and every point.
void write_tables(const SweepArgs& a, Json head, const std::vector<dse::Row>& rows, const std::vector<dse::Row>& front,
                  const std::vector<std::string>& axes) {
  const report::Table t = points_table(rows, axes);
  if (!a.json_file.empty()) {
    Json keys = Json::array();
    for (const auto& r : front) keys.push_back(r.key);
    head["pareto_front"] = keys;
    head["points"] = report::to_json(t);
    report::write_json(a.json_file, head);
  }
  if (!a.csv_file.empty()) report::write_output(a.csv_file, report::to_csv(t));
}

void run(const SweepArgs& a) {
  report::check_one_standard_output({{"--json", a.json_file}, {"--csv", a.csv_file}});
  dse::RunOptions o;
  o.db = a.db;
  o.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (a.mpi && a.jobs <= 0) o.jobs = 1;  // one worker per rank: mpirun -n sets the parallelism
  if (!a.shard.empty()) {
    const auto slash = a.shard.find('/');
    int i = -1, n = 0;
    if (slash != std::string::npos) {
      std::from_chars(a.shard.data(), a.shard.data() + slash, i);
      std::from_chars(a.shard.data() + slash + 1, a.shard.data() + a.shard.size(), n);
    }
    if (n < 1 || i < 0 || i >= n) throw Error(fmt::format("--shard {}: expected I/N with 0 <= I < N", a.shard));
    o.shard = i;
    o.shards = n;
  }
  if (a.timeout_s < 0) throw Error("--timeout: expected seconds >= 0");
  if (a.max_memory_mib < 0) throw Error("--max-memory: expected MiB >= 0");
  o.timeout_s = a.timeout_s;
  o.max_memory_bytes = static_cast<uint64_t>(a.max_memory_mib * 1024 * 1024);
  o.mpi = a.mpi;
  o.terminal = ::isatty(2);
  o.write_report = [](const SimulationReport& r) { return simulate_report_json(r); };
  o.keep_rows = !a.json_file.empty() || !a.csv_file.empty();
  const YamlDocument doc = YamlDocument::load_file(a.file);
  if (doc.kind() != "sweep") doc.body().fail(fmt::format("einsim sweep expects a sweep: file, not {}:", doc.kind()));
  const dse::SweepSpec spec = dse::parse_sweep(doc);
  const dse::RunSummary s = dse::run_sweep(spec, o);
  if (!s.coordinator) return;
  // With --json - or --csv - the text goes to standard error.
  std::ostream& out = report::any_standard_output({a.json_file, a.csv_file}) ? std::cerr : std::cout;
  const std::string shard = o.shards > 1 ? fmt::format("{}/{}", o.shard, o.shards) : "";
  out << fmt::format("sweep {}: {} points{}, {} already in the database, {} evaluated now ({} failed, {} timed "
                     "out, {} infeasible)\n",
                     spec.name, s.points, shard.empty() ? "" : " in shard " + shard, s.already_done, s.evaluated,
                     s.by_status_failed, s.by_status_timeout, s.by_status_infeasible);
  std::vector<std::string> axes;
  for (const auto& ax : spec.axes) axes.push_back(ax.name);
  print_front(out, s.pareto, axes, spec.objectives);
  for (const auto& n : s.notes) out << "note: " << n << "\n";
  out << fmt::format("\nresults: {} (table points)\n", a.db);
  if (!o.keep_rows) return;
  Json head;
  head["sweep"] = spec.name;
  head["database"] = a.db;
  head["fidelity"] = spec.fidelity;
  head["axes"] = axes;
  head["objectives"] = spec.objectives;
  head["shard"] = shard.empty() ? Json(nullptr) : Json(shard);
  head["run"] = Json{{"points", s.points},         {"already_done", s.already_done}, {"evaluated", s.evaluated},
                     {"failed", s.by_status_failed}, {"timeout", s.by_status_timeout},
                     {"infeasible", s.by_status_infeasible}};
  head["notes"] = s.notes;
  write_tables(a, head, s.rows, s.pareto, axes);
}

void merge(const SweepArgs& a) {
  report::check_one_standard_output({{"--json", a.json_file}, {"--csv", a.csv_file}});
  if (a.merge_output.empty()) throw Error("sweep merge: give the output database with -o");
  std::vector<std::string> axes, objectives;
  {
    dse::ResultStore first(a.merge_inputs.front());
    axes = first.axes();
    objectives = first.objectives();
  }
  std::ostream& text = report::any_standard_output({a.json_file, a.csv_file}) ? std::cerr : std::cout;
  size_t before = 0;
  {
    dse::ResultStore out(a.merge_output, axes, objectives);
    before = out.keys().size();
    for (const auto& in : a.merge_inputs) out.merge_from(in);
    text << fmt::format("merged {} databases into {}: {} rows ({} new)\n", a.merge_inputs.size(), a.merge_output,
                        out.keys().size(), out.keys().size() - before);
  }
  const std::vector<dse::Row> front = dse::update_pareto(a.merge_output);
  print_front(text, front, axes, objectives);
  if (a.json_file.empty() && a.csv_file.empty()) return;
  std::vector<dse::Row> rows = dse::ResultStore(a.merge_output).rows();  // by key, Pareto flags set
  for (auto& r : rows) r.report.clear();
  Json head;
  head["database"] = a.merge_output;
  head["merged"] = a.merge_inputs;
  head["axes"] = axes;
  head["objectives"] = objectives;
  write_tables(a, head, rows, front, axes);
}

}  // namespace

std::string check_sweep_document(const YamlDocument& doc) {
  const dse::SweepSpec spec = dse::parse_sweep(doc);
  const std::vector<dse::Point> points = dse::expand_points(spec);
  // Every assignment of the first point must name a field of its document.
  const dse::PointResolver resolver(spec);
  if (!points.empty()) (void)resolver.documents(dse::point_sets(spec, points.front()));
  return fmt::format("sweep {}: {} axes, {} points, fidelity {}{}", spec.name, spec.axes.size(), points.size(),
                     spec.fidelity,
                     spec.iso_area ? fmt::format(", iso-area at {:.6g} mm^2", spec.iso_area->budget_mm2) : "");
}

void register_sweep(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand("sweep", "Run a design-space sweep (a sweep: file) into an SQLite database");
  cmd->add_option("file", a->file, "sweep YAML");
  cmd->add_option("--db", a->db, "SQLite results (resumes when it exists)");
  cmd->add_option("--jobs,-j", a->jobs, "worker processes (default: all cores; with --mpi: 1 per rank)");
  cmd->add_option("--shard", a->shard, "I/N: evaluate only the I-th of N deterministic parts (0-based)");
  cmd->add_option("--timeout", a->timeout_s, "seconds a point may take before it is recorded as timeout");
  cmd->add_option("--max-memory", a->max_memory_mib, "MiB of address space per worker (0: unlimited)");
  cmd->add_flag("--mpi", a->mpi, "under mpirun: rank 0 writes the database and hands points to the other ranks");
  const char* json_help = "write the run's summary, the Pareto front and every point of the database (axes, status, "
                          "exact metrics, pareto) as JSON to FILE (- for standard output)";
  const char* csv_help = "write one row per point of the database as CSV to FILE (- for standard output): key, the "
                         "axes, status, error, cycles, seconds, energy_pj, area_mm2, edp, dram_bytes, utilization, "
                         "pareto";
  cmd->add_option("--json", a->json_file, json_help);
  cmd->add_option("--csv", a->csv_file, csv_help);
  auto* m = cmd->add_subcommand("merge", "Join sweep databases (shards) into one");
  m->add_option("inputs", a->merge_inputs, "databases to join")->required();
  m->add_option("-o,--output", a->merge_output, "the joined database")->required();
  m->add_option("--json", a->json_file, json_help);
  m->add_option("--csv", a->csv_file, csv_help);
  m->callback([a] { merge(*a); });
  cmd->callback([a, cmd] {
    if (cmd->got_subcommand("merge")) return;
    if (a->file.empty()) throw Error("einsim sweep: give a sweep file (or: einsim sweep merge A B ... -o ALL)");
    if (a->db.empty()) throw Error("einsim sweep: give the results database with --db FILE.sqlite");
    run(*a);
  });
}

}  // namespace einsim::app
