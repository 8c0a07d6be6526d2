#pragma once
// Helpers shared by the lowering of fused groups (lower_fused.cpp) and of systolic
// groups (lower_systolic.cpp): checked sizes, DRAM transfer cycles, a new group's units.
// Internal to sim/lower/.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/core/checked.hpp"
#include "sim/core/error.hpp"
#include "sim/lower/lowering.hpp"

namespace einsim::lower_detail {

inline constexpr uint64_t kMaxSteps = uint64_t{1} << 62;

inline bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

inline uint64_t mul_checked(uint64_t a, uint64_t b, const char* what) {
  if (a != 0 && b > UINT64_MAX / 4 / a) throw Error(fmt::format("{} overflows 64 bits", what));
  return a * b;
}

// Cycles to move `bytes` at `rate` bytes per cycle; an error naming the level when the count
// does not fit in 63 bits (e.g. 1 B/s at a 100 GHz clock on gigabytes of traffic).
inline uint64_t transfer_cycles(uint64_t bytes, double rate, const StorageLevel& level) {
  const double cycles = std::ceil(static_cast<double>(bytes) / rate);
  // In range (checked_to_int64's own test): no need to format the message of its error.
  if (std::isfinite(cycles) && cycles < 9.2e18 && cycles > -9.2e18) {
    return static_cast<uint64_t>(static_cast<int64_t>(cycles));
  }
  try {
    return static_cast<uint64_t>(checked_to_int64(
        cycles, fmt::format("the cycles to move {} B through storage level '{}' at {:g} B per cycle (its bandwidth "
                            "over the clock)",
                            bytes, level.name, rate)));
  } catch (const Error& e) {
    throw SpecError(level.location, std::string(e.what()) + "; raise its bandwidth or lower the clock");
  }
}

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

inline int64_t bits_of(const EinsumCascade& c, int tensor) { return format_bits(c.tensors[tensor].format); }

inline uint64_t bytes_of(uint64_t elements, int64_t bits) { return (elements * static_cast<uint64_t>(bits) + 7) / 8; }

// The DRAM side shared by both kinds of group.
struct Dram {
  double bytes_per_cycle = 0;  // 0: unlimited
  uint64_t latency = 0;
  const StorageLevel* level = nullptr;  // for errors: the level whose rate makes a transfer too long
  uint64_t cycles(uint64_t bytes) const {
    if (bytes_per_cycle <= 0 || bytes == 0) return 0;
    return transfer_cycles(bytes, bytes_per_cycle, *level);
  }
};

inline Dram dram_of(const ArchSpec& arch) {
  Dram d;
  d.level = &arch.dram();
  d.bytes_per_cycle = arch.dram().bytes_per_cycle(arch.clock_hz);
  d.latency = static_cast<uint64_t>(std::max<int64_t>(0, arch.dram().latency_cycles));
  return d;
}

inline LoweredGroup new_group(const MappingGroup& g, const ArchSpec& arch) {
  LoweredGroup out;
  out.name = g.name;
  out.kind = g.kind;
  out.program.units = {{"DRAM.read", UnitKind::dram}, {"DRAM.write", UnitKind::dram}};
  if (arch.dram().duplex == DramDuplex::half) {
    // Half duplex: reads and writes queue apart but share one channel of the stated bandwidth.
    out.program.units[kDramReadUnit].channel = 0;
    out.program.units[kDramWriteUnit].channel = 0;
  }
  out.unit_array = {-1, -1};
  for (size_t a = 0; a < arch.arrays.size(); ++a) {
    out.program.units.push_back({arch.arrays[a].name, UnitKind::array});
    out.unit_array.push_back(static_cast<int>(a));
  }
  out.actions.resize(arch.arrays.size());
  out.useful_pe_cycles.assign(arch.arrays.size(), 0);
  return out;
}

inline int array_index(const ArchSpec& arch, const std::string& name) {
  for (size_t a = 0; a < arch.arrays.size(); ++a)
    if (arch.arrays[a].name == name) return static_cast<int>(a);
  throw Error(fmt::format("unknown array '{}'", name));
}

inline uint32_t add_op(TileProgram& p, TileOp op) {
  p.body.push_back(std::move(op));
  return static_cast<uint32_t>(p.body.size() - 1);
}

// A fused group's tile program (loops over tiles, Einsums on their arrays, DRAM loads and writes).
LoweredGroup lower_fused(const EinsumCascade& c, const CascadeGraph& graph, const ArchSpec& arch,
                         const MappingGroup& g, const std::vector<int>& group_of, int group_index);
// A systolic group's tile program (SCALE-Sim's folds of one GEMM, with exact DRAM bytes per fold).
LoweredGroup lower_systolic(const EinsumCascade& c, const ArchSpec& arch, const MappingGroup& g);

}  // namespace einsim::lower_detail
