#include "dse/evaluate.hpp"

#include <chrono>
#include <new>

#include <fmt/format.h>

#include "arch/spec/arch_spec.hpp"
#include "dse/map_evaluator.hpp"
#include "dse/constraints.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::dse {
namespace {

// The best mapping of a search for the point, and the note that says how it was found.
Mapping searched_mapping(const EinsumCascade& cascade, const ArchSpec& arch, const MapSettings& map,
                         std::string& note) {
  SearchOptions o;
  o.objective = *parse_objective(map.objective);
  o.budget = map.budget;
  o.seed = map.seed;
  o.jobs = 1;  // points already run in parallel; one search per worker
  const SearchResult r = map_cascade(cascade, arch, o);
  if (!r.found) {
    throw Error(fmt::format("the mapper found no legal mapping of workload '{}' in {} evaluations", cascade.name,
                            r.evaluations));
  }
  note = fmt::format("mapping: the best of {} mappings searched (objective {}, budget {}, seed {}): {}", r.evaluations,
                     map.objective, map.budget, map.seed, r.best.source);
  Mapping m = r.best;
  m.name = "mapped";
  return m;
}

}  // namespace

SimulationReport evaluate_point(const PointDocuments& docs, const std::string& fidelity,
                                const std::optional<MapSettings>& map) {
  const EinsumCascade cascade = load_workload(docs.workload);
  const ArchSpec arch = load_architecture(docs.arch);
  std::string map_note;
  const Mapping mapping = map               ? searched_mapping(cascade, arch, *map, map_note)
                          : docs.mapping ? load_mapping(*docs.mapping, cascade, arch)
                                         : preset_mapping(docs.dataflow, cascade, arch);
  SimulationReport r = evaluate_at(cascade, arch, mapping, fidelity);
  if (!map_note.empty()) r.notes.insert(r.notes.begin(), map_note);
  return r;
}

SimulationReport evaluate_at(const EinsumCascade& cascade, const ArchSpec& arch, const Mapping& mapping,
                             const std::string& fidelity) {
  if (fidelity == "analytical") return evaluate(cascade, arch, mapping, evaluate_options(Fidelity::analytical));
  if (fidelity == "cycle") return evaluate(cascade, arch, mapping, evaluate_options(Fidelity::cycle));
  throw Error(fmt::format("fidelity {} is not available in sweeps (expected analytical or cycle)", fidelity));
}

namespace {

Row base_row(const ResolvedPoint& point) {
  Row row;
  row.key = point.key;
  row.axes = point.axes;
  row.config = point.config.dump();
  row.area_mm2 = point.area_mm2;
  return row;
}

void fill_metrics(const SimulationReport& r, Row& row) {
  row.cycles = static_cast<int64_t>(r.cycles);
  row.seconds = r.seconds;
  row.energy_pj = r.energy_pj;
  if (r.area_um2) row.area_mm2 = *r.area_um2 / 1e6;
  if (r.energy_pj) row.edp = *r.energy_pj * r.seconds;
  row.dram_bytes = static_cast<int64_t>(r.dram_read_bytes + r.dram_write_bytes);
  // The 2D array comes first in every bundled architecture; a report lists arrays in architecture order.
  const ArrayReport* two_d = r.arrays.empty() ? nullptr : &r.arrays.front();
  if (two_d) row.utilization = two_d->utilization;
}

}  // namespace

Row infeasible_row(const ResolvedPoint& point) {
  Row row = base_row(point);
  row.status = "infeasible";
  row.error = point.infeasible;
  return row;
}

Row evaluate_row(const SweepSpec& spec, const PointResolver& resolver, const ResolvedPoint& point,
                 const ReportWriter& write_report) {
  if (!point.infeasible.empty()) return infeasible_row(point);
  Row row = base_row(point);
  const auto start = std::chrono::steady_clock::now();
  try {
    const PointDocuments docs = resolver.documents(point.sets);
    const SimulationReport report = evaluate_point(docs, spec.fidelity, spec.map);
    fill_metrics(report, row);
    row.report = write_report(report);
    nlohmann::ordered_json values = point.axes;
    for (const std::string& m : result_metrics()) {
      const auto v = row.metric(m);
      values[m] = v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
    }
    const auto report_json = nlohmann::ordered_json::parse(row.report);
    if (auto why = failed_result_constraint(spec, values, report_json, point.config)) {
      row.status = "infeasible";
      row.error = *why;
    }
  } catch (const Error& e) {
    row.status = "failed";
    row.error = e.what();
  } catch (const std::bad_alloc&) {
    row.status = "failed";
    row.error = "out of memory";
  } catch (const std::exception& e) {
    row.status = "failed";
    row.error = fmt::format("internal error: {}", e.what());
  }
  row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return row;
}

}  // namespace einsim::dse
