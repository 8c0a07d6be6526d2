#include "dse/sweep_runner.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <unistd.h>

#include "dse/mpi_dispatch.hpp"
#include "dse/pareto.hpp"
#include "dse/points.hpp"
#include "dse/resolve.hpp"
#include "dse/result_store.hpp"
#include "dse/worker_pool.hpp"
#include "sim/core/progress.hpp"

namespace einsim::dse {
namespace {

// The front of the database (Pareto column updated); with `all`, every row of it too.
std::vector<Row> front_of(ResultStore& store, std::vector<Row>* all = nullptr) {
  std::vector<Row> rows = store.rows();
  const std::set<std::string> keys = pareto_keys(rows, store.objectives());
  store.set_pareto(keys);
  std::vector<Row> front;
  for (const Row& r : rows)
    if (keys.count(r.key)) front.push_back(r);
  if (all) {
    for (Row& r : rows) {
      r.pareto = keys.count(r.key) ? 1 : 0;
      r.report.clear();
    }
    *all = std::move(rows);
  }
  for (Row& r : front) r.pareto = 1;
  const std::string first = store.objectives().front();
  std::stable_sort(front.begin(), front.end(),
                   [&](const Row& a, const Row& b) { return a.metric(first).value_or(0) < b.metric(first).value_or(0); });
  return front;
}

// The row of a task the worker could not answer (it died or ran out of time).
Row lost_row(const ResolvedPoint& p, const TaskOutcome& out) {
  Row row = infeasible_row(p);
  row.status = out.status;
  row.error = out.error;
  row.wall_s = out.wall_s;
  return row;
}

// Re-evaluates the Pareto points with the Cycle fidelity and says whether it agrees with the
// fidelity that evaluated the sweep (cycles and energy).
void confirm_front(const SweepSpec& spec, const PointResolver& resolver, const std::vector<ResolvedPoint>& resolved,
                   RunSummary& summary) {
  std::map<std::string, const ResolvedPoint*> by_key;
  for (const ResolvedPoint& p : resolved) by_key.emplace(p.key, &p);
  size_t checked = 0;
  std::vector<std::string> differ;
  for (const Row& row : summary.pareto) {
    auto it = by_key.find(row.key);
    if (it == by_key.end()) continue;  // a row of another shard
    ++checked;
    try {
      const SimulationReport r = evaluate_point(resolver.documents(it->second->sets), "cycle", spec.map);
      const bool same_energy = !row.energy_pj || (r.energy_pj && *r.energy_pj == *row.energy_pj);
      if (row.cycles != static_cast<int64_t>(r.cycles) || !same_energy) {
        differ.push_back(fmt::format("point {}: {} cycles at the {} fidelity, {} at the Cycle fidelity",
                                     it->second->point.index, row.cycles.value_or(0), spec.fidelity, r.cycles));
      }
    } catch (const std::exception& e) {
      differ.push_back(fmt::format("point {}: the Cycle fidelity failed: {}", it->second->point.index, e.what()));
    }
  }
  if (differ.empty()) {
    summary.notes.push_back(fmt::format("confirm cycle: the {} Pareto points re-evaluated with the Cycle fidelity "
                                        "agree with the {} fidelity",
                                        checked, spec.fidelity));
  } else {
    for (const std::string& d : differ) summary.notes.push_back("confirm cycle: " + d);
  }
}

}  // namespace

void inject_fault(uint64_t grid_index) {
  const char* spec = std::getenv("EINSIM_SWEEP_FAULT");
  if (!spec) return;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto at = item.find('@');
    if (at == std::string::npos || std::to_string(grid_index) != item.substr(at + 1)) continue;
    if (item.substr(0, at) == "crash") std::raise(SIGSEGV);
    if (item.substr(0, at) == "hang")
      for (;;) ::pause();
  }
}

std::vector<Row> update_pareto(const std::string& db) {
  ResultStore store(db);
  return front_of(store);
}

RunSummary run_sweep(const SweepSpec& spec, const RunOptions& o) {
  RunSummary summary;
  std::unique_ptr<MpiSession> mpi;
  if (o.mpi) mpi = std::make_unique<MpiSession>();
  const bool coordinator = !mpi || mpi->rank() == 0;
  summary.coordinator = coordinator;

  std::vector<Point> points = expand_points(spec);
  if (o.shards > 1) points = shard_points(points, o.shard, o.shards);
  const PointResolver resolver(spec);
  std::vector<ResolvedPoint> resolved;
  resolved.reserve(points.size());
  for (const Point& p : points) resolved.push_back(resolver.resolve(p));
  summary.points = resolved.size();

  std::vector<std::string> axis_names;
  for (const Axis& a : spec.axes) axis_names.push_back(a.name);
  std::unique_ptr<ResultStore> store;
  std::vector<uint64_t> pending;  // indices into `resolved`
  if (coordinator) {
    store = std::make_unique<ResultStore>(o.db, axis_names, spec.objectives);
    const std::set<std::string> done = store->keys();
    std::set<std::string> seen;
    for (size_t i = 0; i < resolved.size(); ++i) {
      if (done.count(resolved[i].key)) {
        ++summary.already_done;
      } else if (seen.insert(resolved[i].key).second) {
        pending.push_back(i);
      }
    }
  }
  ProgressStyle style;
  style.label = "sweep";
  style.unit = "points";
  style.terminal = o.terminal;
  ProgressMeter progress(pending.size(), style, stderr);
  uint64_t finished = 0;
  auto record = [&](const Row& row) {
    store->insert(row);
    ++summary.evaluated;
    if (row.status == "failed") ++summary.by_status_failed;
    if (row.status == "timeout") ++summary.by_status_timeout;
    if (row.status == "infeasible") ++summary.by_status_infeasible;
    if (row.status == "failed" || row.status == "timeout") progress.add_failed();
    progress.update(++finished);
  };
  // Points that need no engine are written by the coordinator.
  std::vector<uint64_t> to_run;
  for (uint64_t i : pending) {
    if (resolved[i].infeasible.empty()) to_run.push_back(i);
    else record(infeasible_row(resolved[i]));
  }
  auto evaluate = [&](uint64_t i) {
    inject_fault(resolved[i].point.index);
    return evaluate_row(spec, resolver, resolved[i], o.write_report).to_json().dump();
  };
  PoolOptions pool{o.jobs, o.timeout_s, o.max_memory_bytes};
  if (mpi && mpi->size() > 1) {
    if (coordinator) {
      mpi_serve(to_run, [&](const std::string& text) { record(Row::from_json(Json::parse(text))); },
                [&] { progress.update(finished); });
    } else {
      run_worker_pool(
          pool, [] { return mpi_request_task(); }, evaluate,
          [&](const TaskOutcome& out) {
            mpi_send_row(out.answered ? out.text : lost_row(resolved[out.task], out).to_json().dump());
          },
          [] {});
    }
  } else {
    size_t next = 0;
    run_worker_pool(
        pool, [&]() -> std::optional<uint64_t> { return next < to_run.size() ? std::optional(to_run[next++]) : std::nullopt; },
        evaluate,
        [&](const TaskOutcome& out) {
          record(out.answered ? Row::from_json(Json::parse(out.text)) : lost_row(resolved[out.task], out));
        },
        [&] { progress.update(finished); });
  }
  if (!coordinator) return summary;
  progress.finish();
  summary.pareto = front_of(*store, o.keep_rows ? &summary.rows : nullptr);
  if (o.keep_rows) {
    // Grid order for this run's points (rows() is by key), the rest after.
    std::map<std::string, size_t> place;
    for (size_t i = 0; i < resolved.size(); ++i) place.emplace(resolved[i].key, i);
    auto rank = [&](const Row& r) {
      auto it = place.find(r.key);
      return it == place.end() ? resolved.size() : it->second;
    };
    std::stable_sort(summary.rows.begin(), summary.rows.end(),
                     [&](const Row& a, const Row& b) { return rank(a) < rank(b); });
  }
  if (spec.confirm == "cycle" && spec.fidelity == "cycle") {
    summary.notes.push_back("confirm cycle: the Pareto points were already evaluated with the Cycle fidelity");
  } else if (spec.confirm == "cycle") {
    confirm_front(spec, resolver, resolved, summary);
  }
  return summary;
}

}  // namespace einsim::dse
