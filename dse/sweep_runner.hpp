#pragma once
// Running a sweep: resolve its points, skip the keys the database already holds, evaluate
// the rest in worker processes (or on MPI ranks), write each row as it finishes, then mark
// the Pareto front. The same sweep gives the same rows (but wall_s) however it ran:
// one process or many, --jobs 1 or 8, in shards merged later, under MPI, or resumed.

#include <cstdint>
#include <string>
#include <vector>

#include "dse/evaluate.hpp"
#include "dse/row.hpp"
#include "dse/sweep_spec.hpp"

namespace einsim::dse {

struct RunOptions {
  std::string db;
  int jobs = 1;
  int shard = 0, shards = 1;
  double timeout_s = 0;
  uint64_t max_memory_bytes = 0;
  bool mpi = false;
  bool terminal = false;  // progress bar (else a plain line every few seconds)
  bool keep_rows = false;  // fill RunSummary::rows (for `sweep --json/--csv`)
  ReportWriter write_report;
};

struct RunSummary {
  bool coordinator = true;  // false on MPI ranks other than 0 (they print nothing)
  size_t points = 0;        // of this shard
  size_t already_done = 0;  // found in the database
  size_t evaluated = 0;
  size_t by_status_failed = 0, by_status_timeout = 0, by_status_infeasible = 0;
  std::vector<Row> pareto;  // of the whole database, by the first objective
  // With RunOptions::keep_rows: every row of the database, Pareto flags set, without the report
  // text: this run's points in grid order, then rows of other shards by key.
  std::vector<Row> rows;
  std::vector<std::string> notes;
};

RunSummary run_sweep(const SweepSpec& spec, const RunOptions& options);

// Recomputes the Pareto column of a database (after merge) and returns the front.
std::vector<Row> update_pareto(const std::string& db);

// Fault injection for the tests of the worker pool: EINSIM_SWEEP_FAULT="crash@I,hang@J" makes the
// worker evaluating the point of grid index I die of SIGSEGV and the one evaluating J hang.
void inject_fault(uint64_t grid_index);

}  // namespace einsim::dse
