#pragma once
// SCALE-Sim v2's per-layer report files, written from an einsim simulation so that the two
// tools' outputs compare column by column (`einsim simulate --scalesim-report DIR`).
//
// One row per systolic group (a layer), numbered from 0 in the order the groups ran, in
// SCALE-Sim's layout: ", " between fields, a trailing "," on every line, integers as
// integers and fractions as Python's str() prints a float (shortest round-trip digits,
// "100.0" for a whole number).
//
// COMPUTE_REPORT.csv: LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %,
// Compute Util %
//   Total Cycles        group cycles - 1 (SCALE-Sim prints the 0-based index of its last cycle)
//   Stall Cycles        group cycles - batch x folds x cycles per fold (the cycles the array
//                       waited for DRAM within the group; 0 with an ideal DRAM)
//   Overall Util %      100 x MACs / (Total Cycles x R x C)
//   Mapping Efficiency  100 x mean over folds of rows used x columns used / (R x C)
//   Compute Util %      100 x mean over folds of MACs / (R x C x SCALE-Sim's utilization cycles
//                       of the fold), sim/engine/systolic_timing.hpp
// BANDWIDTH_REPORT.csv: LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW
//   SRAM reads (writes) of each operand in words / Total Cycles. SCALE-Sim's three DRAM
//   columns are not written: they divide the words its prefetcher moves by the window of
//   its DRAM trace, which einsim does not model (docs/importing.md).

#include <string>
#include <vector>

#include "sim/eval/simulation_report.hpp"

namespace einsim::report {

struct ScaleSimReports {
  std::string compute;                      // COMPUTE_REPORT.csv
  std::string bandwidth;                    // BANDWIDTH_REPORT.csv
  size_t layers = 0;                        // rows written
  std::vector<std::string> skipped_groups;  // groups not on a systolic array (no row)
};

// The files' text. Throws Error when no group of the report is systolic.
ScaleSimReports scalesim_reports(const SimulationReport& report);

// Writes COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv into `dir` (created if missing), each
// under a temporary name renamed into place; returns the notes to print.
std::vector<std::string> write_scalesim_reports(const std::string& dir, const SimulationReport& report);

// A double as Python's str() prints it: shortest round-trip digits, ".0" after a whole number.
std::string python_float(double v);

}  // namespace einsim::report
