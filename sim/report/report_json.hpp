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

// A number, or null when it could not be computed.
Json optional_number(const std::optional<double>& v);
// Error metrics; infinities become the strings "inf" and "-inf".
Json error_json(const ErrorMetrics& e);
// The nonzero action counts, by action name.
Json actions_json(const ActionCounts& counts);
Json report_json(const SimulationReport& r);

}  // namespace einsim::report
