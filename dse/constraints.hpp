#pragma once
// Constraints of a sweep. Each side of `NAME OP VALUE` is a number, an axis name, a result
// column (cycles, seconds, energy_pj, area_mm2, edp, dram_bytes, utilization), or a dotted
// path into the point's report (`report.levels.GB.peak_occupancy_bytes`) or configuration
// (`config.architecture.clock`). Constraints on axes alone are checked before a point runs;
// the others after it ran. A point that breaks one is `infeasible`.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dse/sweep_spec.hpp"

namespace einsim::dse {

// Throws SpecError at a constraint that names nothing known.
void validate_constraints(const SweepSpec& spec);

// Whether a constraint uses only numbers and axes.
bool is_input_constraint(const SweepSpec& spec, const Constraint& c);

// The first input constraint the point's axis values break, as a message; nullopt if none.
std::optional<std::string> failed_input_constraint(const SweepSpec& spec, const nlohmann::ordered_json& axes);

// The first result constraint the evaluated point breaks. `values` holds the axes and
// the result columns, and `report` / `config` the point's JSON.
std::optional<std::string> failed_result_constraint(const SweepSpec& spec, const nlohmann::ordered_json& values,
                                                    const nlohmann::ordered_json& report,
                                                    const nlohmann::ordered_json& config);

}  // namespace einsim::dse
