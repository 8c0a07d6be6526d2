#pragma once
// Small helpers the mapping's files share (not part of the mappings/ interface).

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arch/spec/arch_spec.hpp"
#include "sim/core/error.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::mapping_detail {

inline bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Ranks an access reads (all index terms, both halves of a partitioned dimension).
inline std::vector<int> access_ranks(const Access& a) {
  std::vector<int> out;
  auto add = [&](const IndexExpr& ix) {
    for (const auto& t : ix.terms)
      if (!contains(out, t.rank)) out.push_back(t.rank);
  };
  for (const auto& d : a.dims) {
    add(d.index);
    if (d.inner) add(*d.inner);
  }
  return out;
}

inline int64_t product_of(const EinsumCascade& c, const std::vector<int>& ranks) {
  int64_t p = 1;
  for (int r : ranks) p = checked_mul(p, c.ranks[r].size, "GEMM size");
  return p;
}

// The first array of the given dimensionality, or nullptr.
inline const ComputeArray* first_array(const ArchSpec& arch, int dims) {
  for (const auto& a : arch.arrays)
    if (a.dimensions == dims) return &a;
  return nullptr;
}

// The on-chip level fused groups keep their tiles in: the first SRAM.
inline std::string default_buffer(const ArchSpec& arch) {
  for (const auto& l : arch.storage)
    if (l.kind == StorageKind::sram && !l.per_pe) return l.name;
  throw Error(fmt::format("architecture '{}' has no on-chip SRAM level to hold tiles", arch.name));
}

// Slots per tile a fused group takes in `buffer` unless told otherwise: 2 (double buffering) in a
// double-buffered level, 1 in one that is not (`double_buffered: false`).
inline int64_t default_slots(const ArchSpec& arch, const std::string& buffer) {
  const StorageLevel* l = arch.find_level(buffer);
  return l && !l->double_buffered ? 1 : 2;
}

}  // namespace einsim::mapping_detail
