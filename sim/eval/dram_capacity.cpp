#include "sim/eval/dram_capacity.hpp"

#include <fmt/format.h>

#include <set>
#include <string>

#include "sim/core/error.hpp"

namespace einsim {

uint64_t dram_footprint_bytes(const EinsumCascade& cascade, const std::vector<LoweredGroup>& groups) {
  std::set<int> tensors;
  for (const LoweredGroup& g : groups) {
    for (const auto& [t, bytes] : g.tensor_dram_reads)
      if (bytes > 0) tensors.insert(t);
    for (const auto& [t, bytes] : g.tensor_dram_writes)
      if (bytes > 0) tensors.insert(t);
  }
  uint64_t sum = 0;
  for (int t : tensors) sum += static_cast<uint64_t>(cascade.tensors.at(static_cast<size_t>(t)).bytes());
  return sum;
}

void check_dram_capacity(const EinsumCascade& cascade, const ArchSpec& arch, const std::vector<LoweredGroup>& groups) {
  const StorageLevel& dram = arch.dram();
  if (!dram.capacity_bytes) return;
  const uint64_t need = dram_footprint_bytes(cascade, groups);
  const uint64_t cap = static_cast<uint64_t>(*dram.capacity_bytes);
  if (need <= cap) return;
  const std::string msg = fmt::format(
      "DRAM '{}' holds {} ({} bytes), but workload '{}' keeps {} ({} bytes) in it: the whole of every tensor the "
      "run reads from or writes to the DRAM (inputs, outputs and spilled intermediates); give a capacity of at "
      "least that, or omit capacity: for an unbounded DRAM",
      dram.name, format_bytes(static_cast<double>(cap)), cap, cascade.name, format_bytes(static_cast<double>(need)),
      need);
  if (dram.capacity_location.file.empty()) throw Error(msg);
  throw SpecError(dram.capacity_location, msg);
}

}  // namespace einsim
