#pragma once
// The results of a sweep in SQLite (WAL mode). Table `points`, one row per point:
//   key TEXT PRIMARY KEY, one column per axis (named after the axis), status, error,
//   cycles, seconds, energy_pj, area_mm2, edp, dram_bytes, utilization, pareto,
//   config, report, wall_s
// and table `sweep_meta` (axes, objectives, einsim version) so `merge` and a resumed
// run can check that the databases belong to the same sweep. Each row is committed on
// its own as it arrives: a killed sweep keeps every row it wrote, and a key is never
// written twice.

#include <set>
#include <string>
#include <vector>

#include "dse/row.hpp"

struct sqlite3;

namespace einsim::dse {

class ResultStore {
 public:
  // Opens or creates `path` for a sweep with these axis columns and objectives; throws Error
  // when an existing database holds another sweep.
  ResultStore(const std::string& path, const std::vector<std::string>& axes, const std::vector<std::string>& objectives);
  // Opens an existing database (for merge).
  explicit ResultStore(const std::string& path);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  const std::vector<std::string>& axes() const { return axes_; }
  const std::vector<std::string>& objectives() const { return objectives_; }
  std::set<std::string> keys() const;
  // Adds a row (a key already present is kept as it is).
  void insert(const Row& row);
  std::vector<Row> rows() const;  // ordered by key
  // Sets pareto = 1 on exactly these keys.
  void set_pareto(const std::set<std::string>& keys);
  // Copies every row of another database of the same sweep.
  void merge_from(const std::string& path);

 private:
  void exec(const std::string& sql) const;
  void create(const std::vector<std::string>& axes, const std::vector<std::string>& objectives);
  void read_meta();
  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<std::string> axes_;
  std::vector<std::string> objectives_;
};

// A column name as an SQL identifier: "arch.clock" -> "\"arch.clock\"".
std::string quote_identifier(const std::string& name);

}  // namespace einsim::dse
