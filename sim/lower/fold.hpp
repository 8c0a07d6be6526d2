#pragma once
// Nested steady states: folding a long inner loop.
//
// A body whose operations repeat at nested rates (every step, and once per
// iteration of an outer loop: FuseMax's attention runs its Einsums on every key
// tile and writes a query tile's result once per keys/256 steps) has a period as
// long as the outer iteration. The engines find the steady state only over whole
// periods, so their time and memory grow with the inner loop's length, and past
// their period cap they give up extrapolating.
//
// Folding evaluates the same program with the inner loop cut to m iterations per
// outer iteration, for four values m0, m0+q, m0+2q, m0+3q (the operations near the
// loop's two ends kept, the middle ones dropped), with any engine. Once every outer
// iteration reaches the inner loop's steady state before the cut, each extra q
// inner iterations add the same cycles: the results are affine in m. When the four
// evaluations confirm it (equal differences of the total and of every unit's last
// end, equal first starts and buffer peaks), the full program's times are
// extrapolated to the real iteration count; counts (operations, busy cycles, DRAM
// bytes) are those of the full program. Otherwise, or when the program has no
// such loop, nothing is folded and the engine runs the program as it is.
//
// The rule lives here, outside the engines, so the Analytical and Cycle fidelities
// fold identically and keep agreeing. docs/fidelities.md describes it.

#include <cstdint>
#include <functional>
#include <optional>

#include "sim/lower/tile_program.hpp"
#include "sim/lower/timing_result.hpp"

namespace einsim {

struct FoldOptions {
  uint64_t min_period = 64;  // fold only bodies whose period is at least this many steps
  uint64_t min_ratio = 32;    // and whose inner loop has at least this many iterations
  uint64_t keep = 3;          // inner iterations kept at each end of the loop
  uint64_t min_inner = 6;     // inner iterations of the shortest evaluation, at least 2 x keep
  uint64_t stride = 2;        // inner iterations between evaluations (inner steady states of 1, 2)
  // When the program cannot be folded with the settings above, or their four evaluations do
  // not lie on one line (a longer start-up, an inner steady state of 4 iterations), these are
  // tried (0: nothing more is tried).
  uint64_t retry_keep = 4, retry_min_inner = 8, retry_stride = 4;
};

// `options` with its retry settings as the settings, and no retry after them; nullopt when it has none.
std::optional<FoldOptions> fold_retry(const FoldOptions& options);

// The loop a program would be folded over: `big` steps per outer iteration, each
// `ratio` inner iterations of `small` steps.
struct FoldLevel {
  uint64_t small = 0;
  uint64_t big = 0;
  uint64_t ratio = 0;
  uint64_t keep = 16, min_inner = 48, stride = 12;  // from FoldOptions
};

// The loop to fold, if the program has one (nested periods, long enough, and every
// step index it uses within `keep` inner iterations of a loop end), with the settings of
// `options` (not its retry).
std::optional<FoldLevel> find_fold_level(const TileProgram& program, const FoldOptions& options = {});

// The program with `inner` iterations of the folded loop per outer iteration.
TileProgram fold_program(const TileProgram& program, const FoldLevel& level, uint64_t inner);

// The program with its long inner loop folded to the fewest iterations folding evaluates
// (with the first settings it can be folded with), when it has one: its buffer peaks are
// the full program's once the inner loop reaches a steady state, so a capacity check can
// run on it in a few steps.
std::optional<TileProgram> folded_sample(const TileProgram& program, const FoldOptions& options = {});

using ProgramEvaluator = std::function<TimingResult(const TileProgram&)>;

// The first of evaluate_folded's four evaluations, made before it (the capacity check makes
// it and the Analytical timing reuses it): the loop it folds (with the settings it was found
// with), and its result.
struct FoldedFirst {
  FoldLevel level;
  TimingResult result;
  TileProgram program;  // the folded program; evaluate_folded takes it (to fold again) when it reuses the result
  // Inner iterations it is folded to: min_inner, or one more so that the full loop is whole strides away.
  uint64_t inner() const;
};

// Folds the program as evaluate_folded's first evaluation does (with the first settings that
// can fold it) into first.program, with its level, the result left empty; false when the
// program cannot be folded.
bool first_folded(const TileProgram& program, FoldedFirst& first, const FoldOptions& options = {});

// The full program's result from folded evaluations, or nullopt when the program
// cannot be folded or the folded results are not affine in the inner iterations.
// `first`, when given and made with the same settings, replaces the first evaluation (and its
// program is moved out, to be folded again).
std::optional<TimingResult> evaluate_folded(const TileProgram& program, const ProgramEvaluator& evaluate,
                                            const FoldOptions& options = {}, FoldedFirst* first = nullptr);

}  // namespace einsim
