#pragma once
// A mapping's buffer capacity check, made before any timing: every fidelity (and
// the mapper, through evaluate()) refuses a group whose tiles cannot fit its
// buffer in milliseconds, whatever the size of the workload.
//
// The need of a buffer is the Analytical fidelity's peak occupancy over the
// first steps of the group's lowered program: the steps in which every operation
// that takes buffer space has run once, then once more (the other slot of a double
// buffer), with periods capped at 2^14 steps so the cost does not grow with the
// workload (an operation repeating less often is covered by its first instance). Cutting a program after some steps leaves the
// schedule of those steps unchanged and only drops later allocations, so this
// need never exceeds the peak a full run finds: a mapping refused here is refused
// by a full run too. It does not depend on the capacity, so the check is monotone:
// a larger buffer never fails where a smaller one passes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mappings/mapping.hpp"
#include "sim/lower/fold.hpp"
#include "sim/lower/lowering.hpp"
#include "sim/lower/timing_result.hpp"

namespace einsim {

// Number of leading steps of `program` the capacity check evaluates.
uint64_t capacity_check_steps(const TileProgram& program);

// Peak occupancy of each buffer of `program` over its first capacity_check_steps() steps.
std::vector<BufferStats> buffer_needs(const TileProgram& program);

// Throws SpecError (located at the mapping group when it comes from a file, else Error)
// when a buffer's need exceeds its capacity; names the level, the need and the capacity.
void check_buffer_fits(const std::vector<BufferStats>& needs, const std::string& group,
                       const SourceLocation& location);

// buffer_needs() and check_buffer_fits() for every lowered group of a mapping. With
// `skip_whole`, a group whose check would evaluate its whole program is left to the
// caller (the Analytical fidelity checks the same peak as it runs, at no extra cost).
// With `firsts` (the Analytical fidelity), a group whose long inner loop folds
// (sim/lower/fold.hpp) first runs the first of the folded evaluations whole, when it is
// the program the check samples: if that fits, its first steps fit too and the check is
// done; either way it is kept in (*firsts)[group] for the timing to reuse
// (AnalyticalOptions::folded_first). The result is the check without `firsts`, in less time.
void check_mapping_capacity(const std::vector<LoweredGroup>& groups, const Mapping& mapping, bool skip_whole,
                            std::vector<std::optional<FoldedFirst>>* firsts = nullptr);

// Lowers the mapping and checks every group: for a timer that runs before evaluate()
// (the Detailed fidelity's PE array).
void check_mapping_capacity(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping);

}  // namespace einsim
