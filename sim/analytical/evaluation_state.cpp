#include "sim/analytical/evaluation_state.hpp"

#include <utility>

namespace einsim::analytical {
namespace {

std::vector<Workspace>& workspace_pool() {
  thread_local std::vector<Workspace> pool;
  return pool;
}

}  // namespace

void Workspace::clear() {
  ops.clear(), deps.clear(), uses.clear(), active_count.clear();
  for (auto& v : unit_ops) v.clear();  // the inner vectors keep their memory too
  for (auto& v : head_comp) v.clear();
  comp.clear(), recorded.clear(), step_start.clear();
  first_start.clear(), free.clear(), ustep.clear(), last_comp.clear(), uk.clear();
  since.clear(), dep_shift.clear(), next_phase.clear(), uphase.clear();
  run_begin.clear(), run_ops.clear(), pos.clear();
  has_req.clear(), req_time.clear(), unit_channel.clear(), channels.clear();
  ids.clear(), per_step.clear(), active.clear();
}

size_t Workspace::bytes() const {
  size_t b = comp.capacity() * 8 + recorded.capacity() * 8 + step_start.capacity() * 8 + since.capacity() * 4 +
             next_phase.capacity() * 8 + run_ops.capacity() * 4 + ops.capacity() * sizeof(OpInfo);
  for (const auto& v : head_comp) b += v.capacity() * 8;
  return b;
}

Workspace take_workspace() {
  auto& pool = workspace_pool();
  if (pool.empty()) return Workspace{};
  Workspace w = std::move(pool.back());
  pool.pop_back();
  w.clear();
  return w;
}

void give_back(Workspace&& w) {
  constexpr size_t kKeepBytes = size_t{16} << 20;
  auto& pool = workspace_pool();
  if (w.bytes() <= kKeepBytes && pool.size() < 4) pool.push_back(std::move(w));
}

}  // namespace einsim::analytical
