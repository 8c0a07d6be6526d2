#include "sim/cycle/simulate.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "arch/tech/design_cost.hpp"
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

// Energy and area of the run from the cost model (arch/tech/design_cost.hpp), written into the report.
void add_costs(const ArchSpec& arch, SimulationReport& r) {
  static_assert(kExpTaylorTerms == kExpTaylorMacs, "the cost model charges the Taylor series the timing runs");
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
  DesignCost cost = design_cost(arch, activity);
  for (auto& n : cost.notes) r.notes.push_back(std::move(n));
  if (cost.technology.empty()) return;  // no table: no energy or area (the note says why)
  r.technology = cost.technology;
  for (size_t a = 0; a < r.arrays.size(); ++a) {
    r.arrays[a].energy_pj = cost.arrays[a].energy_pj;
    r.arrays[a].area_um2 = cost.arrays[a].area_um2;
  }
  for (size_t e = 0; e < r.einsums.size(); ++e) r.einsums[e].energy_pj = cost.einsum_energy_pj[e];
  for (size_t l = 0; l < r.levels.size(); ++l) {
    r.levels[l].energy_pj = cost.levels[l].energy_pj;
    r.levels[l].area_um2 = cost.levels[l].area_um2;
  }
  r.energy_pj = cost.energy_pj;
  r.area_um2 = cost.area_um2;
  r.costs_complete = cost.complete;
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
    gr.mapping = described.at(r.groups.size());
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
