#include "sim/eval/accounting.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/core/number_format.hpp"

namespace einsim {
namespace {

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

}  // namespace

// Port accesses of `elements` values of `bits` each: a port of width_bits moves one
// access per ceil(bits / width_bits); without a width, an access moves one element.
uint64_t regfile_port_accesses(const StorageLevel& l, int64_t bits, uint64_t elements) {
  const int64_t width = l.width_bits > 0 ? l.width_bits : bits;
  return elements * static_cast<uint64_t>((bits + width - 1) / width);
}


void add_regfile_levels(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                        SimulationReport& r) {
  for (const MappingGroup& mg : mapping.groups) add_regfile_counts(arch, regfile_counts(cascade, arch, mg), r);
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

}  // namespace einsim
