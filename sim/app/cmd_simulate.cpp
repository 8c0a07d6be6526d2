// einsim simulate -w WORKLOAD -a ARCH [-m MAPPING | --dataflow ws|os|is|flat|fusemax]
//                 [--set workload.PATH=V --set arch.PATH=V --set mapping.PATH=V ...] [--json FILE]

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/app/commands.hpp"
#include "sim/app/map_evaluator.hpp"
#include "sim/app/simulate_values.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/cycle/simulate.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::app {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kMapFirstBudget = 24;  // evaluations of the search run when no mapping is given

struct SimulateArgs {
  std::string workload, arch, mapping, dataflow, fidelity = "cycle", json_file, vcd_file;
  std::vector<std::string> sets;
  bool values = false;
  bool no_extrapolate = false;
  bool per_einsum = false;
  uint64_t seed = 1;
  int64_t values_points = int64_t{1} << 22;
};

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json error_json(const ErrorMetrics& e) {
  auto num = [](double v) { return std::isfinite(v) ? Json(v) : Json(v > 0 ? "inf" : "-inf"); };
  return Json{{"elements", e.count},
              {"non_finite", e.non_finite},
              {"max_abs_error", num(e.max_abs_error)},
              {"rel_rms_error", num(e.rel_rms_error)},
              {"sqnr_db", num(e.sqnr_db)}};
}

Json actions_json(const ActionCounts& counts) {
  Json actions = Json::object();
  for (size_t i = 0; i < kPeActionCount; ++i) {
    const PeAction act = static_cast<PeAction>(i);
    if (counts[act]) actions[std::string(action_name(act))] = counts[act];
  }
  return actions;
}

Json report_json(const SimulationReport& r) {
  Json j;
  j["workload"] = r.workload;
  j["architecture"] = r.architecture;
  j["mapping"] = r.mapping;
  j["fidelity"] = r.fidelity;
  j["cycles"] = r.cycles;
  j["seconds"] = r.seconds;
  j["energy_pj"] = optional_number(r.energy_pj);
  j["area_mm2"] = r.area_um2 ? Json(*r.area_um2 / 1e6) : Json(nullptr);
  j["technology"] = r.technology;
  j["costs_complete"] = r.costs_complete;
  j["dram_bytes"] = r.dram_read_bytes + r.dram_write_bytes;
  j["dram_read_bytes"] = r.dram_read_bytes;
  j["dram_write_bytes"] = r.dram_write_bytes;
  Json arrays = Json::object();
  for (const auto& a : r.arrays) {
    Json aj;
    aj["pe"] = a.pe;
    aj["pes"] = a.pes;
    aj["utilization"] = a.utilization;
    aj["busy_fraction"] = a.busy_fraction;
    aj["busy_cycles"] = a.busy_cycles;
    aj["stall_cycles"] = a.stall_cycles;
    aj["idle_cycles"] = a.idle_cycles;
    aj["actions"] = actions_json(a.actions);
    aj["energy_pj"] = optional_number(a.energy_pj);
    aj["area_um2"] = optional_number(a.area_um2);
    arrays[a.name] = aj;
  }
  j["arrays"] = arrays;
  Json levels = Json::object();
  for (const auto& l : r.levels) {
    Json lj;
    lj["kind"] = l.kind;
    lj["reads"] = l.read_bytes;
    lj["writes"] = l.write_bytes;
    lj["fills"] = l.fill_bytes;
    lj["capacity_bytes"] = l.capacity_bytes ? Json(*l.capacity_bytes) : Json(nullptr);
    lj["peak_occupancy_bytes"] = l.peak_occupancy_bytes;
    lj["energy_pj"] = optional_number(l.energy_pj);
    lj["area_um2"] = optional_number(l.area_um2);
    if (l.kind == "regfile") {
      // A copy in every PE: capacity and peak occupancy per PE, the rest summed over the PEs.
      lj["per_pe"] = true;
      lj["instances"] = l.instances;
      lj["read_accesses"] = l.read_accesses;
      lj["write_accesses"] = l.write_accesses;
    }
    levels[l.name] = lj;
  }
  j["levels"] = levels;
  Json groups = Json::array();
  for (const auto& g : r.groups) {
    groups.push_back({{"name", g.name},
                      {"kind", g.kind},
                      {"mapping", g.mapping},
                      {"cycles", g.cycles},
                      {"steps", g.steps},
                      {"simulated_steps", g.simulated_steps},
                      {"extrapolated", g.extrapolated}});
  }
  j["groups"] = groups;
  Json einsums = Json::object();
  for (const auto& e : r.einsums) {
    einsums[e.name] = {{"group", e.group},           {"array", e.array},
                       {"busy_cycles", e.busy_cycles}, {"tiles", e.tiles},
                       {"actions", actions_json(e.actions)}, {"energy_pj", optional_number(e.energy_pj)}};
  }
  j["einsums"] = einsums;
  Json spills = Json::array();
  for (const auto& sp : r.spills) {
    spills.push_back({{"tensor", sp.tensor},
                      {"from_group", sp.from_group},
                      {"to_groups", sp.to_groups},
                      {"written_bytes", sp.written_bytes},
                      {"read_bytes", sp.read_bytes}});
  }
  j["spills"] = spills;
  j["notes"] = r.notes;
  return j;
}

// 3 significant digits with an SI prefix from pico to peta: "2.53 J", "4.29 mJ", "88.2 nJ".
std::string si(double v, const char* unit) {
  const char* prefixes[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
  int i = 4;
  while (v != 0 && std::fabs(v) < 1.0 && i > 0) {
    v *= 1000.0;
    --i;
  }
  while (std::fabs(v) >= 1000.0 && i < 9) {
    v /= 1000.0;
    ++i;
  }
  return fmt::format("{:.3g} {}{}", v, prefixes[i], unit);
}

void print_report(const SimulationReport& r, const std::vector<std::string>& mapping_lines, bool per_einsum) {
  std::cout << fmt::format("workload      {}\narchitecture  {}\nmapping       {}\n", r.workload, r.architecture,
                           r.mapping);
  for (const auto& l : mapping_lines) std::cout << "  " << l << "\n";
  std::cout << fmt::format("\ncycles        {}  ({:.6g} s)\n", r.cycles, r.seconds);
  const char* partial = r.costs_complete ? "" : ", partial: see notes";
  if (r.energy_pj) {
    std::cout << fmt::format("energy        {}  ({}{})\n", si(*r.energy_pj * 1e-12, "J"), r.technology, partial);
  }
  if (r.area_um2)
    std::cout << fmt::format("area          {:.4g} mm^2{}\n", *r.area_um2 / 1e6, r.costs_complete ? "" : "  (partial)");
  std::cout << fmt::format("DRAM          {} read, {} written\n", format_bytes(static_cast<double>(r.dram_read_bytes)),
                           format_bytes(static_cast<double>(r.dram_write_bytes)));
  std::cout << fmt::format("\n{:<10} {:>8} {:>12} {:>14} {:>14} {:>14} {:>12}\n", "array", "PEs", "utilization", "busy",
                           "stall", "idle", "energy");
  for (const auto& a : r.arrays) {
    std::cout << fmt::format("{:<10} {:>8} {:>11.1f}% {:>14} {:>14} {:>14} {:>12}\n", a.name, a.pes,
                             100.0 * a.utilization, a.busy_cycles, a.stall_cycles, a.idle_cycles,
                             a.energy_pj ? si(*a.energy_pj * 1e-12, "J") : "-");
  }
  std::cout << fmt::format("\n{:<10} {:>12} {:>12} {:>14} {:>12}\n", "level", "reads", "writes", "peak occupancy",
                           "energy");
  for (const auto& l : r.levels) {
    std::cout << fmt::format("{:<10} {:>12} {:>12} {:>14} {:>12}\n", l.name,
                             format_bytes(static_cast<double>(l.read_bytes)),
                             format_bytes(static_cast<double>(l.write_bytes)),
                             l.kind == "dram"      ? "-"
                             : l.kind == "regfile" ? format_bytes(static_cast<double>(l.peak_occupancy_bytes)) + "/PE"
                                                   : format_bytes(static_cast<double>(l.peak_occupancy_bytes)),
                             l.energy_pj ? si(*l.energy_pj * 1e-12, "J") : "-");
  }
  if (per_einsum) {
    std::cout << fmt::format("\n{:<10} {:<16} {:<8} {:>14} {:>8} {:>12} {:>12}\n", "einsum", "group", "array",
                             "busy", "of array", "tiles", "energy");
    for (const auto& e : r.einsums) {
      uint64_t array_busy = 0;
      for (const auto& a : r.arrays)
        if (a.name == e.array) array_busy = a.busy_cycles;
      std::cout << fmt::format("{:<10} {:<16} {:<8} {:>14} {:>7.1f}% {:>12} {:>12}\n", e.name, e.group, e.array,
                               e.busy_cycles, array_busy ? 100.0 * e.busy_cycles / array_busy : 0.0, e.tiles,
                               e.energy_pj ? si(*e.energy_pj * 1e-12, "J") : "-");
    }
  }
  if (!r.notes.empty()) {
    std::cout << "\nnotes\n";
    for (const auto& n : r.notes) std::cout << "  - " << n << "\n";
  }
}

// "--set workload.ranks.M=7": the prefix picks the document.
void apply_sets(const std::vector<std::string>& sets, YamlDocument& workload, YamlDocument& arch,
                YamlDocument* mapping) {
  for (const auto& s : sets) {
    auto dot = s.find('.');
    const std::string head = dot == std::string::npos ? s : s.substr(0, dot);
    const std::string rest = dot == std::string::npos ? "" : s.substr(dot + 1);
    if (head == "workload") {
      workload.apply_override(rest);
    } else if (head == "arch" || head == "architecture") {
      arch.apply_override(rest);
    } else if (head == "mapping" && mapping) {
      mapping->apply_override(rest);
    } else {
      throw Error(
          fmt::format("--set {}: the path must start with workload., arch.{}", s, mapping ? " or mapping." : ""));
    }
  }
}

// Without -m or --dataflow: the best of a short search (einsim map), said in the notes.
Mapping map_first(const EinsumCascade& cascade, const ArchSpec& arch, std::vector<std::string>& notes) {
  SearchOptions opts;
  opts.budget = kMapFirstBudget;
  const SearchResult r = map_cascade(cascade, arch, opts);
  if (!r.found) throw Error(fmt::format("no legal mapping of workload '{}' found: give one with -m", cascade.name));
  notes.push_back(fmt::format("no mapping given: einsim map searched {} mappings (budget {}, seed 1, objective cycles) "
                              "and this is the best ({}); `einsim map -o FILE` searches longer and saves it",
                              r.evaluations, kMapFirstBudget, r.best.source));
  Mapping m = r.best;
  m.name = "mapped";
  return m;
}

void run(const SimulateArgs& a) {
  if (a.fidelity != "cycle" && a.fidelity != "detailed") {
    throw Error(fmt::format("--fidelity {}: expected cycle or detailed", a.fidelity));
  }
  if (!a.vcd_file.empty() && a.fidelity != "detailed") throw Error("--vcd needs --fidelity detailed");
  if (!a.mapping.empty() && !a.dataflow.empty())
    throw Error("give a mapping file (-m) or a preset (--dataflow), not both");
  YamlDocument wdoc = YamlDocument::load_file(a.workload);
  YamlDocument adoc = YamlDocument::load_file(a.arch);
  std::optional<YamlDocument> mdoc;
  if (!a.mapping.empty()) mdoc.emplace(YamlDocument::load_file(a.mapping));
  apply_sets(a.sets, wdoc, adoc, mdoc ? &*mdoc : nullptr);
  if (wdoc.kind() != "workload") wdoc.body().fail(fmt::format("-w expects a workload: file, not {}:", wdoc.kind()));
  if (adoc.kind() != "architecture")
    adoc.body().fail(fmt::format("-a expects an architecture: file, not {}:", adoc.kind()));
  const EinsumCascade cascade = load_workload(wdoc);
  // The workload again with the user's workload.* assignments and more (samples for --values).
  auto reload = [&a](const std::vector<std::string>& extra) {
    YamlDocument doc = YamlDocument::load_file(a.workload);
    for (const auto& s : a.sets)
      if (s.rfind("workload.", 0) == 0) doc.apply_override(s.substr(9));
    for (const auto& s : extra) doc.apply_override(s, true);  // a model file gets the ranks it extends
    return load_workload(doc);
  };
  const ArchSpec arch = load_architecture(adoc);
  std::vector<std::string> map_notes;
  const Mapping mapping = mdoc                 ? load_mapping(*mdoc, cascade, arch)
                          : !a.dataflow.empty() ? preset_mapping(a.dataflow, cascade, arch)
                                                : map_first(cascade, arch, map_notes);
  ValueOptions vopts;
  vopts.seed = a.seed;
  if (a.values_points < 1 || a.values_points > (int64_t{1} << 32)) {
    throw Error(fmt::format("--values-points {}: expected 1 to 2^32", a.values_points));
  }
  vopts.max_points = a.values_points;
  std::optional<ErrorMetrics> error;
  std::optional<MappedCascadeValues> cascade_vals;
  SimulationReport report;
  if (a.fidelity == "detailed") {
    report = simulate_detailed(cascade, arch, mapping, a.values, a.vcd_file, vopts, error);
  } else {
    const bool one_gemm = a.values && is_single_gemm(cascade, arch, mapping);
    if (a.values && !one_gemm) einsum_pe_kinds(cascade, arch, mapping);  // refuse early, before simulating
    SimulateOptions opts;
    opts.extrapolate = !a.no_extrapolate;
    report = simulate_cycle(cascade, arch, mapping, opts);
    if (one_gemm) {
      error = cycle_values(cascade, arch, mapping, vopts);
    } else if (a.values) {
      cascade_vals = mapped_cascade_values(cascade, arch, mapping, vopts, reload);
      error = cascade_vals->result.total;
      for (const auto& n : cascade_vals->result.notes) report.notes.push_back(n);
      if (!cascade_vals->sample.empty()) {
        report.notes.push_back("values on a sample of the cascade: " + cascade_vals->sample);
      }
    }
  }
  report.notes.insert(report.notes.begin(), map_notes.begin(), map_notes.end());
  print_report(report, mapping.describe(cascade), a.per_einsum);
  if (error) {
    std::cout << fmt::format(
        "\nvalues (seed {}, against float64)\n  max abs error {:.6g}\n  relative RMS error {:.6g}\n"
        "  SQNR {:.2f} dB\n",
        a.seed, error->max_abs_error, error->rel_rms_error, error->sqnr_db);
    if (error->non_finite) std::cout << fmt::format("  {} values not finite\n", error->non_finite);
    if (cascade_vals && cascade_vals->result.outputs.size() > 1) {
      for (const auto& [name, e] : cascade_vals->result.outputs) {
        std::cout << fmt::format("  {}: max abs error {:.6g}, SQNR {:.2f} dB\n", name, e.max_abs_error, e.sqnr_db);
      }
    }
  }
  if (!a.json_file.empty()) {
    std::ofstream out(a.json_file);
    if (!out) throw Error(fmt::format("cannot write {}", a.json_file));
    Json j = report_json(report);
    if (error) {
      j["error"] = error_json(*error);
      j["error"]["seed"] = a.seed;
      if (cascade_vals) {
        j["error"]["sample"] = cascade_vals->sample;
        Json outs = Json::object();
        for (const auto& [name, e] : cascade_vals->result.outputs) outs[name] = error_json(e);
        j["error"]["outputs"] = outs;
      }
    }
    out << j.dump(2) << "\n";
    if (!out) throw Error(fmt::format("cannot write {}", a.json_file));
  }
}

}  // namespace

void register_simulate(CLI::App& app) {
  auto a = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand("simulate", "Simulate a workload on an architecture with a mapping or a dataflow");
  cmd->add_option("-w,--workload", a->workload, "workload YAML")->required();
  cmd->add_option("-a,--arch", a->arch, "architecture YAML")->required();
  cmd->add_option("-m,--mapping", a->mapping, "mapping YAML (without -m or --dataflow: map first, see einsim map)");
  cmd->add_option("--dataflow", a->dataflow, "preset mapping: ws, os, is (systolic GEMM), flat, fusemax (attention)");
  cmd->add_option("--fidelity", a->fidelity, "cycle (default) or detailed (per-PE SystemC array, one GEMM)");
  cmd->add_flag("--values", a->values,
                "compute the outputs with the PE arithmetic of each Einsum's array and their error against float64");
  cmd->add_option("--values-points", a->values_points,
                  "with --values on a cascade: iteration points the float64 reference may take before the "
                  "cascade is cut to a sample (default 4194304)");
  cmd->add_option("--seed", a->seed, "seed of the random operands of --values (default 1)");
  cmd->add_option("--set", a->sets, "override a field: workload.PATH=V, arch.PATH=V or mapping.PATH=V");
  cmd->add_option("--json", a->json_file, "write the report as JSON to FILE");
  cmd->add_option("--vcd", a->vcd_file, "with --fidelity detailed: write a waveform (VCD) of the array");
  cmd->add_flag("--per-einsum", a->per_einsum, "print each Einsum's array, busy cycles, tiles and PE energy");
  cmd->add_flag("--no-extrapolate", a->no_extrapolate, "simulate every step, even in a periodic steady state");
  cmd->callback([a] { run(*a); });
}

}  // namespace einsim::app
