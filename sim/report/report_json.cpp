#include "sim/report/report_json.hpp"

#include <cmath>
#include <string>

namespace einsim::report {

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json error_json(const ErrorMetrics& e) {
  auto num = [](double v) { return std::isfinite(v) ? Json(v) : Json(v > 0 ? "inf" : "-inf"); };
  return Json{{"elements", e.count},
              {"non_finite", e.non_finite},
              {"max_abs_error", num(e.max_abs_error)},
              {"rel_rms_error", num(e.rel_rms_error)},
              {"sqnr_db", num(e.sqnr_db)}};
}

Json actions_json(const ActionCounts& counts) {
  Json actions = Json::object();
  for (size_t i = 0; i < kPeActionCount; ++i) {
    const PeAction act = static_cast<PeAction>(i);
    if (counts[act]) actions[std::string(action_name(act))] = counts[act];
  }
  return actions;
}

Json report_json(const SimulationReport& r) {
  Json j;
  j["workload"] = r.workload;
  j["architecture"] = r.architecture;
  j["mapping"] = r.mapping;
  j["fidelity"] = r.fidelity;
  j["cycles"] = r.cycles;
  j["seconds"] = r.seconds;
  j["energy_pj"] = optional_number(r.energy_pj);
  j["area_mm2"] = r.area_um2 ? Json(*r.area_um2 / 1e6) : Json(nullptr);
  j["technology"] = r.technology;
  j["costs_complete"] = r.costs_complete;
  j["utilization_definition"] = kUtilizationDefinition;
  j["dram_bytes"] = r.dram_read_bytes + r.dram_write_bytes;
  j["dram_read_bytes"] = r.dram_read_bytes;
  j["dram_write_bytes"] = r.dram_write_bytes;
  Json arrays = Json::object();
  for (const auto& a : r.arrays) {
    Json aj;
    aj["pe"] = a.pe;
    aj["pes"] = a.pes;
    aj["utilization"] = a.utilization;
    aj["busy_fraction"] = a.busy_fraction;
    aj["busy_cycles"] = a.busy_cycles;
    aj["stall_cycles"] = a.stall_cycles;
    aj["idle_cycles"] = a.idle_cycles;
    aj["actions"] = actions_json(a.actions);
    Json per = Json::object();
    for (size_t i = 0; i < kPeActionCount; ++i) {
      const PeAction act = static_cast<PeAction>(i);
      if (a.actions[act]) per[std::string(action_name(act))] = a.action_energy_pj[i];
    }
    aj["action_energy_pj"] = per;
    aj["energy_pj"] = optional_number(a.energy_pj);
    aj["area_um2"] = optional_number(a.area_um2);
    arrays[a.name] = aj;
  }
  j["arrays"] = arrays;
  Json levels = Json::object();
  for (const auto& l : r.levels) {
    Json lj;
    lj["kind"] = l.kind;
    lj["reads"] = l.read_bytes;
    lj["writes"] = l.write_bytes;
    lj["fills"] = l.fill_bytes;
    lj["capacity_bytes"] = l.capacity_bytes ? Json(*l.capacity_bytes) : Json(nullptr);
    lj["peak_occupancy_bytes"] = l.peak_occupancy_bytes;
    lj["energy_pj"] = optional_number(l.energy_pj);
    lj["read_energy_pj"] = optional_number(l.read_energy_pj);
    lj["write_energy_pj"] =
        l.energy_pj && l.read_energy_pj ? Json(*l.energy_pj - *l.read_energy_pj) : Json(nullptr);
    lj["area_um2"] = optional_number(l.area_um2);
    if (l.kind == "regfile") {
      // A copy in every PE: capacity and peak occupancy per PE, the rest summed over the PEs.
      lj["per_pe"] = true;
      lj["instances"] = l.instances;
      lj["read_accesses"] = l.read_accesses;
      lj["write_accesses"] = l.write_accesses;
    }
    levels[l.name] = lj;
  }
  j["levels"] = levels;
  Json groups = Json::array();
  uint64_t start = 0;
  for (const auto& g : r.groups) {
    Json units = Json::array();
    for (const auto& u : g.units) {
      units.push_back({{"name", u.name},
                       {"dram", u.dram},
                       {"busy_cycles", u.busy_cycles},
                       {"first_start", u.first_start},
                       {"last_end", u.last_end}});
    }
    groups.push_back({{"name", g.name},
                      {"start_cycle", start},
                      {"kind", g.kind},
                      {"mapping", g.mapping},
                      {"cycles", g.cycles},
                      {"steps", g.steps},
                      {"simulated_steps", g.simulated_steps},
                      {"extrapolated", g.extrapolated},
                      {"units", units}});
    start += g.cycles;
  }
  j["groups"] = groups;
  Json einsums = Json::object();
  for (const auto& e : r.einsums) {
    einsums[e.name] = {{"group", e.group},
                       {"array", e.array},
                       {"busy_cycles", e.busy_cycles},
                       {"tiles", e.tiles},
                       {"actions", actions_json(e.actions)},
                       {"energy_pj", optional_number(e.energy_pj)}};
  }
  j["einsums"] = einsums;
  Json spills = Json::array();
  for (const auto& sp : r.spills) {
    spills.push_back({{"tensor", sp.tensor},
                      {"from_group", sp.from_group},
                      {"to_groups", sp.to_groups},
                      {"written_bytes", sp.written_bytes},
                      {"read_bytes", sp.read_bytes}});
  }
  j["spills"] = spills;
  j["notes"] = r.notes;
  return j;
}

}  // namespace einsim::report
