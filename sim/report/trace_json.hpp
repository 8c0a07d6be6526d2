#pragma once
// The Cycle fidelity's tile operations as Chrome/Perfetto trace-event JSON
// (`einsim simulate --trace FILE.json`): one track per array and DRAM channel,
// a track of the mapping groups, each operation a complete ("X") event with its
// Einsum (or transfer), group, step and cycles. Times are in microseconds from
// the architecture's clock; cycles are in each event's args.

#include <nlohmann/json.hpp>

#include "sim/cycle/simulate.hpp"
#include "sim/cycle/trace.hpp"

namespace einsim::report {

nlohmann::ordered_json trace_json(const TraceRecorder& trace, const SimulationReport& report);

// The note the report carries when the trace dropped operations (empty if it kept them all).
std::string trace_note(const TraceRecorder& trace);

}  // namespace einsim::report
