#pragma once
// One arithmetic object per PE kind: the factory every fidelity uses to turn a kind name from an
// architecture file into the PE that computes its numbers and counts its actions.

#include <variant>

#include "arch/pe/lmul_pe.hpp"
#include "arch/pe/mac_pe.hpp"
#include "arch/pe/mix_pe.hpp"
#include "arch/pe/pe_kind.hpp"
#include "arch/pe/vector_pe.hpp"

namespace einsim {

using PeArith = std::variant<MacPe, MixPe, LMulPe, VectorPe>;

// The arithmetic of `kind` (vector kinds get a dedicated exp unit; construct VectorPe directly
// for the Taylor-on-MAC exp). Throws einsim::Error for a kind the arithmetic does not support.
PeArith make_pe_arith(const PeKind& kind);
// The action counts of whichever PE `pe` holds.
const ActionCounts& pe_counts(const PeArith& pe);

}  // namespace einsim
