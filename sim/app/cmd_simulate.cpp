// einsim simulate -w WORKLOAD -a ARCH [-m MAPPING | --dataflow ws|os|is|flat|fusemax]
//                 [--set workload.PATH=V --set arch.PATH=V --set mapping.PATH=V ...] [--json FILE]
//                 [--csv FILE] [--scalesim-report DIR]

#include <unistd.h>

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
#include "dse/map_evaluator.hpp"
#include "sim/app/interrupt.hpp"
#include "sim/app/simulate_values.hpp"
#include "sim/core/error.hpp"
#include "sim/core/progress.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/cycle/simulate.hpp"
#include "sim/detailed/detailed_systolic.hpp"
#include "sim/report/output.hpp"
#include "sim/report/report_json.hpp"
#include "sim/report/scalesim_report.hpp"
#include "sim/report/text_report.hpp"
#include "sim/report/tables.hpp"
#include "sim/report/trace_json.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::app {
namespace {

using report::Json;

constexpr int64_t kMapFirstBudget = 24;  // evaluations of the search run when no mapping is given

struct SimulateArgs {
  std::string workload, arch, mapping, dataflow, fidelity = "cycle", json_file, csv_file, vcd_file, trace_file;
  std::string scalesim_dir;
  uint64_t trace_limit = 200000;
  std::vector<std::string> sets;
  bool values = false;
  bool no_extrapolate = false;
  bool per_einsum = false;
  bool no_progress = false;
  double detailed_limit = kDefaultDetailedLimitSeconds;
  uint64_t seed = 1;
  int64_t values_points = int64_t{1} << 22;
  int64_t values_elements = int64_t{1} << 24;
};

// "--set workload.ranks.M=7": the prefix picks the document.
void apply_sets(const std::vector<std::string>& sets, YamlDocument& workload, YamlDocument& arch,
                YamlDocument* mapping) {
  for (const auto& s : sets) {
    auto dot = s.find('.');
    const std::string head = dot == std::string::npos ? s : s.substr(0, dot);
    const std::string rest = dot == std::string::npos ? "" : s.substr(dot + 1);
    if (head == "workload") {
      workload.apply_override(rest, false, s);
    } else if (head == "arch" || head == "architecture") {
      arch.apply_override(rest, false, s);
    } else if (head == "mapping" && mapping) {
      mapping->apply_override(rest, false, s);
    } else {
      throw Error(
          fmt::format("--set {}: the path must start with workload., arch.{}", s, mapping ? " or mapping." : ""));
    }
  }
}

// What produced a report, so a figure can be traced back to its files.
Json inputs_json(const SimulateArgs& a, const SimulationReport& r) {
  Json in;
  in["workload_file"] = a.workload;
  in["architecture_file"] = a.arch;
  in["mapping_file"] = a.mapping.empty() ? Json(nullptr) : Json(a.mapping);
  in["dataflow"] = a.dataflow.empty() ? Json(nullptr) : Json(a.dataflow);
  in["overrides"] = a.sets;
  in["fidelity"] = a.fidelity;
  in["extrapolate"] = !a.no_extrapolate;
  if (a.values) in["seed"] = a.seed;
  in["technology"] = r.technology;
  in["einsim_version"] = EINSIM_VERSION;
  return in;
}

// Progress of a long simulation on standard error (standard output may carry --json -):
// on a terminal a bar from the first second, otherwise a plain line every 5 s from the
// second second; shorter runs print nothing.
std::unique_ptr<ProgressMeter> progress_meter(const SimulateArgs& a, const std::string& unit) {
  if (a.no_progress) return nullptr;
  ProgressStyle style;
  style.label = "simulate";
  style.unit = unit;
  style.terminal = ::isatty(STDERR_FILENO);
  style.quiet_seconds = style.terminal ? 1 : 2;
  style.bar_every = 0.25;
  style.line_every = 5;
  return std::make_unique<ProgressMeter>(0, style, stderr);
}

// Without -m or --dataflow: the best of a short search (einsim map), said in the notes.
Mapping map_first(const EinsumCascade& cascade, const ArchSpec& arch, std::vector<std::string>& notes) {
  SearchOptions opts;
  opts.budget = kMapFirstBudget;
  const SearchResult r = dse::map_cascade(cascade, arch, opts);
  if (!r.found) throw Error(fmt::format("no legal mapping of workload '{}' found: give one with -m", cascade.name));
  notes.push_back(fmt::format("no mapping given: einsim map searched {} mappings (budget {}, seed 1, objective cycles) "
                              "and this is the best ({}); `einsim map -o FILE` searches longer and saves it",
                              r.evaluations, kMapFirstBudget, r.best.source));
  Mapping m = r.best;
  m.name = "mapped";
  return m;
}

void run(const SimulateArgs& a) {
  report::check_one_standard_output({{"--json", a.json_file}, {"--csv", a.csv_file}, {"--trace", a.trace_file}});
  if (a.fidelity != "analytical" && a.fidelity != "cycle" && a.fidelity != "detailed") {
    throw Error(fmt::format("--fidelity {}: expected analytical, cycle or detailed", a.fidelity));
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
      if (s.rfind("workload.", 0) == 0) doc.apply_override(s.substr(9), false, s);
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
  if (a.values_elements < 1 || a.values_elements > (int64_t{1} << 32)) {
    throw Error(fmt::format("--values-elements {}: expected 1 to 2^32", a.values_elements));
  }
  vopts.max_elements = a.values_elements;
  std::optional<ErrorMetrics> error;
  std::optional<MappedCascadeValues> cascade_vals;
  SimulationReport report;
  std::optional<TraceRecorder> trace;
  if (!a.trace_file.empty()) {
    if (a.fidelity != "cycle") throw Error("--trace needs --fidelity cycle");
    if (a.trace_limit < 2) throw Error(fmt::format("--trace-limit {}: expected at least 2", a.trace_limit));
    trace.emplace(a.trace_limit);
  }
  if (a.fidelity == "detailed") {
    DetailedRunOptions run;
    run.values = a.values;
    run.vcd_file = a.vcd_file;
    if (!(a.detailed_limit >= 0)) throw Error(fmt::format("--detailed-limit {}: expected 0 (no limit) or more seconds", a.detailed_limit));
    run.max_seconds = a.detailed_limit;
    const std::unique_ptr<ProgressMeter> meter = progress_meter(a, "cycles");
    if (meter) {
      run.progress = [&meter](int64_t done, int64_t total) {
        meter->set_total(static_cast<uint64_t>(total));
        meter->update(static_cast<uint64_t>(done));
      };
    }
    report = simulate_detailed(cascade, arch, mapping, run, vopts, error);
    if (meter) meter->finish();
  } else {
    const bool one_gemm = a.values && is_single_gemm(cascade, arch, mapping);
    if (a.values && !one_gemm) einsum_pe_kinds(cascade, arch, mapping);  // refuse early, before simulating
    if (one_gemm) check_gemm_value_limits(cascade, single_gemm(cascade, arch, mapping, "--values"), vopts);
    if (a.fidelity == "cycle") {
      SimulateOptions opts;
      opts.extrapolate = !a.no_extrapolate;
      opts.trace = trace ? &*trace : nullptr;
      opts.stop = &sigint_flag();
      const std::unique_ptr<ProgressMeter> meter = progress_meter(a, "steps");
      if (meter) {
        opts.progress = [&meter](uint64_t done, uint64_t total) {
          meter->set_total(total);
          meter->update(done);
        };
      }
      {
        const SigintGuard on_ctrl_c;  // Ctrl-C: stops the run between steps (Interrupted, exit status 130)
        report = simulate_cycle(cascade, arch, mapping, opts);
      }
      if (meter) meter->finish();
      if (trace) {
        report::write_json(a.trace_file, report::trace_json(*trace, report));
        const std::string note = report::trace_note(*trace);
        if (!note.empty()) report.notes.push_back(note);
      }
    } else {
      report = evaluate(cascade, arch, mapping, evaluate_options(Fidelity::analytical, !a.no_extrapolate));
    }
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
  if (!a.scalesim_dir.empty()) {
    for (auto& n : report::write_scalesim_reports(a.scalesim_dir, report)) report.notes.push_back(std::move(n));
  }
  // With --json - the JSON is standard output; the text report then goes to standard error.
  std::ostream& text = a.json_file == "-" || a.csv_file == "-" ? std::cerr : std::cout;
  report::print_report(text, report, mapping.describe(cascade), a.per_einsum);
  if (error) {
    text << fmt::format(
        "\nvalues (seed {}, against float64)\n  max abs error {:.6g}\n  relative RMS error {:.6g}\n"
        "  SQNR {:.2f} dB\n",
        a.seed, error->max_abs_error, error->rel_rms_error, error->sqnr_db);
    if (error->non_finite) text << fmt::format("  {} values not finite\n", error->non_finite);
    if (cascade_vals && cascade_vals->result.outputs.size() > 1) {
      for (const auto& [name, e] : cascade_vals->result.outputs) {
        text << fmt::format("  {}: max abs error {:.6g}, SQNR {:.2f} dB\n", name, e.max_abs_error, e.sqnr_db);
      }
    }
  }
  if (!a.json_file.empty()) {
    Json j = report::report_json(report);
    j["inputs"] = inputs_json(a, report);
    if (error) {
      j["error"] = report::error_json(*error);
      j["error"]["seed"] = a.seed;
      if (cascade_vals) {
        j["error"]["sample"] = cascade_vals->sample;
        Json outs = Json::object();
        for (const auto& [name, e] : cascade_vals->result.outputs) outs[name] = report::error_json(e);
        j["error"]["outputs"] = outs;
      }
    }
    report::write_json(a.json_file, j);
  }
  if (!a.csv_file.empty()) report::write_output(a.csv_file, report::to_csv(report::groups_table(report::report_json(report))));
}

}  // namespace

std::string simulate_report_json(const SimulationReport& report) { return report::report_json(report).dump(); }

void register_simulate(CLI::App& app) {
  auto a = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand("simulate", "Simulate a workload on an architecture with a mapping or a dataflow");
  cmd->add_option("-w,--workload", a->workload, "workload YAML")->required();
  cmd->add_option("-a,--arch", a->arch, "architecture YAML")->required();
  cmd->add_option("-m,--mapping", a->mapping, "mapping YAML (without -m or --dataflow: map first, see einsim map)");
  cmd->add_option("--dataflow", a->dataflow, "preset mapping: ws, os, is (systolic GEMM), flat, fusemax (attention)");
  cmd->add_option("--fidelity", a->fidelity, "cycle (default: SystemC processes per unit), analytical (the same results without SystemC, "
                  "faster) or detailed (per-PE SystemC array, one GEMM)");
  cmd->add_flag("--values", a->values,
                "compute the outputs with the PE arithmetic of each Einsum's array and their error against float64");
  cmd->add_option("--values-points", a->values_points,
                  "with --values on a cascade: iteration points the float64 reference may take before the "
                  "cascade is cut to a sample (default 4194304)");
  cmd->add_option("--values-elements", a->values_elements,
                  "with --values on one GEMM: elements each operand and the result may have (default 16777216)");
  cmd->add_option("--seed", a->seed, "seed of the random operands of --values (default 1)");
  cmd->add_option("--set", a->sets, "override a field: workload.PATH=V, arch.PATH=V or mapping.PATH=V");
  cmd->add_option("--json", a->json_file, "write the report as JSON to FILE (- for standard output)");
  cmd->add_option("--csv", a->csv_file,
                  "write one row per group (layer) as CSV to FILE (- for standard output): cycles, start, steps");
  cmd->add_option("--scalesim-report", a->scalesim_dir,
                  "write SCALE-Sim's COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv (one row per systolic layer) into DIR");
  cmd->add_option("--trace", a->trace_file,
                  "write the Cycle fidelity's tile operations to FILE as Chrome/Perfetto trace-event JSON");
  cmd->add_option("--trace-limit", a->trace_limit,
                  "with --trace: operations kept at most, the first and the last half (default 200000)");
  cmd->add_option("--vcd", a->vcd_file, "with --fidelity detailed: write a waveform (VCD) of the array");
  cmd->add_flag("--per-einsum", a->per_einsum, "print each Einsum's array, busy cycles, tiles and PE energy");
  cmd->add_flag("--no-extrapolate", a->no_extrapolate, "simulate every step, even in a periodic steady state");
  cmd->add_flag("--no-progress", a->no_progress,
                "no progress on standard error (by default the Cycle and Detailed fidelities show a bar on a "
                "terminal, otherwise a line every 5 s, once a run has lasted 1 to 2 s)");
  cmd->add_option("--detailed-limit", a->detailed_limit,
                  "with --fidelity detailed: refuse runs estimated to take longer than this many seconds "
                  "(default 60; 0: no limit)");
  cmd->callback([a] { run(*a); });
}

}  // namespace einsim::app
