#include "sim/report/scalesim_report.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/report/output.hpp"

namespace einsim::report {
namespace {

// a / b correctly rounded, as Python's int / int: exact when both fit a double's 53 bits.
double ratio(unsigned __int128 a, unsigned __int128 b) {
  if (b == 0) return 0.0;
  constexpr unsigned __int128 exact = static_cast<unsigned __int128>(1) << 53;
  if (a <= exact && b <= exact) return static_cast<double>(static_cast<uint64_t>(a)) /
                                       static_cast<double>(static_cast<uint64_t>(b));
  return static_cast<double>(static_cast<long double>(a) / static_cast<long double>(b));
}

using u128 = unsigned __int128;

std::string line(size_t id, const std::vector<std::string>& fields) {
  return fmt::format("{}, {},\n", id, fmt::join(fields, ", "));
}

}  // namespace

std::string python_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";  // not 1e+16, inf or nan
  return s;
}

ScaleSimReports scalesim_reports(const SimulationReport& r) {
  ScaleSimReports out;
  out.compute = "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
  out.bandwidth = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW,\n";
  for (const GroupReport& g : r.groups) {
    if (!g.systolic) {
      out.skipped_groups.push_back(g.name);
      continue;
    }
    const SystolicTiming& t = *g.systolic;
    const u128 batch = g.batch;
    const u128 busy = batch * static_cast<u128>(t.total_cycles);
    if (g.cycles == 0) throw InternalError(fmt::format("group '{}': a systolic group of 0 cycles", g.name));
    const uint64_t total = g.cycles - 1;  // SCALE-Sim's 0-based index of the last cycle
    const uint64_t stall = g.cycles > busy ? g.cycles - static_cast<uint64_t>(busy) : 0;
    const u128 pes = static_cast<u128>(t.rows) * static_cast<u128>(t.cols);
    const u128 macs = batch * static_cast<u128>(t.macs);
    out.compute += line(out.layers, {std::to_string(total), std::to_string(stall),
                                     python_float(ratio(macs * 100, total * pes)),
                                     python_float(t.mapping_efficiency * 100), python_float(t.compute_utilization * 100)});
    out.bandwidth += line(out.layers, {python_float(ratio(batch * static_cast<u128>(t.ifmap_reads), total)),
                                       python_float(ratio(batch * static_cast<u128>(t.filter_reads), total)),
                                       python_float(ratio(batch * static_cast<u128>(t.scalesim_ofmap_writes), total))});
    ++out.layers;
  }
  if (out.layers == 0) {
    throw Error("--scalesim-report: no group of the mapping runs on a systolic array (SCALE-Sim's reports describe "
                "systolic layers only)");
  }
  return out;
}

std::vector<std::string> write_scalesim_reports(const std::string& dir, const SimulationReport& report) {
  const ScaleSimReports files = scalesim_reports(report);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot create the directory: {}", dir, ec.message()));
  const std::filesystem::path d(dir);
  write_output((d / "COMPUTE_REPORT.csv").string(), files.compute);
  write_output((d / "BANDWIDTH_REPORT.csv").string(), files.bandwidth);
  std::vector<std::string> notes;
  notes.push_back(fmt::format("SCALE-Sim reports (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv) written to {}: {} layer{}; "
                              "Total Cycles = einsim's cycles - 1, SCALE-Sim's count (docs/importing.md)",
                              dir, files.layers, files.layers == 1 ? "" : "s"));
  if (!files.skipped_groups.empty()) {
    notes.push_back(fmt::format("--scalesim-report: {} group{} not on a systolic array left out ({})",
                                files.skipped_groups.size(), files.skipped_groups.size() == 1 ? "" : "s",
                                fmt::join(files.skipped_groups, ", ")));
  }
  return notes;
}

}  // namespace einsim::report
