#pragma once
// A sweep database (SQLite, written by `einsim sweep`): table `points` with a key,
// one column per sweep axis, the point's status, its metrics (cycles, seconds,
// energy_pj, area_mm2, edp, dram_bytes, utilization, pareto), its resolved
// configuration and its full `simulate --json` report. Columns this reader does not
// know are taken as axes when the database has no sweep_meta row "axes" (which
// `einsim sweep` writes). The wall-clock column wall_s is not read.

#include <string>
#include <vector>

#include "sim/report/tables.hpp"

namespace einsim::report {

struct SweepPoints {
  std::vector<std::string> axes;  // in column order
  Table points;                   // every column but config and report, one row per point
  std::vector<Json> reports;      // per row: the parsed report (null when absent or not ok)
};

// True when the file starts with SQLite's header.
bool is_sqlite_file(const std::string& path);
// Throws Error naming the file when it cannot be read or has no `points` table.
SweepPoints read_sweep_db(const std::string& path);

}  // namespace einsim::report
