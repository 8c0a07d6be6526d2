#pragma once
// One row of the `points` table: a point's key, axis values, status and results. Rows
// travel from worker processes (and MPI ranks) to the writer as JSON text.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace einsim::dse {

struct Row {
  std::string key;
  nlohmann::ordered_json axes = nlohmann::ordered_json::object();  // column -> value
  std::string status = "ok";  // ok | failed | timeout | infeasible
  std::string error;
  std::optional<int64_t> cycles;
  std::optional<double> seconds;
  std::optional<double> energy_pj;
  std::optional<double> area_mm2;
  std::optional<double> edp;  // energy_pj x seconds (pJ s)
  std::optional<int64_t> dram_bytes;
  std::optional<double> utilization;  // of the 2D array (else the first array)
  int pareto = 0;
  std::string config;  // JSON
  std::string report;  // JSON, as `einsim simulate --json` writes it
  double wall_s = 0;

  nlohmann::ordered_json to_json() const;
  static Row from_json(const nlohmann::ordered_json& j);
  // The value of a result column by name (cycles, energy_pj, ...).
  std::optional<double> metric(const std::string& name) const;
};

}  // namespace einsim::dse
