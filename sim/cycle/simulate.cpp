#include "sim/cycle/simulate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "arch/tech/cost_table.hpp"
#include "sim/core/error.hpp"
#include "sim/cycle/cycle_engine.hpp"
#include "sim/cycle/lowering.hpp"
#include "workloads/cascade_graph.hpp"

namespace einsim {
namespace {

// Energy and area from the architecture's technology table; notes say what could not be costed.
void add_costs(const ArchSpec& arch, SimulationReport& r) {
  std::optional<CostTable> table;
  try {
    table.emplace(resolve_technology(arch.technology.table, arch.technology.node_nm, arch.file));
  } catch (const Error& e) {
    r.notes.push_back(fmt::format("no energy or area: {}", e.what()));
    return;
  }
  r.technology = fmt::format("{} at {} nm", arch.technology.table, table->node_nm());
  bool complete = true, mac_fallback = false;
  double energy = 0, area = 0;
  for (size_t a = 0; a < arch.arrays.size(); ++a) {
    ArrayReport& ar = r.arrays[a];
    try {
      const PeCost cost = table->pe_cost(arch.arrays[a].pe);
      double e = 0;
      for (size_t i = 0; i < kPeActionCount; ++i) {
        const PeAction act = static_cast<PeAction>(i);
        const uint64_t n = ar.actions[act];
        if (n == 0) continue;
        auto it = cost.energy_pj.find(act);
        if (it == cost.energy_pj.end() && arch.arrays[a].pe.family == PeFamily::mac &&
            cost.energy_pj.count(PeAction::mac)) {
          // A MAC array runs the other element-wise operators on its MAC units: one MAC each,
          // and exp as a 6-term Taylor series (the FuseMax artifact's costs).
          const double mac = cost.energy_pj.at(PeAction::mac);
          const double per = act == PeAction::exp ? kExpTaylorMacs * mac : mac;
          e += static_cast<double>(n) * per;
          mac_fallback = true;
          continue;
        }
        if (it == cost.energy_pj.end()) {
          r.notes.push_back(fmt::format("array {}: the table has no energy for '{}' on {}; counted as 0", ar.name,
                                        action_name(act), ar.pe));
          complete = false;
          continue;
        }
        e += static_cast<double>(n) * it->second;
      }
      ar.energy_pj = e;
      energy += e;
      if (cost.area_um2) {
        ar.area_um2 = *cost.area_um2 * static_cast<double>(ar.pes);
        area += *ar.area_um2;
      } else {
        complete = false;
        r.notes.push_back(fmt::format("array {}: the table gives no area for {}", ar.name, ar.pe));
      }
    } catch (const Error& e) {
      complete = false;
      r.notes.push_back(fmt::format("array {}: {}", ar.name, e.what()));
    }
  }
  for (size_t l = 0; l < arch.storage.size(); ++l) {
    const StorageLevel& lvl = arch.storage[l];
    LevelReport& lr = r.levels[l];
    try {
      if (lvl.kind == StorageKind::dram) {
        const double per_bit = lvl.energy_per_bit_pj.value_or(table->dram_energy_per_bit());
        lr.energy_pj = per_bit * 8.0 * static_cast<double>(lr.read_bytes + lr.write_bytes);
        energy += *lr.energy_pj;
        continue;
      }
      if (lvl.per_pe || !lvl.capacity_bytes) continue;  // register files: not modelled yet
      const int width = lvl.width_bits > 0 ? static_cast<int>(lvl.width_bits) : 64;
      const StorageCost sc = table->storage_cost(static_cast<double>(*lvl.capacity_bytes), width,
                                                 static_cast<int>(lvl.banks));
      const double access_bytes = width / 8.0;
      lr.energy_pj = sc.read_pj * static_cast<double>(lr.read_bytes) / access_bytes +
                     sc.write_pj * static_cast<double>(lr.write_bytes) / access_bytes;
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

}  // namespace

SimulationReport simulate_cycle(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                                const SimulateOptions& options) {
  const CascadeGraph graph(cascade);
  const std::vector<LoweredGroup> groups = lower_mapping(cascade, graph, arch, mapping);

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
    r.levels.push_back(lr);
  }
  for (const auto& n : mapping.notes) r.notes.push_back(n);
  std::vector<uint64_t> useful(arch.arrays.size(), 0);
  for (const LoweredGroup& g : groups) {
    const CycleResult res = simulate_tile_program(g.program, {options.extrapolate});
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
    gr.cycles = res.cycles;
    gr.steps = g.program.steps;
    gr.simulated_steps = res.simulated_steps;
    gr.extrapolated = res.extrapolated;
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
