#include "sim/cycle/simulate.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "arch/tech/design_cost.hpp"
#include "sim/core/error.hpp"
#include "sim/cycle/cycle_engine.hpp"
#include "sim/eval/accounting.hpp"

namespace einsim {
namespace {

// Energy and area of the run from the cost model (arch/tech/design_cost.hpp), written into the report.
void add_costs(const ArchSpec& arch, const CostTables& tables, SimulationReport& r) {
  DesignActivity activity;
  for (const ArrayReport& ar : r.arrays) activity.arrays.push_back(ar.actions);
  for (const EinsumReport& er : r.einsums) {
    DesignActivity::Einsum ea;
    for (size_t a = 0; a < arch.arrays.size(); ++a)
      if (arch.arrays[a].name == er.array) ea.array = a;
    ea.actions = er.actions;
    activity.einsums.push_back(ea);
  }
  for (const LevelReport& lr : r.levels) {
    DesignActivity::Level lu{lr.read_bytes, lr.write_bytes, {}};
    for (const RegfileTraffic& t : lr.regfile_traffic) lu.regfile.push_back({t.bits, t.reads, t.writes});
    activity.levels.push_back(std::move(lu));
  }
  DesignCost cost = design_cost(arch, tables, activity);
  for (auto& n : cost.notes) r.notes.push_back(std::move(n));
  if (cost.technology.empty()) return;  // no table: no energy or area (the note says why)
  r.technology = cost.technology;
  for (size_t a = 0; a < r.arrays.size(); ++a) {
    r.arrays[a].energy_pj = cost.arrays[a].energy_pj;
    r.arrays[a].area_um2 = cost.arrays[a].area_um2;
    r.arrays[a].action_energy_pj = cost.arrays[a].action_energy_pj;
  }
  for (size_t e = 0; e < r.einsums.size(); ++e) r.einsums[e].energy_pj = cost.einsum_energy_pj[e];
  for (size_t l = 0; l < r.levels.size(); ++l) {
    r.levels[l].energy_pj = cost.levels[l].energy_pj;
    r.levels[l].area_um2 = cost.levels[l].area_um2;
    r.levels[l].read_energy_pj = cost.levels[l].read_energy_pj;
  }
  r.energy_pj = cost.energy_pj;
  r.area_um2 = cost.area_um2;
  r.costs_complete = cost.complete;
}

TraceGroup trace_group(const LoweredGroup& g, const CycleResult& res, uint64_t offset) {
  TraceGroup t;
  t.name = g.name;
  t.offset = offset;
  t.cycles = res.cycles;
  t.steps = g.program.steps;
  t.simulated_steps = res.simulated_steps;
  t.extrapolated = res.extrapolated;
  for (const TileUnit& u : g.program.units) {
    t.units.push_back(u.name);
    t.unit_is_dram.push_back(u.kind == UnitKind::dram);
  }
  for (const TileOp& op : g.program.body) t.op_names.push_back(op.name);
  return t;
}

}  // namespace

TimingResult cycle_timer(const TileProgram& program, bool extrapolate) {
  return simulate_tile_program(program, {extrapolate});
}

void cost_stage(const ArchSpec& arch, SimulationReport& report) { add_costs(arch, resolve_cost_tables(arch), report); }

CostStage cost_stage_for(const ArchSpec& arch) {
  auto tables = std::make_shared<const CostTables>(resolve_cost_tables(arch));
  return [tables](const ArchSpec& a, SimulationReport& report) {
    if (tables->resolved_for(a)) {
      add_costs(a, *tables, report);
    } else {
      cost_stage(a, report);  // another architecture's tables: found and read now
    }
  };
}

EvaluateOptions evaluate_options(Fidelity fidelity, bool extrapolate, const ArchSpec* arch) {
  EvaluateOptions o;
  o.fidelity = fidelity;
  o.extrapolate = extrapolate;
  if (fidelity == Fidelity::cycle) o.timer = [](const LoweredGroup& g, bool x) { return cycle_timer(g.program, x); };
  if (arch) {
    o.cost = cost_stage_for(*arch);
  } else {
    o.cost = &cost_stage;
  }
  return o;
}

SimulationReport simulate_cycle(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                const SimulateOptions& options) {
  if (!options.trace && !options.stop && !options.progress) {
    return evaluate(cascade, arch, mapping, evaluate_options(Fidelity::cycle, options.extrapolate));
  }
  EvaluateOptions o = evaluate_options(Fidelity::cycle, options.extrapolate);
  uint64_t total = 0, before = 0;  // steps of all groups, of the groups already timed
  if (options.progress) {
    o.lowered = [&total, &options](const std::vector<LoweredGroup>& groups) {
      for (const LoweredGroup& g : groups) total += g.program.steps;
      options.progress(0, total);
    };
  }
  // With a trace: the Cycle timer records each group's operations, from where the group starts.
  TraceRecorder* trace = options.trace;
  uint64_t offset = 0;
  o.timer = [&](const LoweredGroup& g, bool extrapolate) {
    std::optional<BoundedOps> ops;
    if (trace) ops.emplace(trace->limit());
    CycleOptions co{extrapolate, ops ? &*ops : nullptr, options.stop, {}};
    if (options.progress) {
      co.on_steps = [&](uint64_t s) { options.progress(before + std::min(s, g.program.steps), total); };
    }
    const CycleResult res = simulate_tile_program(g.program, co);
    before += g.program.steps;
    if (trace) {
      trace->add_group(trace_group(g, res, offset), *ops);
      offset += res.cycles;
    }
    return res;
  };
  return evaluate(cascade, arch, mapping, o);
}

}  // namespace einsim
