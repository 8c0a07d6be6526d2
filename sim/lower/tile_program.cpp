#include "sim/lower/tile_program.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim {

void TileProgram::validate() const {
  if (steps == 0) throw InternalError("TileProgram: zero steps");
  for (size_t i = 0; i < body.size(); ++i) {
    const TileOp& op = body[i];
    auto bad = [&](const std::string& what) {
      throw InternalError(fmt::format("TileProgram op {} '{}': {}", i, op.name, what));
    };
    if (op.unit >= units.size()) bad("unknown unit");
    if (op.every == 0 || op.phase >= op.every) bad("phase must be below every");
    for (const TileDep& d : op.deps) {
      if (d.op >= body.size()) bad("dependency on an unknown op");
      if (d.distance == 0 && d.op >= i) bad("a same-step dependency must point to an earlier op");
    }
    for (const auto& u : op.allocs)
      if (u.buffer >= buffers.size()) bad("allocation in an unknown buffer");
    for (const auto& u : op.releases)
      if (u.buffer >= buffers.size()) bad("release in an unknown buffer");
  }
}

uint64_t TileProgram::instances(const TileOp& op) const {
  const uint64_t end = std::min(steps - 1, op.last_step);  // last step it may run on
  if (end < op.phase) return 0;
  return (end - op.phase) / op.every + 1;
}

std::string cycles_overflow_message(const TileProgram& program, uint32_t op) {
  const TileOp& o = program.body.at(op);
  return fmt::format(
      "the simulated time exceeds 2^63 cycles at '{}' on {} ({} cycles each, {} times): the inputs are out of "
      "scale for a cycle count (a very low bandwidth at a high clock, or very large ranks); raise the bandwidth, "
      "lower the clock or shrink the workload",
      o.name, program.units.at(o.unit).name, o.cycles, program.instances(o));
}

}  // namespace einsim
