#include "arch/tech/design_cost.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "arch/tech/cost_table.hpp"
#include "sim/core/error.hpp"

namespace einsim {
namespace {

// Port accesses of `elements` values of `bits` each: a port of width_bits moves one
// access per ceil(bits / width_bits); without a width, an access moves one element.
uint64_t port_accesses(const StorageLevel& l, int64_t bits, uint64_t elements) {
  const int64_t width = l.width_bits > 0 ? l.width_bits : bits;
  return elements * static_cast<uint64_t>((bits + width - 1) / width);
}

// Energy = port accesses x the table's energy per access of a register file of the
// level's capacity and port width (energy_per_bit_pj, when given, x the bits moved);
// area = the register file's area x the PEs holding one.
void add_regfile_cost(const CostTable& table, const StorageLevel& l, const std::vector<RegfileUse>& traffic,
                      int64_t instances, ComponentCost& lc, double& energy, double& area, bool& complete,
                      std::vector<std::string>& notes) {
  double e = 0, read_e = 0;
  for (const RegfileUse& t : traffic) {
    const int64_t width = l.width_bits > 0 ? l.width_bits : t.bits;
    const double reads = static_cast<double>(port_accesses(l, t.bits, t.reads));
    const double writes = static_cast<double>(port_accesses(l, t.bits, t.writes));
    if (l.energy_per_bit_pj) {
      e += *l.energy_per_bit_pj * static_cast<double>(width) * (reads + writes);
      read_e += *l.energy_per_bit_pj * static_cast<double>(width) * reads;
    } else {
      const StorageCost c = table.regfile_cost(static_cast<double>(*l.capacity_bytes), static_cast<int>(width));
      e += c.read_pj * reads + c.write_pj * writes;
      read_e += c.read_pj * reads;
    }
  }
  lc.energy_pj = e;
  lc.read_energy_pj = read_e;
  energy += e;
  const int width = l.width_bits > 0 ? static_cast<int>(l.width_bits) : 16;  // area does not depend on it
  const StorageCost c = table.regfile_cost(static_cast<double>(*l.capacity_bytes), width);
  if (c.area_um2) {
    lc.area_um2 = *c.area_um2 * static_cast<double>(instances);
    area += *lc.area_um2;
  } else {
    complete = false;
    notes.push_back(fmt::format("level {}: the table gives no register-file area", l.name));
  }
}

}  // namespace

bool CostTables::resolved_for(const ArchSpec& arch) const {
  return file == arch.file && table_name == arch.technology.table && fallback_name == arch.technology.fallback &&
         node_nm == arch.technology.node_nm;
}

CostTables resolve_cost_tables(const ArchSpec& arch) {
  CostTables t;
  t.file = arch.file;
  t.table_name = arch.technology.table;
  t.fallback_name = arch.technology.fallback;
  t.node_nm = arch.technology.node_nm;
  try {
    t.table = resolve_technology_shared(arch.technology.table, arch.technology.node_nm, arch.file);
  } catch (const Error& e) {
    t.notes.push_back(fmt::format("no energy or area: {}", e.what()));
    return t;
  }
  t.technology = fmt::format("{} at {} nm", arch.technology.table, t.table->node_nm());
  const std::string& fb = arch.technology.fallback;
  if (!fb.empty()) {
    try {
      t.fallback = resolve_technology_shared(fb, arch.technology.node_nm, arch.file);
      t.technology += fmt::format(", {} for the rest", fb);
    } catch (const Error& e) {
      t.notes.push_back(fmt::format("no fallback costs: {}", e.what()));
    }
  }
  return t;
}

DesignCost design_cost(const ArchSpec& arch, const DesignActivity& activity) {
  return design_cost(arch, resolve_cost_tables(arch), activity);
}

DesignCost design_cost(const ArchSpec& arch, const CostTables& tables, const DesignActivity& activity) {
  DesignCost r;
  r.arrays.resize(arch.arrays.size());
  r.levels.resize(arch.storage.size());
  r.einsum_energy_pj.resize(activity.einsums.size());
  const ActionCounts none;
  auto array_actions = [&](size_t a) -> const ActionCounts& {
    return a < activity.arrays.size() ? activity.arrays[a] : none;
  };
  const DesignActivity::Level no_level;
  auto level_use = [&](size_t l) -> const DesignActivity::Level& {
    return l < activity.levels.size() ? activity.levels[l] : no_level;
  };

  r.notes = tables.notes;
  if (!tables.table) return r;
  const CostTable* table = tables.table.get();
  const CostTable* fallback = tables.fallback.get();
  r.technology = tables.technology;
  const std::string& fb = arch.technology.fallback;
  bool complete = true, mac_fallback = false, taylor_lanes = false;
  double energy = 0, area = 0;
  for (size_t a = 0; a < arch.arrays.size(); ++a) {
    const ComputeArray& array = arch.arrays[a];
    ComponentCost& ac = r.arrays[a];
    const PeKind& kind = array.pe;
    const ActionCounts& actions = array_actions(a);
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
      r.notes.push_back(fmt::format("array {}: {}", array.name, why));
      continue;
    }
    if (!cost) r.notes.push_back(fmt::format("array {}: {} from {} ({})", array.name, kind.name, fb, why));
    double e = 0;
    std::array<double, kPeActionCount> per{};  // energy of one action on this array (0: not costed)
    for (size_t i = 0; i < kPeActionCount; ++i) {
      const PeAction act = static_cast<PeAction>(i);
      const uint64_t n = actions[act];
      if (n == 0) continue;
      // How this family prices the action (arch/pe/pe_traits.hpp, the table the timing reads too).
      const ActionEnergy rule = pe_action_energy(kind, act, array.dedicated_exp);
      const double units = static_cast<double>(rule.energy_units);
      if (rule.rule == EnergyRule::lane_mul_add) {
        // A vector lane without a dedicated exp unit (exp_unit: taylor) runs the Taylor series the
        // timing charges on its multiplier and adder (the FuseMax artifact's "mac 6" for exp on its
        // 1D array).
        auto mul_add = [](const std::optional<PeCost>& pc) {
          return pc && pc->energy_pj.count(PeAction::mul) && pc->energy_pj.count(PeAction::add) ? &*pc : nullptr;
        };
        const PeCost* lane = mul_add(cost) ? mul_add(cost) : mul_add(fb_cost);
        if (lane) {
          per[i] = units * (lane->energy_pj.at(PeAction::mul) + lane->energy_pj.at(PeAction::add));
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
      if (rule.rule == EnergyRule::mac_equivalents && mac_cost->energy_pj.count(PeAction::mac)) {
        // A MAC array runs the other element-wise operators on its MAC units: one MAC each,
        // and exp as the Taylor series (the FuseMax artifact's costs).
        per[i] = units * mac_cost->energy_pj.at(PeAction::mac);
        e += static_cast<double>(n) * per[i];
        mac_fallback = true;
        continue;
      }
      if (fb_cost && fb_cost->energy_pj.count(act)) {
        per[i] = fb_cost->energy_pj.at(act);
        e += static_cast<double>(n) * per[i];
        if (cost)
          r.notes.push_back(fmt::format("array {}: '{}' on {} from {}", array.name, action_name(act), kind.name, fb));
        continue;
      }
      r.notes.push_back(fmt::format("array {}: the table has no energy for '{}' on {}; counted as 0", array.name,
                                    action_name(act), kind.name));
      complete = false;
    }
    ac.energy_pj = e;
    ac.action_energy_pj = per;
    energy += e;
    for (size_t k = 0; k < activity.einsums.size(); ++k) {
      const DesignActivity::Einsum& ea = activity.einsums[k];
      if (ea.array != a) continue;
      double ee = 0;
      for (size_t i = 0; i < kPeActionCount; ++i) ee += static_cast<double>(ea.actions[static_cast<PeAction>(i)]) * per[i];
      r.einsum_energy_pj[k] = ee;
    }
    std::optional<double> pe_area = cost ? cost->area_um2 : std::nullopt;
    if (!pe_area && fb_cost && fb_cost->area_um2) {
      pe_area = fb_cost->area_um2;
      if (cost) r.notes.push_back(fmt::format("array {}: area of {} from {}", array.name, kind.name, fb));
    }
    if (pe_area) {
      ac.area_um2 = *pe_area * static_cast<double>(array.num_pes());
      area += *ac.area_um2;
    } else {
      complete = false;
      r.notes.push_back(fmt::format("array {}: the table gives no area for {}", array.name, kind.name));
    }
  }
  for (size_t l = 0; l < arch.storage.size(); ++l) {
    const StorageLevel& lvl = arch.storage[l];
    const DesignActivity::Level& use = level_use(l);
    ComponentCost& lc = r.levels[l];
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
        lc.energy_pj = per_bit * 8.0 * static_cast<double>(use.read_bytes + use.write_bytes);
        lc.read_energy_pj = per_bit * 8.0 * static_cast<double>(use.read_bytes);
        energy += *lc.energy_pj;
        continue;
      }
      if (lvl.kind == StorageKind::regfile) {
        const int64_t instances = lvl.per_pe ? arch.instances(lvl) : 0;
        try {
          add_regfile_cost(*table, lvl, use.regfile, instances, lc, energy, area, complete, r.notes);
        } catch (const Error& e) {
          if (!fallback) throw;
          add_regfile_cost(*fallback, lvl, use.regfile, instances, lc, energy, area, complete, r.notes);
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
      lc.energy_pj = lvl.energy_per_bit_pj
                         ? *lvl.energy_per_bit_pj * 8.0 * static_cast<double>(use.read_bytes + use.write_bytes)
                         : sc.read_pj * static_cast<double>(use.read_bytes) / access_bytes +
                               sc.write_pj * static_cast<double>(use.write_bytes) / access_bytes;
      lc.read_energy_pj = lvl.energy_per_bit_pj ? *lvl.energy_per_bit_pj * 8.0 * static_cast<double>(use.read_bytes)
                                                : sc.read_pj * static_cast<double>(use.read_bytes) / access_bytes;
      energy += *lc.energy_pj;
      if (sc.area_um2) {
        lc.area_um2 = *sc.area_um2;
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
  r.complete = complete;
  if (!complete) r.notes.push_back("energy and area leave out the components listed above");
  return r;
}

DesignCost design_area(const ArchSpec& arch) { return design_cost(arch, DesignActivity{}); }

}  // namespace einsim
