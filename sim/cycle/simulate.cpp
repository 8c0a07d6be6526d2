#include "sim/cycle/simulate.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "arch/tech/cost_table.hpp"
#include "sim/core/error.hpp"
#include "sim/cycle/cycle_engine.hpp"
#include "sim/lower/lowering.hpp"
#include "workloads/cascade_graph.hpp"

namespace einsim {
namespace {

// ------------------------------------------------------------ register files

// Port accesses of `elements` values of `bits` each: a port of width_bits moves one
// access per ceil(bits / width_bits); without a width, an access moves one element.
uint64_t regfile_port_accesses(const StorageLevel& l, int64_t bits, uint64_t elements) {
  const int64_t width = l.width_bits > 0 ? l.width_bits : bits;
  return elements * static_cast<uint64_t>((bits + width - 1) / width);
}

// Adds one group's register-file counts to the levels of the report.
void add_regfile_counts(const ArchSpec& arch, const std::vector<RegfileGroupCounts>& counts, SimulationReport& r) {
  for (const RegfileGroupCounts& g : counts) {
    const StorageLevel& l = arch.storage[g.level];
    LevelReport& lr = r.levels[g.level];
    for (const RegfileTraffic& t : g.traffic) {
      auto it = std::find_if(lr.regfile_traffic.begin(), lr.regfile_traffic.end(),
                             [&](const RegfileTraffic& x) { return x.bits == t.bits; });
      if (it == lr.regfile_traffic.end()) {
        lr.regfile_traffic.push_back({t.bits, 0, 0});
        it = lr.regfile_traffic.end() - 1;
      }
      it->reads += t.reads;
      it->writes += t.writes;
    }
    lr.peak_occupancy_bytes = std::max<uint64_t>(lr.peak_occupancy_bytes, (g.peak_bits_per_pe + 7) / 8);
    // Totals over every group so far: bytes moved and port accesses.
    uint64_t read_bits = 0, write_bits = 0;
    lr.read_accesses = lr.write_accesses = 0;
    for (const RegfileTraffic& t : lr.regfile_traffic) {
      read_bits += t.reads * static_cast<uint64_t>(t.bits);
      write_bits += t.writes * static_cast<uint64_t>(t.bits);
      lr.read_accesses += regfile_port_accesses(l, t.bits, t.reads);
      lr.write_accesses += regfile_port_accesses(l, t.bits, t.writes);
    }
    lr.read_bytes = (read_bits + 7) / 8;
    lr.write_bytes = (write_bits + 7) / 8;
  }
}

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

// Intermediates passed between groups through DRAM: written by the producer's group, read back by
// the readers' groups (exact bytes from the lowering), with a note per tensor.
void add_spills(const EinsumCascade& c, const CascadeGraph& graph, const Mapping& m,
                const std::vector<LoweredGroup>& groups, SimulationReport& r) {
  std::vector<int> group_of(c.einsums.size(), -1);
  for (size_t g = 0; g < m.groups.size(); ++g)
    for (int e : m.groups[g].einsums) group_of[e] = static_cast<int>(g);
  auto bytes_in = [](const std::map<int, uint64_t>& per_tensor, int t) {
    auto it = per_tensor.find(t);
    return it == per_tensor.end() ? uint64_t{0} : it->second;
  };
  uint64_t written = 0, read = 0;
  for (size_t e = 0; e < c.einsums.size(); ++e) {
    const int t = c.einsums[e].output.tensor;
    const int from = group_of[e];
    SpillReport s;
    s.tensor = c.tensors[t].name;
    s.from_group = m.groups[from].name;
    std::vector<int> readers;
    for (int reader : graph.consumers(t)) {
      const int g = group_of[reader];
      if (g != from && std::find(readers.begin(), readers.end(), g) == readers.end()) readers.push_back(g);
    }
    if (readers.empty()) continue;
    s.written_bytes = bytes_in(groups[from].tensor_dram_writes, t);
    for (int g : readers) {
      s.to_groups.push_back(m.groups[g].name);
      s.read_bytes += bytes_in(groups[g].tensor_dram_reads, t);
    }
    written += s.written_bytes;
    read += s.read_bytes;
    std::string to;
    for (const auto& n : s.to_groups) to += (to.empty() ? "'" : ", '") + n + "'";
    r.notes.push_back(fmt::format("{} goes through DRAM from group '{}' to {}: {} written, {} read back", s.tensor,
                                  s.from_group, to, format_bytes(static_cast<double>(s.written_bytes)),
                                  format_bytes(static_cast<double>(s.read_bytes))));
    r.spills.push_back(std::move(s));
  }
  if (r.spills.size() > 1) {
    r.notes.push_back(fmt::format("intermediates through DRAM in all: {} written, {} read back",
                                  format_bytes(static_cast<double>(written)), format_bytes(static_cast<double>(read))));
  }
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

void add_regfile_levels(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                        SimulationReport& r) {
  for (const MappingGroup& mg : mapping.groups) add_regfile_counts(arch, regfile_counts(cascade, arch, mg), r);
}

SimulationReport simulate_cycle(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                const SimulateOptions& options) {
  const CascadeGraph graph(cascade);
  const std::vector<LoweredGroup> groups = lower_mapping(cascade, graph, arch, mapping);
  const std::vector<std::string> described = mapping.describe(cascade);

  SimulationReport r;
  r.workload = cascade.name;
  r.architecture = arch.name;
  r.mapping = mapping.source;
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
  for (const LoweredGroup& g : groups) {
    BoundedOps ops(options.trace ? options.trace->limit() : 0);
    const CycleResult res = simulate_tile_program(g.program, {options.extrapolate, options.trace ? &ops : nullptr});
    for (const auto& b : res.buffers) {
      if (b.capacity_bytes > 0 && b.peak_bytes > b.capacity_bytes) {
        throw Error(fmt::format(
            "buffer {} is too small for mapping group '{}': its tiles need {} at peak, the level holds {} "
            "(use smaller tiles, fewer slots, or a larger buffer)",
            b.name, g.name, format_bytes(static_cast<double>(b.peak_bytes)),
            format_bytes(static_cast<double>(b.capacity_bytes))));
      }
    }
    GroupReport gr;
    gr.name = g.name;
    gr.kind = g.kind == GroupKind::systolic ? "systolic" : "fused";
    gr.mapping = described.at(r.groups.size());
    gr.cycles = res.cycles;
    gr.steps = g.program.steps;
    gr.simulated_steps = res.simulated_steps;
    gr.extrapolated = res.extrapolated;
    for (size_t u = 0; u < res.units.size(); ++u) {
      const UnitStats& st = res.units[u];
      if (st.busy_cycles == 0) continue;
      gr.units.push_back({st.name, g.unit_array[u] < 0, st.busy_cycles, st.first_start, st.last_end});
    }
    if (options.trace) options.trace->add_group(trace_group(g, res, r.cycles), ops);
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
    if (res.extrapolated) {
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
  add_costs(arch, r);
  return r;
}

}  // namespace einsim
