#pragma once
// A simulation's report as JSON (`einsim simulate --json`): exact numbers,
// bytes as integers, energy in pJ, area in mm^2 (total) and um^2 (components).

#include <optional>

#include <nlohmann/json.hpp>

#include "arch/pe/action_counts.hpp"
#include "sim/cycle/simulate.hpp"
#include "sim/engine/error_metrics.hpp"

namespace einsim::report {

using Json = nlohmann::ordered_json;

// What "utilization" means in every report, for every group kind (systolic and fused).
inline constexpr const char* kUtilizationDefinition =
    "utilization = useful PE-cycles / (PEs x total cycles): the share of the array's PE-cycles that did "
    "useful work (a MAC, or an element-wise operation on a lane); busy fraction = cycles the array had "
    "work / total cycles";

// A number, or null when it could not be computed.
Json optional_number(const std::optional<double>& v);
// Error metrics; infinities become the strings "inf" and "-inf".
Json error_json(const ErrorMetrics& e);
// The nonzero action counts, by action name.
Json actions_json(const ActionCounts& counts);
Json report_json(const SimulationReport& r);

}  // namespace einsim::report
