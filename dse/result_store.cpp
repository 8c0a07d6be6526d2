#include "dse/result_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include "sim/core/error.hpp"

namespace einsim::dse {
namespace {

using Json = nlohmann::ordered_json;

const char* kResultColumns[] = {"status",     "error",      "cycles", "seconds", "energy_pj",
                                "area_mm2",   "edp",        "dram_bytes", "utilization", "pareto",
                                "config",     "report",     "wall_s"};

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw Error(fmt::format("SQLite: {} in: {}", sqlite3_errmsg(db), sql));
  }
  ~Statement() { sqlite3_finalize(st_); }
  sqlite3_stmt* get() { return st_; }
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw Error(fmt::format("SQLite: {}", sqlite3_errmsg(db_)));
    return false;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

void bind_json(sqlite3_stmt* st, int i, const Json& v) {
  if (v.is_null()) sqlite3_bind_null(st, i);
  else if (v.is_number_integer()) sqlite3_bind_int64(st, i, v.get<int64_t>());
  else if (v.is_number()) {
    const double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9e15) sqlite3_bind_int64(st, i, static_cast<int64_t>(d));
    else sqlite3_bind_double(st, i, d);
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    sqlite3_bind_text(st, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else {
    const std::string s = v.dump();
    sqlite3_bind_text(st, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
}

Json column_json(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(st, i);
    case SQLITE_FLOAT: return sqlite3_column_double(st, i);
    case SQLITE_TEXT: return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)));
    default: return nullptr;
  }
}

}  // namespace

std::string quote_identifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void ResultStore::exec(const std::string& sql) const {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "error";
    sqlite3_free(msg);
    throw Error(fmt::format("{}: SQLite: {}", path_, m));
  }
}

ResultStore::ResultStore(const std::string& path, const std::vector<std::string>& axes,
                         const std::vector<std::string>& objectives)
    : path_(path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string m = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(fmt::format("{}: {}", path, m));
  }
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  create(axes, objectives);
}

ResultStore::ResultStore(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(fmt::format("{}: cannot open the database", path));
  }
  sqlite3_busy_timeout(db_, 10000);
  read_meta();
}

ResultStore::~ResultStore() { sqlite3_close(db_); }

void ResultStore::create(const std::vector<std::string>& axes, const std::vector<std::string>& objectives) {
  std::string cols = "key TEXT PRIMARY KEY";
  for (const auto& a : axes) cols += ", " + quote_identifier(a);
  cols += ", status TEXT NOT NULL, error TEXT, cycles INTEGER, seconds REAL, energy_pj REAL, area_mm2 REAL, "
          "edp REAL, dram_bytes INTEGER, utilization REAL, pareto INTEGER NOT NULL DEFAULT 0, config TEXT, "
          "report TEXT, wall_s REAL";
  exec("BEGIN IMMEDIATE");
  exec("CREATE TABLE IF NOT EXISTS points (" + cols + ")");
  exec("CREATE TABLE IF NOT EXISTS sweep_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
  Statement put(db_, "INSERT OR IGNORE INTO sweep_meta VALUES (?, ?)");
  for (const auto& [name, value] : {std::pair<std::string, Json>{"axes", Json(axes)}, {"objectives", Json(objectives)}}) {
    sqlite3_reset(put.get());
    bind_json(put.get(), 1, name);
    bind_json(put.get(), 2, value.dump());
    put.step();
  }
  exec("COMMIT");
  read_meta();
  if (axes_ != axes) {
    throw Error(fmt::format("{} holds another sweep: its axes are {}, this sweep's are {} (use another --db)", path_,
                            Json(axes_).dump(), Json(axes).dump()));
  }
  objectives_ = objectives;
}

void ResultStore::read_meta() {
  Statement q(db_, "SELECT name, value FROM sweep_meta");
  bool any = false;
  while (q.step()) {
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
    const Json v = Json::parse(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 1)));
    if (name == "axes") axes_ = v.get<std::vector<std::string>>();
    if (name == "objectives") objectives_ = v.get<std::vector<std::string>>();
    any = true;
  }
  if (!any) throw Error(fmt::format("{} is not an einsim sweep database", path_));
}

std::set<std::string> ResultStore::keys() const {
  Statement q(db_, "SELECT key FROM points");
  std::set<std::string> k;
  while (q.step()) k.insert(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0)));
  return k;
}

void ResultStore::insert(const Row& row) {
  std::string sql = "INSERT OR IGNORE INTO points VALUES (?";
  for (size_t i = 0; i < axes_.size() + std::size(kResultColumns); ++i) sql += ", ?";
  Statement ins(db_, sql + ")");
  int i = 1;
  bind_json(ins.get(), i++, row.key);
  for (const auto& a : axes_) bind_json(ins.get(), i++, row.axes.contains(a) ? row.axes[a] : Json(nullptr));
  const Json j = row.to_json();
  for (const char* c : kResultColumns) bind_json(ins.get(), i++, std::string(c) == "error" && row.error.empty() ? Json(nullptr) : j[c]);
  ins.step();
}

std::vector<Row> ResultStore::rows() const {
  std::string sql = "SELECT key";
  for (const auto& a : axes_) sql += ", " + quote_identifier(a);
  for (const char* c : kResultColumns) sql += std::string(", ") + c;
  Statement q(db_, sql + " FROM points ORDER BY key");
  std::vector<Row> out;
  while (q.step()) {
    Json j;
    int i = 0;
    j["key"] = column_json(q.get(), i++);
    Json axes = Json::object();
    for (const auto& a : axes_) axes[a] = column_json(q.get(), i++);
    j["axes"] = axes;
    for (const char* c : kResultColumns) j[c] = column_json(q.get(), i++);
    if (j["error"].is_null()) j["error"] = "";
    if (j["config"].is_null()) j["config"] = "";
    if (j["report"].is_null()) j["report"] = "";
    out.push_back(Row::from_json(j));
  }
  return out;
}

void ResultStore::set_pareto(const std::set<std::string>& keys) {
  exec("BEGIN IMMEDIATE");
  exec("UPDATE points SET pareto = 0 WHERE pareto != 0");
  Statement up(db_, "UPDATE points SET pareto = 1 WHERE key = ?");
  for (const auto& k : keys) {
    sqlite3_reset(up.get());
    bind_json(up.get(), 1, k);
    up.step();
  }
  exec("COMMIT");
}

void ResultStore::merge_from(const std::string& path) {
  ResultStore other(path);
  if (other.axes() != axes_) {
    throw Error(fmt::format("{} holds another sweep: its axes are {}, {}'s are {}", path, Json(other.axes()).dump(),
                            path_, Json(axes_).dump()));
  }
  exec("BEGIN IMMEDIATE");
  for (const Row& r : other.rows()) insert(r);
  exec("COMMIT");
}

}  // namespace einsim::dse
