#include "sim/eval/evaluate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/analytical/analytical_engine.hpp"
#include "sim/core/error.hpp"
#include "sim/eval/accounting.hpp"
#include "sim/eval/capacity_check.hpp"
#include "sim/eval/dram_capacity.hpp"
#include "workloads/cascade_graph.hpp"

namespace einsim {

std::string_view fidelity_name(Fidelity f) {
  switch (f) {
    case Fidelity::analytical: return "analytical";
    case Fidelity::cycle: return "cycle";
    case Fidelity::detailed: return "detailed";
  }
  return "analytical";
}

SimulationReport evaluate(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                          const EvaluateOptions& options) {
  return evaluate(cascade, CascadeGraph(cascade), arch, mapping, options);
}

SimulationReport evaluate(const EinsumCascade& cascade, const CascadeGraph& graph, const ArchSpec& arch,
                          const Mapping& mapping, const EvaluateOptions& options) {
  const std::vector<LoweredGroup> groups = lower_mapping(cascade, graph, arch, mapping);
  const std::vector<std::string> described = mapping.describe(cascade);
  // Tiles that cannot fit their buffer: an error before any group is timed.
  const bool analytical = !options.timer && options.extrapolate;
  std::vector<std::optional<FoldedFirst>> firsts;  // first folded evaluations the check made, reused
  check_mapping_capacity(groups, mapping, analytical, analytical ? &firsts : nullptr);
  check_dram_capacity(cascade, arch, groups);
  if (options.lowered) options.lowered(groups);

  SimulationReport r;
  r.workload = cascade.name;
  r.architecture = arch.name;
  r.mapping = mapping.source;
  r.fidelity = std::string(fidelity_name(options.fidelity));
  for (const auto& a : arch.arrays) {
    ArrayReport ar;
    ar.name = a.name;
    ar.pe = a.pe.name;
    ar.pes = a.num_pes();
    r.arrays.push_back(ar);
  }
  for (const auto& l : arch.storage) {
    LevelReport lr;
    lr.name = l.name;
    lr.kind = std::string(storage_kind_name(l.kind));
    if (l.capacity_bytes) lr.capacity_bytes = static_cast<uint64_t>(*l.capacity_bytes);
    if (l.per_pe) lr.instances = arch.instances(l);
    r.levels.push_back(lr);
  }
  // Register files: counted from each group's dataflow (sim/engine/regfile_model.hpp); a
  // register file too small for what a PE keeps is an error before anything is simulated.
  add_regfile_levels(cascade, arch, mapping, r);
  for (const auto& n : mapping.notes) r.notes.push_back(n);
  std::vector<uint64_t> useful(arch.arrays.size(), 0);
  for (size_t g_index = 0; g_index < groups.size(); ++g_index) {
    const LoweredGroup& g = groups[g_index];
    AnalyticalOptions ao;
    ao.extrapolate = options.extrapolate;
    if (g_index < firsts.size() && firsts[g_index]) ao.folded_first = &*firsts[g_index];
    const TimingResult res = options.timer ? options.timer(g, options.extrapolate) : evaluate_tile_program(g.program, ao);
    // The full run's peak (at least the need checked above, which covers the first steps).
    check_buffer_fits(res.buffers, g.name, g_index < mapping.groups.size() ? mapping.groups[g_index].location
                                                                          : SourceLocation{});
    GroupReport gr;
    gr.name = g.name;
    gr.kind = g.kind == GroupKind::systolic ? "systolic" : "fused";
    gr.mapping = described.at(r.groups.size());
    gr.cycles = res.cycles;
    gr.steps = g.program.steps;
    gr.simulated_steps = res.simulated_steps;
    gr.extrapolated = res.extrapolated;
    if (g.systolic) {
      gr.systolic = g.systolic;
      gr.batch = g.batch;
      if (!g.einsums.empty()) gr.array = arch.arrays.at(static_cast<size_t>(g.einsums.front().array)).name;
    }
    for (size_t u = 0; u < res.units.size(); ++u) {
      const UnitStats& st = res.units[u];
      if (st.busy_cycles == 0) continue;
      gr.units.push_back({st.name, g.unit_array[u] < 0, st.busy_cycles, st.first_start, st.last_end});
    }
    r.groups.push_back(gr);
    r.cycles += res.cycles;
    for (size_t u = 0; u < res.units.size(); ++u) {
      const int a = g.unit_array[u];
      if (a < 0) continue;
      ArrayReport& ar = r.arrays[a];
      ar.busy_cycles += res.units[u].busy_cycles;
      ar.stall_cycles += res.units[u].stall_cycles;
      ar.idle_cycles += res.units[u].idle_cycles;
    }
    for (size_t a = 0; a < arch.arrays.size(); ++a) {
      r.arrays[a].actions += g.actions[a];
      useful[a] += g.useful_pe_cycles[a];
    }
    r.dram_read_bytes += g.dram_read_bytes;
    r.dram_write_bytes += g.dram_write_bytes;
    for (auto& lr : r.levels) {
      if (lr.name == g.buffer) {
        lr.read_bytes += g.buffer_read_bytes;
        lr.write_bytes += g.buffer_write_bytes;
        lr.fill_bytes += g.dram_read_bytes;
        for (const auto& b : res.buffers)
          if (b.name == lr.name) lr.peak_occupancy_bytes = std::max(lr.peak_occupancy_bytes, b.peak_bytes);
      }
    }
    for (const EinsumWork& w : g.einsums) {
      EinsumReport er;
      er.name = cascade.einsums[static_cast<size_t>(w.einsum)].name;
      er.group = g.name;
      er.array = arch.arrays[static_cast<size_t>(w.array)].name;
      er.busy_cycles = w.busy_cycles;
      er.tiles = w.tiles;
      er.actions = w.actions;
      r.einsums.push_back(er);
    }
    for (const auto& n : g.notes) r.notes.push_back(n);
    if (res.folded_iterations > 0) {
      r.notes.push_back(fmt::format("group '{}': its inner loop of {} iterations reaches a steady state; timed from "
                                    "four evaluations with the loop cut short ({} steps in all) and extrapolated",
                                    g.name, res.folded_iterations, res.simulated_steps));
    } else if (res.extrapolated) {
      r.notes.push_back(fmt::format("group '{}': periodic steady state after {} of {} steps ({} cycles per {} steps), "
                                    "extrapolated exactly",
                                    g.name, res.simulated_steps, g.program.steps, res.period_cycles,
                                    res.period_steps));
    }
  }
  add_spills(cascade, graph, mapping, groups, r);
  r.levels.front().read_bytes = r.dram_read_bytes;
  r.levels.front().write_bytes = r.dram_write_bytes;
  r.seconds = arch.clock_hz > 0 ? static_cast<double>(r.cycles) / arch.clock_hz : 0;
  for (size_t a = 0; a < arch.arrays.size(); ++a) {
    ArrayReport& ar = r.arrays[a];
    if (r.cycles == 0) continue;
    ar.utilization = static_cast<double>(useful[a]) / (static_cast<double>(ar.pes) * static_cast<double>(r.cycles));
    ar.busy_fraction = static_cast<double>(ar.busy_cycles) / static_cast<double>(r.cycles);
  }
  if (options.cost) options.cost(arch, r);
  return r;
}

}  // namespace einsim
