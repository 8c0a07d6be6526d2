#include "sim/report/trace_json.hpp"

#include <map>
#include <string>

#include <fmt/format.h>

namespace einsim::report {

namespace {

using Json = nlohmann::ordered_json;

constexpr int kPid = 1;
constexpr int kGroupTid = 0;  // the track of the mapping groups

}  // namespace

std::string trace_note(const TraceRecorder& trace) {
  if (trace.dropped() == 0) return "";
  return fmt::format(
      "trace: {} of {} tile operations kept (the limit is {}): the first {} and the last {} (steady state); "
      "the {} between are left out",
      trace.kept(), trace.total(), trace.limit(), trace.limit() / 2, trace.limit() - trace.limit() / 2,
      trace.dropped());
}

Json trace_json(const TraceRecorder& trace, const SimulationReport& report) {
  // Microseconds per cycle (trace-event times are microseconds).
  const double us_per_cycle =
      report.cycles > 0 && report.seconds > 0 ? report.seconds * 1e6 / static_cast<double>(report.cycles) : 1e-3;
  Json events = Json::array();
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", kPid},
                    {"args", {{"name", fmt::format("{} on {}", report.workload, report.architecture)}}}});
  events.push_back(
      {{"ph", "M"}, {"name", "thread_name"}, {"pid", kPid}, {"tid", kGroupTid}, {"args", {{"name", "groups"}}}});
  events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", kPid}, {"tid", kGroupTid},
                    {"args", {{"sort_index", 0}}}});
  // One track per unit name (arrays and DRAM channels), in order of first appearance.
  std::map<std::string, int> tid;
  for (const TraceGroup& g : trace.groups()) {
    for (const std::string& u : g.units) {
      if (tid.count(u)) continue;
      const int t = static_cast<int>(tid.size()) + 1;
      tid[u] = t;
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", kPid}, {"tid", t}, {"args", {{"name", u}}}});
      events.push_back(
          {{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", kPid}, {"tid", t}, {"args", {{"sort_index", t}}}});
    }
  }
  for (const TraceGroup& g : trace.groups()) {
    Json args = {{"cycles", g.cycles}, {"steps", g.steps}, {"simulated_steps", g.simulated_steps}};
    if (g.extrapolated) {
      args["note"] = fmt::format("steps after {} repeat the steady state: extrapolated, not in the trace",
                                 g.simulated_steps);
    }
    events.push_back({{"ph", "X"}, {"name", g.name}, {"cat", "group"}, {"pid", kPid}, {"tid", kGroupTid},
                      {"ts", static_cast<double>(g.offset) * us_per_cycle},
                      {"dur", static_cast<double>(g.cycles) * us_per_cycle}, {"args", args}});
  }
  for (const TraceOp& op : trace.ops()) {
    const TraceGroup& g = trace.groups()[op.group];
    const uint64_t start = g.offset + op.start;
    events.push_back({{"ph", "X"},
                      {"name", g.op_names[op.op]},
                      {"cat", g.unit_is_dram[op.unit] ? "dram" : "compute"},
                      {"pid", kPid},
                      {"tid", tid.at(g.units[op.unit])},
                      {"ts", static_cast<double>(start) * us_per_cycle},
                      {"dur", static_cast<double>(op.cycles) * us_per_cycle},
                      {"args", {{"group", g.name}, {"step", op.step}, {"start_cycle", start}, {"cycles", op.cycles}}}});
  }
  Json j;
  j["traceEvents"] = events;
  j["displayTimeUnit"] = "ns";
  Json other;
  other["workload"] = report.workload;
  other["architecture"] = report.architecture;
  other["mapping"] = report.mapping;
  other["cycles"] = report.cycles;
  other["clock_hz"] = report.seconds > 0 ? static_cast<double>(report.cycles) / report.seconds : 0.0;
  other["operations"] = trace.total();
  other["operations_kept"] = trace.kept();
  other["event_limit"] = trace.limit();
  other["truncated"] = trace.dropped() > 0;
  if (trace.dropped() > 0) other["note"] = trace_note(trace);
  j["otherData"] = other;
  return j;
}

}  // namespace einsim::report
