#include "sim/cycle/simulate.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "arch/tech/cost_table.hpp"
#include "sim/core/error.hpp"
#include "sim/cycle/cycle_engine.hpp"
#include "sim/eval/accounting.hpp"

namespace einsim {
namespace {

// ------------------------------------------------------------ register files

// Energy = port accesses x the table's energy per access of a register file of the
// level's capacity and port width (energy_per_bit_pj, when given, x the bits moved);
// area = the register file's area x the PEs holding one.
void add_regfile_cost(const CostTable& table, const StorageLevel& l, LevelReport& lr, double& energy, double& area,
                      bool& complete, std::vector<std::string>& notes) {
  double e = 0, read_e = 0;
  for (const RegfileTraffic& t : lr.regfile_traffic) {
    const int64_t width = l.width_bits > 0 ? l.width_bits : t.bits;
    const double reads = static_cast<double>(regfile_port_accesses(l, t.bits, t.reads));
    const double writes = static_cast<double>(regfile_port_accesses(l, t.bits, t.writes));
    if (l.energy_per_bit_pj) {
      e += *l.energy_per_bit_pj * static_cast<double>(width) * (reads + writes);
      read_e += *l.energy_per_bit_pj * static_cast<double>(width) * reads;
    } else {
      const StorageCost c = table.regfile_cost(static_cast<double>(*l.capacity_bytes), static_cast<int>(width));
      e += c.read_pj * reads + c.write_pj * writes;
      read_e += c.read_pj * reads;
    }
  }
  lr.energy_pj = e;
  lr.read_energy_pj = read_e;
  energy += e;
  const int width = l.width_bits > 0 ? static_cast<int>(l.width_bits) : 16;  // area does not depend on it
  const StorageCost c = table.regfile_cost(static_cast<double>(*l.capacity_bytes), width);
  if (c.area_um2) {
    lr.area_um2 = *c.area_um2 * static_cast<double>(lr.instances);
    area += *lr.area_um2;
  } else {
    complete = false;
    notes.push_back(fmt::format("level {}: the table gives no register-file area", l.name));
  }
}

// Energy and area from the architecture's technology table, and from its fallback table for
// what the first cannot cost; notes say what came from the fallback and what could not be costed.
void add_costs(const ArchSpec& arch, SimulationReport& r) {
  std::optional<CostTable> table, fallback;
  try {
    table.emplace(resolve_technology(arch.technology.table, arch.technology.node_nm, arch.file));
  } catch (const Error& e) {
    r.notes.push_back(fmt::format("no energy or area: {}", e.what()));
    return;
  }
  r.technology = fmt::format("{} at {} nm", arch.technology.table, table->node_nm());
  const std::string& fb = arch.technology.fallback;
  if (!fb.empty()) {
    try {
      fallback.emplace(resolve_technology(fb, arch.technology.node_nm, arch.file));
      r.technology += fmt::format(", {} for the rest", fb);
    } catch (const Error& e) {
      r.notes.push_back(fmt::format("no fallback costs: {}", e.what()));
    }
  }
  bool complete = true, mac_fallback = false, taylor_lanes = false;
  double energy = 0, area = 0;
  for (size_t a = 0; a < arch.arrays.size(); ++a) {
    ArrayReport& ar = r.arrays[a];
    const PeKind& kind = arch.arrays[a].pe;
    std::optional<PeCost> cost, fb_cost;
    std::string why;
    try {
      cost = table->pe_cost(kind);
    } catch (const Error& e) {
      why = e.what();
    }
    if (fallback) {
      try {
        fb_cost = fallback->pe_cost(kind);
      } catch (const Error&) {
      }
    }
    if (!cost && !fb_cost) {
      complete = false;
      r.notes.push_back(fmt::format("array {}: {}", ar.name, why));
      continue;
    }
    if (!cost) r.notes.push_back(fmt::format("array {}: {} from {} ({})", ar.name, kind.name, fb, why));
    double e = 0;
    std::array<double, kPeActionCount> per{};  // energy of one action on this array (0: not costed)
    for (size_t i = 0; i < kPeActionCount; ++i) {
      const PeAction act = static_cast<PeAction>(i);
      const uint64_t n = ar.actions[act];
      if (n == 0) continue;
      if (act == PeAction::exp && kind.family == PeFamily::vector && !arch.arrays[a].dedicated_exp) {
        // A vector lane without a dedicated exp unit (exp_unit: taylor) runs the Taylor series the
        // timing charges on its multiplier and adder: 6 multiply-adds (the FuseMax artifact's
        // "mac 6" for exp on its 1D array).
        auto mul_add = [](const std::optional<PeCost>& pc) {
          return pc && pc->energy_pj.count(PeAction::mul) && pc->energy_pj.count(PeAction::add) ? &*pc : nullptr;
        };
        const PeCost* lane = mul_add(cost) ? mul_add(cost) : mul_add(fb_cost);
        if (lane) {
          per[i] = kExpTaylorMacs * (lane->energy_pj.at(PeAction::mul) + lane->energy_pj.at(PeAction::add));
          e += static_cast<double>(n) * per[i];
          taylor_lanes = true;
          continue;
        }
      }
      if (cost && cost->energy_pj.count(act)) {
        per[i] = cost->energy_pj.at(act);
        e += static_cast<double>(n) * per[i];
        continue;
      }
      const PeCost* mac_cost = cost ? &*cost : &*fb_cost;
      if (kind.family == PeFamily::mac && mac_cost->energy_pj.count(PeAction::mac)) {
        // A MAC array runs the other element-wise operators on its MAC units: one MAC each,
        // and exp as a 6-term Taylor series (the FuseMax artifact's costs).
        const double mac = mac_cost->energy_pj.at(PeAction::mac);
        per[i] = act == PeAction::exp ? kExpTaylorMacs * mac : mac;
        e += static_cast<double>(n) * per[i];
        mac_fallback = true;
        continue;
      }
      if (fb_cost && fb_cost->energy_pj.count(act)) {
        per[i] = fb_cost->energy_pj.at(act);
        e += static_cast<double>(n) * per[i];
        if (cost) r.notes.push_back(fmt::format("array {}: '{}' on {} from {}", ar.name, action_name(act), kind.name, fb));
        continue;
      }
      r.notes.push_back(fmt::format("array {}: the table has no energy for '{}' on {}; counted as 0", ar.name,
                                    action_name(act), ar.pe));
      complete = false;
    }
    ar.energy_pj = e;
    ar.action_energy_pj = per;
    energy += e;
    for (EinsumReport& er : r.einsums) {
      if (er.array != ar.name) continue;
      double ee = 0;
      for (size_t i = 0; i < kPeActionCount; ++i) ee += static_cast<double>(er.actions[static_cast<PeAction>(i)]) * per[i];
      er.energy_pj = ee;
    }
    std::optional<double> pe_area = cost ? cost->area_um2 : std::nullopt;
    if (!pe_area && fb_cost && fb_cost->area_um2) {
      pe_area = fb_cost->area_um2;
      if (cost) r.notes.push_back(fmt::format("array {}: area of {} from {}", ar.name, kind.name, fb));
    }
    if (pe_area) {
      ar.area_um2 = *pe_area * static_cast<double>(ar.pes);
      area += *ar.area_um2;
    } else {
      complete = false;
      r.notes.push_back(fmt::format("array {}: the table gives no area for {}", ar.name, ar.pe));
    }
  }
  for (size_t l = 0; l < arch.storage.size(); ++l) {
    const StorageLevel& lvl = arch.storage[l];
    LevelReport& lr = r.levels[l];
    // The table's cost of the level, else the fallback's (named in the notes).
    auto costed = [&](auto&& from) {
      try {
        return from(*table);
      } catch (const Error& e) {
        if (!fallback) throw;
        auto v = from(*fallback);
        r.notes.push_back(fmt::format("level {}: from {} ({})", lvl.name, fb, e.what()));
        return v;
      }
    };
    try {
      if (lvl.kind == StorageKind::dram) {
        const double per_bit = lvl.energy_per_bit_pj ? *lvl.energy_per_bit_pj
                                                     : costed([](const CostTable& t) { return t.dram_energy_per_bit(); });
        lr.energy_pj = per_bit * 8.0 * static_cast<double>(lr.read_bytes + lr.write_bytes);
        lr.read_energy_pj = per_bit * 8.0 * static_cast<double>(lr.read_bytes);
        energy += *lr.energy_pj;
        continue;
      }
      if (lvl.kind == StorageKind::regfile) {
        try {
          add_regfile_cost(*table, lvl, lr, energy, area, complete, r.notes);
        } catch (const Error& e) {
          if (!fallback) throw;
          add_regfile_cost(*fallback, lvl, lr, energy, area, complete, r.notes);
          r.notes.push_back(fmt::format("level {}: from {} ({})", lvl.name, fb, e.what()));
        }
        continue;
      }
      if (lvl.per_pe || !lvl.capacity_bytes) continue;
      const int width = lvl.width_bits > 0 ? static_cast<int>(lvl.width_bits) : 64;
      const StorageCost sc = costed([&](const CostTable& t) {
        return t.storage_cost(static_cast<double>(*lvl.capacity_bytes), width, static_cast<int>(lvl.banks));
      });
      const double access_bytes = width / 8.0;
      // energy_per_bit_pj, when the architecture gives it, replaces the table's energy per access.
      lr.energy_pj = lvl.energy_per_bit_pj
                         ? *lvl.energy_per_bit_pj * 8.0 * static_cast<double>(lr.read_bytes + lr.write_bytes)
                         : sc.read_pj * static_cast<double>(lr.read_bytes) / access_bytes +
                               sc.write_pj * static_cast<double>(lr.write_bytes) / access_bytes;
      lr.read_energy_pj = lvl.energy_per_bit_pj ? *lvl.energy_per_bit_pj * 8.0 * static_cast<double>(lr.read_bytes)
                                                : sc.read_pj * static_cast<double>(lr.read_bytes) / access_bytes;
      energy += *lr.energy_pj;
      if (sc.area_um2) {
        lr.area_um2 = *sc.area_um2;
        area += *sc.area_um2;
      } else {
        complete = false;
        r.notes.push_back(fmt::format("level {}: the table gives no SRAM area", lvl.name));
      }
    } catch (const Error& e) {
      complete = false;
      r.notes.push_back(fmt::format("level {}: {}", lvl.name, e.what()));
    }
  }
  if (mac_fallback) {
    r.notes.push_back("on MAC arrays add, sub, max and mul cost one MAC and exp six MACs (a Taylor series)");
  }
  if (taylor_lanes) {
    r.notes.push_back("on vector lanes without a dedicated exp unit (exp_unit: taylor) exp costs six multiplies "
                      "and six adds (a Taylor series)");
  }
  r.energy_pj = energy;
  r.area_um2 = area;
  r.costs_complete = complete;
  if (!complete) r.notes.push_back("energy and area leave out the components listed above");
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

void cost_stage(const ArchSpec& arch, SimulationReport& report) { add_costs(arch, report); }

EvaluateOptions evaluate_options(Fidelity fidelity, bool extrapolate) {
  EvaluateOptions o;
  o.fidelity = fidelity;
  o.extrapolate = extrapolate;
  if (fidelity == Fidelity::cycle) o.timer = [](const LoweredGroup& g, bool x) { return cycle_timer(g.program, x); };
  o.cost = &cost_stage;
  return o;
}

SimulationReport simulate_cycle(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                const SimulateOptions& options) {
  if (!options.trace) return evaluate(cascade, arch, mapping, evaluate_options(Fidelity::cycle, options.extrapolate));
  // With a trace: the Cycle timer records each group's operations, from where the group starts.
  EvaluateOptions o = evaluate_options(Fidelity::cycle, options.extrapolate);
  TraceRecorder& trace = *options.trace;
  uint64_t offset = 0;
  o.timer = [&trace, &offset](const LoweredGroup& g, bool extrapolate) {
    BoundedOps ops(trace.limit());
    const CycleResult res = simulate_tile_program(g.program, {extrapolate, &ops});
    trace.add_group(trace_group(g, res, offset), ops);
    offset += res.cycles;
    return res;
  };
  return evaluate(cascade, arch, mapping, o);
}

}  // namespace einsim
