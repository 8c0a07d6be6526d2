#include "arch/pe/pe_arith.hpp"

#include "sim/core/error.hpp"

namespace einsim {

PeArith make_pe_arith(const PeKind& kind) {
  switch (kind.family) {
    case PeFamily::mac:
      return MacPe(kind);
    case PeFamily::mixpe:
      return MixPe(kind);
    case PeFamily::lmul:
      return LMulPe(kind);
    case PeFamily::vector:
      return VectorPe(kind);
  }
  throw Error("make_pe_arith: unknown PE family of '" + kind.name + "'");
}

const ActionCounts& pe_counts(const PeArith& pe) {
  return std::visit([](const auto& p) -> const ActionCounts& { return p.counts(); }, pe);
}

}  // namespace einsim
