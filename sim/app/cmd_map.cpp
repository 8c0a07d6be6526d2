// einsim map -w WORKLOAD -a ARCH [--objective cycles|energy|edp] [--budget N] [--time S]
//            [--seed S] [--jobs N] [-o MAPPING.yaml] [--json FILE|-] [--csv FILE|-] [--set workload.PATH=V ...]

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapper/mapping_writer.hpp"
#include "mappings/mapper/search.hpp"
#include "sim/app/commands.hpp"
#include "dse/map_evaluator.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/report/output.hpp"
#include "sim/report/tables.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::app {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kDefaultBudget = 200;

struct MapArgs {
  std::string workload, arch, objective = "cycles", output, json_file, csv_file;
  std::vector<std::string> sets;
  int64_t budget = -1;  // -1: not given
  double seconds = 0;
  uint64_t seed = 1;
  int jobs = 1;
};

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

std::string objective_text(MapObjective o, double v) {
  switch (o) {
    case MapObjective::cycles: return fmt::format("{:.0f} cycles", v);
    case MapObjective::energy: return fmt::format("{:.6g} pJ", v);
    case MapObjective::edp: return fmt::format("{:.6g} cycle-pJ", v);
  }
  return "";
}

// One row per evaluated mapping, in evaluation order: exact cycles and pJ, the objective,
// and which one is the best (the mapping -o and --json write).
report::Table candidates_table(const std::vector<MapEvaluation>& evals, int64_t best_evaluation) {
  report::Table t{"candidates", "Mappings evaluated",
                  {"evaluation", "base", "changes", "legal", "cycles", "energy_pj", "objective", "best", "error"},
                  {}};
  for (const auto& e : evals) {
    t.rows.push_back({Json(e.number), Json(e.base), Json(e.changes), Json(e.cost.legal),
                      e.cost.legal ? Json(static_cast<uint64_t>(e.cost.cycles)) : Json(nullptr),
                      e.cost.energy_pj ? Json(*e.cost.energy_pj) : Json(nullptr),
                      e.objective ? Json(*e.objective) : Json(nullptr), Json(e.number == best_evaluation),
                      e.cost.error.empty() ? Json(nullptr) : Json(e.cost.error)});
  }
  return t;
}

void run(const MapArgs& a) {
  report::check_one_standard_output({{"-o", a.output}, {"--json", a.json_file}, {"--csv", a.csv_file}});
  const auto objective = parse_objective(a.objective);
  if (!objective) throw Error(fmt::format("--objective {}: expected cycles, energy or edp", a.objective));
  if (a.budget == 0) throw Error("--budget 0: give at least 1 evaluation");
  if (a.budget < -1) throw Error(fmt::format("--budget {}: expected a positive number of evaluations", a.budget));
  if (a.seconds < 0) throw Error(fmt::format("--time {}: expected a positive number of seconds", a.seconds));
  if (a.jobs < 1) throw Error(fmt::format("--jobs {}: expected at least 1", a.jobs));
  YamlDocument wdoc = YamlDocument::load_file(a.workload);
  YamlDocument adoc = YamlDocument::load_file(a.arch);
  for (const auto& s : a.sets) {
    if (s.rfind("workload.", 0) == 0) {
      wdoc.apply_override(s.substr(9));
    } else if (s.rfind("arch.", 0) == 0) {
      adoc.apply_override(s.substr(5));
    } else {
      throw Error(fmt::format("--set {}: the path must start with workload. or arch.", s));
    }
  }
  if (wdoc.kind() != "workload") wdoc.body().fail(fmt::format("-w expects a workload: file, not {}:", wdoc.kind()));
  if (adoc.kind() != "architecture")
    adoc.body().fail(fmt::format("-a expects an architecture: file, not {}:", adoc.kind()));
  const EinsumCascade cascade = load_workload(wdoc);
  const ArchSpec arch = load_architecture(adoc);

  SearchOptions opts;
  opts.objective = *objective;
  opts.budget = a.budget > 0 ? a.budget : (a.seconds > 0 ? 0 : kDefaultBudget);
  opts.seconds = a.seconds;
  opts.seed = a.seed;
  opts.jobs = a.jobs;
  opts.stop = &g_interrupted;
  std::vector<MapEvaluation> evals;
  if (!a.csv_file.empty() || !a.json_file.empty())
    opts.on_evaluation = [&evals](const MapEvaluation& e) { evals.push_back(e); };
  const bool tty = isatty(STDERR_FILENO);
  if (tty) {
    opts.progress = [&](const SearchProgress& p) {
      std::cerr << fmt::format("\rmap: {} evaluated, {} legal, best {}, {:.1f} s   ", p.evaluations, p.legal,
                               p.legal ? objective_text(*objective, p.best) : "-", p.seconds)
                << std::flush;
    };
  }
  g_interrupted.store(false);
  auto previous = std::signal(SIGINT, on_sigint);
  SearchResult r;
  try {
    r = dse::map_cascade(cascade, arch, opts);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  if (tty) std::cerr << "\n";
  if (!r.found) {
    throw Error(fmt::format("no legal mapping of workload '{}' on architecture '{}' found in {} evaluations{}",
                            cascade.name, arch.name, r.evaluations,
                            *objective == MapObjective::cycles ? ""
                                                               : " (energy needs every component costed: see "
                                                                 "`einsim simulate`'s notes)"));
  }
  Mapping best = r.best;
  best.name = fmt::format("{}_on_{}", cascade.name, arch.name);
  const std::string yaml = mapping_yaml(
      best, cascade, arch,
      {fmt::format("einsim map, objective {}, seed {}: the best of {} mappings evaluated", objective_name(*objective),
                   a.seed, r.evaluations),
       fmt::format("{:.0f} cycles at the Cycle fidelity", r.best_cost.cycles)});
  // With an output on standard output (-), the text goes to standard error.
  std::ostream& text = report::any_standard_output({a.output, a.json_file, a.csv_file}) ? std::cerr : std::cout;
  text << fmt::format("workload      {}\narchitecture  {}\nobjective     {}\n", cascade.name, arch.name,
                      objective_name(*objective));
  text << fmt::format("searched      {} mappings evaluated ({} legal, {} rejected before evaluation), space of "
                      "{} points{}, {:.2f} s, seed {}\n",
                      r.evaluations, r.legal, r.rejected, r.space_size, r.exhaustive ? " (all of it)" : "",
                      r.wall_seconds, a.seed);
  if (r.interrupted) text << "interrupted   the best so far follows\n";
  text << fmt::format("best          {} cycles", static_cast<uint64_t>(r.best_cost.cycles));
  if (r.best_cost.energy_pj) text << fmt::format(", {:.6g} pJ", *r.best_cost.energy_pj);
  text << fmt::format("  ({})\n", r.best.source);
  for (const auto& l : best.describe(cascade)) text << "  " << l << "\n";
  const report::Table candidates = candidates_table(evals, r.best_evaluation);
  Json j;
  if (!a.json_file.empty()) {
    j["workload"] = cascade.name;
    j["architecture"] = arch.name;
    j["objective"] = objective_name(*objective);
    j["seed"] = a.seed;
    j["budget"] = opts.budget;
    j["evaluations"] = r.evaluations;
    j["legal"] = r.legal;
    j["rejected"] = r.rejected;
    j["duplicates"] = r.duplicates;
    j["space_size"] = r.space_size;
    j["exhaustive"] = r.exhaustive;
    j["interrupted"] = r.interrupted;
    j["wall_seconds"] = r.wall_seconds;
    j["cycles"] = r.best_cost.cycles;
    j["energy_pj"] = r.best_cost.energy_pj ? Json(*r.best_cost.energy_pj) : Json(nullptr);
    j["objective_value"] = r.best_objective;
    j["from_preset"] = r.best.source;
    j["best_evaluation"] = r.best_evaluation;
    j["mapping_summary"] = best.describe(cascade);
    j["mapping"] = yaml;
    j["candidates"] = report::to_json(candidates);
  }
  // Each file is written under a temporary name and renamed into place.
  if (!a.output.empty()) {
    report::write_output(a.output, yaml);
    if (a.output != "-") text << fmt::format("wrote         {}\n", a.output);
  }
  if (!a.json_file.empty()) report::write_json(a.json_file, j);
  if (!a.csv_file.empty()) report::write_output(a.csv_file, report::to_csv(candidates));
}

}  // namespace

void register_map(CLI::App& app) {
  auto a = std::make_shared<MapArgs>();
  auto* cmd = app.add_subcommand("map", "Search the mappings of a workload on an architecture and write the best");
  cmd->add_option("-w,--workload", a->workload, "workload YAML")->required();
  cmd->add_option("-a,--arch", a->arch, "architecture YAML")->required();
  cmd->add_option("--objective", a->objective, "cycles (default), energy or edp (energy x cycles)");
  cmd->add_option("--budget", a->budget,
                  fmt::format("mappings to evaluate (default {} unless --time is given)", kDefaultBudget));
  cmd->add_option("--time", a->seconds, "stop after this many seconds");
  cmd->add_option("--seed", a->seed, "seed of the random search (default 1)");
  cmd->add_option("--jobs", a->jobs, "threads building and checking mappings (the result does not depend on it)");
  cmd->add_option("-o,--output", a->output, "write the best mapping as YAML (replay it with simulate -m)");
  cmd->add_option("--json", a->json_file,
                  "write the search's summary, the best mapping and every mapping evaluated as JSON to FILE (- for "
                  "standard output)");
  cmd->add_option("--csv", a->csv_file,
                  "write one row per mapping evaluated as CSV to FILE (- for standard output): evaluation, base, "
                  "changes, legal, cycles, energy_pj, objective, best, error");
  cmd->add_option("--set", a->sets, "override a field: workload.PATH=V or arch.PATH=V");
  cmd->callback([a] { run(*a); });
}

}  // namespace einsim::app
