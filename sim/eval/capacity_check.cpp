#include "sim/eval/capacity_check.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "arch/spec/arch_spec.hpp"
#include "sim/analytical/analytical_engine.hpp"
#include "sim/core/error.hpp"
#include "sim/lower/fold.hpp"
#include "workloads/cascade_graph.hpp"

namespace einsim {

namespace {

// Steps of a period evaluated at most: an operation that takes buffer space less often
// than this is covered by its first instance (a load once per head runs on step `phase`).
constexpr uint64_t kPeriodSteps = uint64_t{1} << 14;

}  // namespace

uint64_t capacity_check_steps(const TileProgram& program) {
  uint64_t last_phase = 0;
  uint64_t period = 1;
  for (const TileOp& op : program.body) {
    if (op.allocs.empty()) continue;
    last_phase = std::max<uint64_t>(last_phase, op.phase);
    period = std::max<uint64_t>(period, std::min<uint64_t>(op.every, kPeriodSteps));
  }
  // Every allocating operation's first instance, then a whole (capped) period more, so
  // the next instance of each (the other slot of a double buffer) overlaps the first.
  return std::min(program.steps, last_phase + 1 + period);
}

std::vector<BufferStats> buffer_needs(const TileProgram& program) {
  // A long inner loop takes the same space on each of its steady iterations: check it folded.
  std::optional<TileProgram> folded = folded_sample(program);
  TileProgram prefix = folded ? std::move(*folded) : program;
  prefix.steps = capacity_check_steps(prefix);
  return evaluate_tile_program(prefix, {true}).buffers;
}

void check_buffer_fits(const std::vector<BufferStats>& needs, const std::string& group,
                       const SourceLocation& location) {
  for (const BufferStats& b : needs) {
    if (b.capacity_bytes == 0 || b.peak_bytes <= b.capacity_bytes) continue;
    const std::string message = fmt::format(
        "buffer {} is too small for mapping group '{}': its tiles need {} ({} bytes) at peak, the level holds {} "
        "({} bytes) (use smaller tiles, fewer slots, or a larger buffer)",
        b.name, group, format_bytes(static_cast<double>(b.peak_bytes)), b.peak_bytes,
        format_bytes(static_cast<double>(b.capacity_bytes)), b.capacity_bytes);
    if (!location.file.empty()) throw SpecError(location, message);
    throw Error(message);
  }
}

void check_mapping_capacity(const std::vector<LoweredGroup>& groups, const Mapping& mapping, bool skip_whole,
                            std::vector<std::optional<FoldedFirst>>* firsts) {
  if (firsts) firsts->assign(groups.size(), std::nullopt);
  for (size_t i = 0; i < groups.size(); ++i) {
    const TileProgram& p = groups[i].program;
    const bool bounded = std::any_of(p.buffers.begin(), p.buffers.end(),
                                     [](const TileBuffer& b) { return b.capacity_bytes > 0; });
    if (!bounded) continue;
    const SourceLocation where = i < mapping.groups.size() ? mapping.groups[i].location : SourceLocation{};
    if (firsts) {
      // The first folded evaluation, whole. When it is the program the check samples (folded
      // to min_inner iterations) and it fits, the sample (its first steps) fits too: nothing
      // more to check. Otherwise the sample decides, as below: when the folds do not line up,
      // the full program may need less than a folded one.
      FoldedFirst first;
      if (first_folded(p, first) && first.inner() == first.level.min_inner) {
        first.result = evaluate_tile_program(first.program, {true});
        const bool fits = std::all_of(first.result.buffers.begin(), first.result.buffers.end(), [](const BufferStats& b) {
          return b.capacity_bytes == 0 || b.peak_bytes <= b.capacity_bytes;
        });
        (*firsts)[i] = std::move(first);
        if (fits) continue;
      }
    }
    if (skip_whole && capacity_check_steps(p) == p.steps) continue;
    check_buffer_fits(buffer_needs(p), groups[i].name, where);
  }
}

void check_mapping_capacity(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping) {
  const CascadeGraph graph(cascade);
  check_mapping_capacity(lower_mapping(cascade, graph, arch, mapping), mapping, false);
}

}  // namespace einsim
