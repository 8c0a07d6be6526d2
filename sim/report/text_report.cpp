#include "sim/report/text_report.hpp"

#include <cmath>

#include <fmt/format.h>

#include "arch/spec/arch_spec.hpp"
#include "sim/report/report_json.hpp"

namespace einsim::report {

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
  int i = 4;
  while (v != 0 && std::fabs(v) < 1.0 && i > 0) {
    v *= 1000.0;
    --i;
  }
  while (std::fabs(v) >= 1000.0 && i < 9) {
    v /= 1000.0;
    ++i;
  }
  return fmt::format("{:.3g} {}{}", v, prefixes[i], unit);
}

void print_report(std::ostream& out, const SimulationReport& r, const std::vector<std::string>& mapping_lines,
                  bool per_einsum) {
  out << fmt::format("workload      {}\narchitecture  {}\nmapping       {}\n", r.workload, r.architecture, r.mapping);
  for (const auto& l : mapping_lines) out << "  " << l << "\n";
  out << fmt::format("\ncycles        {}  ({})\n", r.cycles, si(r.seconds, "s"));
  const char* partial = r.costs_complete ? "" : ", partial: see notes";
  if (r.energy_pj) {
    out << fmt::format("energy        {}  ({}{})\n", si(*r.energy_pj * 1e-12, "J"), r.technology, partial);
  }
  if (r.area_um2)
    out << fmt::format("area          {:.4g} mm^2{}\n", *r.area_um2 / 1e6, r.costs_complete ? "" : "  (partial)");
  out << fmt::format("DRAM          {} read, {} written\n", format_bytes(static_cast<double>(r.dram_read_bytes)),
                     format_bytes(static_cast<double>(r.dram_write_bytes)));
  out << fmt::format("\n{:<10} {:>8} {:>12} {:>14} {:>14} {:>14} {:>12}\n", "array", "PEs", "utilization", "busy",
                     "stall", "idle", "energy");
  for (const auto& a : r.arrays) {
    out << fmt::format("{:<10} {:>8} {:>11.1f}% {:>14} {:>14} {:>14} {:>12}\n", a.name, a.pes, 100.0 * a.utilization,
                       a.busy_cycles, a.stall_cycles, a.idle_cycles, a.energy_pj ? si(*a.energy_pj * 1e-12, "J") : "-");
  }
  out << fmt::format("\n{:<10} {:>12} {:>12} {:>14} {:>12}\n", "level", "reads", "writes", "peak occupancy", "energy");
  for (const auto& l : r.levels) {
    out << fmt::format("{:<10} {:>12} {:>12} {:>14} {:>12}\n", l.name, format_bytes(static_cast<double>(l.read_bytes)),
                       format_bytes(static_cast<double>(l.write_bytes)),
                       l.kind == "dram"      ? "-"
                       : l.kind == "regfile" ? format_bytes(static_cast<double>(l.peak_occupancy_bytes)) + "/PE"
                                             : format_bytes(static_cast<double>(l.peak_occupancy_bytes)),
                       l.energy_pj ? si(*l.energy_pj * 1e-12, "J") : "-");
  }
  if (per_einsum) {
    out << fmt::format("\n{:<10} {:<16} {:<8} {:>14} {:>8} {:>12} {:>12}\n", "einsum", "group", "array", "busy",
                       "of array", "tiles", "energy");
    for (const auto& e : r.einsums) {
      uint64_t array_busy = 0;
      for (const auto& a : r.arrays)
        if (a.name == e.array) array_busy = a.busy_cycles;
      out << fmt::format("{:<10} {:<16} {:<8} {:>14} {:>7.1f}% {:>12} {:>12}\n", e.name, e.group, e.array,
                         e.busy_cycles, array_busy ? 100.0 * e.busy_cycles / array_busy : 0.0, e.tiles,
                         e.energy_pj ? si(*e.energy_pj * 1e-12, "J") : "-");
    }
  }
  out << "\n" << kUtilizationDefinition << "\n";
  if (!r.notes.empty()) {
    out << "\nnotes\n";
    for (const auto& n : r.notes) out << "  - " << n << "\n";
  }
}

}  // namespace einsim::report
