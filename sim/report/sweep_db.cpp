#include "sim/report/sweep_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::report {

namespace {

const std::set<std::string> kKnown = {"key",   "status",     "error",       "cycles", "seconds",
                                      "energy_pj", "area_mm2", "edp",     "dram_bytes", "utilization",
                                      "pareto", "config",     "report",      "wall_s"};

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};
struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

Json value(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
      return Json(static_cast<int64_t>(sqlite3_column_int64(st, i)));
    case SQLITE_FLOAT:
      return Json(sqlite3_column_double(st, i));
    case SQLITE_NULL:
      return Json(nullptr);
    default: {
      const unsigned char* t = sqlite3_column_text(st, i);
      return Json(t ? std::string(reinterpret_cast<const char*>(t)) : std::string());
    }
  }
}

}  // namespace

bool is_sqlite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  in.read(head, 16);
  return in.gcount() == 16 && std::string(head, 15) == "SQLite format 3";
}

namespace {

// The axes `einsim sweep` recorded in table sweep_meta (row "axes", a JSON list), if any.
std::optional<std::vector<std::string>> meta_axes(sqlite3* db) {
  Stmt st;
  if (sqlite3_prepare_v2(db, "SELECT value FROM sweep_meta WHERE name = 'axes'", -1, &st.st, nullptr) != SQLITE_OK)
    return std::nullopt;
  if (sqlite3_step(st.st) != SQLITE_ROW || sqlite3_column_type(st.st, 0) != SQLITE_TEXT) return std::nullopt;
  const Json j = Json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st.st, 0)), nullptr, false);
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> axes;
  for (const Json& a : j) {
    if (!a.is_string()) return std::nullopt;
    axes.push_back(a.get<std::string>());
  }
  return axes;
}

}  // namespace

SweepPoints read_sweep_db(const std::string& path) {
  Db db;
  if (sqlite3_open_v2(path.c_str(), &db.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw Error(fmt::format("{}: cannot open the sweep database: {}", path, sqlite3_errmsg(db.db)));
  const std::optional<std::vector<std::string>> recorded = meta_axes(db.db);
  Stmt st;
  if (sqlite3_prepare_v2(db.db, "SELECT * FROM points ORDER BY rowid", -1, &st.st, nullptr) != SQLITE_OK)
    throw Error(fmt::format("{}: not a sweep database (no table points: {})", path, sqlite3_errmsg(db.db)));
  SweepPoints out;
  out.points.name = "points";
  out.points.title = "Sweep points";
  const int n = sqlite3_column_count(st.st);
  std::vector<std::string> names;
  int report_col = -1;
  std::vector<int> kept;
  for (int i = 0; i < n; ++i) {
    const std::string c = sqlite3_column_name(st.st, i);
    names.push_back(c);
    if (c == "report") report_col = i;
    // The configuration and report are drawn per design; wall_s is a measurement of the
    // machine, left out so the same database gives the same report bytes.
    if (c == "report" || c == "config" || c == "wall_s") continue;
    kept.push_back(i);
    out.points.columns.push_back(c);
    const bool axis = recorded ? std::find(recorded->begin(), recorded->end(), c) != recorded->end() : !kKnown.count(c);
    if (axis) out.axes.push_back(c);
  }
  if (std::find(names.begin(), names.end(), "key") == names.end())
    throw Error(fmt::format("{}: table points has no column key", path));
  int rc;
  while ((rc = sqlite3_step(st.st)) == SQLITE_ROW) {
    std::vector<Json> row;
    for (int i : kept) row.push_back(value(st.st, i));
    out.points.rows.push_back(std::move(row));
    Json report(nullptr);
    if (report_col >= 0 && (sqlite3_column_type(st.st, report_col) == SQLITE_TEXT || sqlite3_column_type(st.st, report_col) == SQLITE_BLOB)) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st.st, report_col));
      report = Json::parse(t, nullptr, false);
      if (report.is_discarded()) report = nullptr;
    }
    out.reports.push_back(std::move(report));
  }
  if (rc != SQLITE_DONE) throw Error(fmt::format("{}: reading points: {}", path, sqlite3_errmsg(db.db)));
  return out;
}

}  // namespace einsim::report
