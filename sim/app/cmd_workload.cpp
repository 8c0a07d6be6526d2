// einsim workload FILE [--set PATH=VALUE ...] [--json FILE|-] [--csv FILE|-] [--dot] [--eval ...]:
// the cascade, its operation counts, passes per rank and tensor sizes (sizes in
// KiB/MiB/GiB in the text, exact bytes in JSON and CSV).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "sim/app/commands.hpp"
#include "sim/app/document_checks.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/report/output.hpp"
#include "sim/report/tables.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"
#include "workloads/evaluator.hpp"
#include "workloads/pass_analysis.hpp"

namespace einsim::app {
namespace {

using Json = nlohmann::ordered_json;

std::string tensor_kind(const EinsumCascade& c, int t) {
  if (c.tensors[t].producer < 0) return "input";
  for (int o : c.outputs)
    if (o == t) return "output";
  return "intermediate";
}

std::string rank_list(const EinsumCascade& c, const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ", ") + c.ranks[r].name;
  return "[" + s + "]";
}

std::string extent_list(const std::vector<int64_t>& e) {
  std::string s;
  for (int64_t x : e) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "[" + s + "]";
}

Json ops_json(const std::vector<std::pair<Op, int64_t>>& ops) {
  Json j = Json::object();
  for (const auto& [op, n] : ops) j[std::string(op_name(op))] = n;
  return j;
}

std::vector<std::pair<Op, int64_t>> einsum_ops(const Einsum& e) {
  std::vector<std::pair<Op, int64_t>> ops = e.map_ops;
  if (e.reduce_ops > 0) {
    Op a = reduce_action(e.reduce);
    bool merged = false;
    for (auto& [op, n] : ops)
      if (op == a) {
        n = checked_add(n, e.reduce_ops, "the operation count");
        merged = true;
      }
    if (!merged) ops.emplace_back(a, e.reduce_ops);
    std::sort(ops.begin(), ops.end());
  }
  return ops;
}

std::string ops_text(const std::vector<std::pair<Op, int64_t>>& ops) {
  std::string s;
  for (const auto& [op, n] : ops) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", op_name(op), n);
  return s.empty() ? "none" : s;
}

Json summary_json(const EinsumCascade& c, const CascadeGraph& g, const std::vector<RankPasses>& passes) {
  Json j;
  j["name"] = c.name;
  j["description"] = c.description;
  j["file"] = c.file;
  j["format"] = std::string(format_name(c.format));
  Json params = Json::object();
  for (const auto& [n, v] : c.parameters) params[n] = v;
  j["parameters"] = params;
  Json ranks = Json::object();
  for (const Rank& r : c.ranks) {
    Json jr;
    jr["size"] = r.size;
    if (!r.parts.empty()) {
      Json parts = Json::array();
      for (int p : r.parts) parts.push_back(c.ranks[p].name);
      jr["parts"] = parts;
      jr["remainder"] = r.pad ? "pad" : "error";
    }
    if (r.parent >= 0) jr["part_of"] = c.ranks[r.parent].name;
    ranks[r.name] = jr;
  }
  j["ranks"] = ranks;
  Json tensors = Json::object();
  int64_t total_bytes = 0;
  for (size_t t = 0; t < c.tensors.size(); ++t) {
    const Tensor& ten = c.tensors[t];
    Json jt;
    Json rn = Json::array();
    for (int r : ten.ranks) rn.push_back(c.ranks[r].name);
    jt["ranks"] = rn;
    jt["extents"] = ten.extents;
    jt["format"] = std::string(format_name(ten.format));
    jt["kind"] = tensor_kind(c, static_cast<int>(t));
    jt["elements"] = ten.elements();
    jt["bytes"] = ten.bytes();
    jt["producer"] = ten.producer >= 0 ? Json(c.einsums[ten.producer].name) : Json(nullptr);
    Json cons = Json::array();
    for (int e : g.consumers(static_cast<int>(t))) cons.push_back(c.einsums[e].name);
    jt["consumers"] = cons;
    if (ten.init) {
      // JSON has no infinities: write them as the strings YAML accepts.
      jt["init"] = std::isfinite(*ten.init) ? Json(*ten.init) : Json(*ten.init > 0 ? "inf" : "-inf");
    }
    total_bytes = checked_add(total_bytes, ten.bytes(), "the total tensor size");
    tensors[ten.name] = jt;
  }
  j["tensors"] = tensors;
  j["total_tensor_bytes"] = total_bytes;
  Json einsums = Json::array();
  for (int e : g.topological_order()) {
    const Einsum& ein = c.einsums[e];
    Json je;
    je["name"] = ein.name;
    je["text"] = ein.text;
    je["output"] = c.tensors[ein.output.tensor].name;
    Json ins = Json::array();
    for (const Access& a : ein.inputs) {
      Json ja;
      ja["tensor"] = c.tensors[a.tensor].name;
      ja["access"] = a.text;
      ja["loop_carried"] = a.loop_carried;
      ins.push_back(ja);
    }
    je["inputs"] = ins;
    je["reduce"] = std::string(reduce_name(ein.reduce));
    Json it = Json::array(), red = Json::array();
    for (int r : ein.iteration_ranks) it.push_back(c.ranks[r].name);
    for (int r : ein.reduced_ranks) red.push_back(c.ranks[r].name);
    je["iteration_ranks"] = it;
    je["reduced_ranks"] = red;
    je["recurrent_rank"] = ein.recurrent_rank >= 0 ? Json(c.ranks[ein.recurrent_rank].name) : Json(nullptr);
    je["iteration_points"] = ein.iteration_points;
    je["ops"] = ops_json(einsum_ops(ein));
    if (!ein.description.empty()) je["description"] = ein.description;
    einsums.push_back(je);
  }
  j["einsums"] = einsums;
  Json outs = Json::array();
  for (int t : c.outputs) outs.push_back(c.tensors[t].name);
  j["outputs"] = outs;
  j["ops"] = ops_json(c.total_ops());
  Json jp = Json::object();
  for (const RankPasses& rp : passes) jp[c.ranks[rp.rank].name] = rp.passes;
  j["passes"] = jp;
  Json live = Json::object();
  for (const RankPasses& rp : passes) {
    Json lv = Json::array();
    for (const LiveTensor& lt : rp.live) {
      Json jl;
      jl["tensor"] = c.tensors[lt.tensor].name;
      jl["elements"] = lt.elements;
      jl["bytes"] = lt.bytes;
      jl["grows_with_rank"] = lt.grows_with_rank;
      lv.push_back(jl);
    }
    live[c.ranks[rp.rank].name] = lv;
  }
  j["live_between_passes"] = live;
  return j;
}

std::string summary_text(const EinsumCascade& c, const CascadeGraph& g, const std::vector<RankPasses>& passes) {
  std::string o = fmt::format("workload '{}' ({})\n", c.name, c.file);
  if (!c.description.empty()) o += fmt::format("  {}\n", c.description);
  if (!c.parameters.empty()) {
    o += "\nparameters:\n";
    for (const auto& [n, v] : c.parameters) o += fmt::format("  {} = {}\n", n, v);
  }
  o += "\nranks:\n";
  for (const Rank& r : c.ranks) {
    if (r.parent >= 0) continue;
    o += fmt::format("  {:<6} {:>12}", r.name, r.size);
    if (!r.parts.empty()) {
      o += fmt::format("  = {} x {} ({} x {}{})", c.ranks[r.parts[0]].name, c.ranks[r.parts[1]].name,
                       c.ranks[r.parts[0]].size, c.ranks[r.parts[1]].size, r.pad ? ", padded" : "");
    }
    o += "\n";
  }
  o += "\neinsums (in topological order):\n";
  int i = 1;
  for (int e : g.topological_order()) {
    const Einsum& ein = c.einsums[e];
    o += fmt::format("  {:>2}. {}\n", i++, ein.text);
    std::string red = ein.reduced_ranks.empty()
                          ? std::string("nothing")
                          : fmt::format("{} with {}", rank_list(c, ein.reduced_ranks), reduce_name(ein.reduce));
    o += fmt::format("      iterates {}, reduces {}{}\n", rank_list(c, ein.iteration_ranks), red,
                     ein.recurrent_rank >= 0 ? fmt::format(", recurrence over {}", c.ranks[ein.recurrent_rank].name)
                                             : std::string());
    o += fmt::format("      ops: {}\n", ops_text(einsum_ops(ein)));
  }
  o += "\ntensors:\n";
  o += fmt::format("  {:<10} {:<13} {:<22} {:<26} {:>9} {:>16}\n", "name", "kind", "ranks", "extents", "format",
                   "size");
  int64_t total = 0;
  for (size_t t = 0; t < c.tensors.size(); ++t) {
    const Tensor& ten = c.tensors[t];
    o += fmt::format("  {:<10} {:<13} {:<22} {:<26} {:>9} {:>16}\n", ten.name, tensor_kind(c, static_cast<int>(t)),
                     rank_list(c, ten.ranks), extent_list(ten.extents), format_name(ten.format),
                     format_bytes(static_cast<double>(ten.bytes())));
    total = checked_add(total, ten.bytes(), "the total tensor size");
  }
  o += fmt::format("  total {}\n", format_bytes(static_cast<double>(total)));
  o += fmt::format("\noperations (total): {}\n", ops_text(c.total_ops()));
  o += "\npasses per rank:\n";
  for (const RankPasses& rp : passes) {
    o += fmt::format("  {:<6} {} pass{}\n", c.ranks[rp.rank].name, rp.passes, rp.passes == 1 ? "" : "es");
  }
  o += "\nlive between passes:\n";
  bool any = false;
  for (const RankPasses& rp : passes) {
    for (const LiveTensor& lt : rp.live) {
      any = true;
      o += fmt::format("  {:<6} {:<10} {:>16}{}\n", c.ranks[rp.rank].name, c.tensors[lt.tensor].name,
                       format_bytes(static_cast<double>(lt.bytes)),
                       lt.grows_with_rank ? fmt::format("  (grows with {})", c.ranks[rp.rank].name) : std::string());
    }
  }
  if (!any) o += "  none\n";
  return o;
}

// The tensors as a table (the --csv output): exact element and byte counts.
report::Table tensor_table(const EinsumCascade& c, const CascadeGraph& g) {
  report::Table t;
  t.name = "tensors";
  t.columns = {"name", "kind", "ranks", "extents", "format", "elements", "bytes", "producer", "consumers"};
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    const Tensor& ten = c.tensors[i];
    std::string ranks, extents, consumers;
    for (int r : ten.ranks) ranks += (ranks.empty() ? "" : " ") + c.ranks[r].name;
    for (int64_t x : ten.extents) extents += (extents.empty() ? "" : " ") + std::to_string(x);
    for (int e : g.consumers(static_cast<int>(i))) consumers += (consumers.empty() ? "" : " ") + c.einsums[e].name;
    t.rows.push_back({Json(ten.name), Json(tensor_kind(c, static_cast<int>(i))), Json(ranks), Json(extents),
                      Json(std::string(format_name(ten.format))), Json(ten.elements()), Json(ten.bytes()),
                      ten.producer >= 0 ? Json(c.einsums[ten.producer].name) : Json(nullptr), Json(consumers)});
  }
  return t;
}

// Options of one `einsim workload` run.
struct WorkloadOptions {
  std::string file;
  std::vector<std::string> sets;
  std::string json_file;  // --json FILE, "-" for standard output
  bool json_given = false;
  std::string csv_file;
  bool dot = false;
  bool eval = false;
  uint64_t seed = 1;
  std::vector<std::string> inputs;
  int64_t max_elements = int64_t{1} << 22;
};

void run_workload(const WorkloadOptions& o) {
  if (o.json_given && o.json_file.empty())
    throw Error("--json takes a file now: --json FILE, or --json - for standard output (as simulate, map and report)");
  report::check_one_standard_output({{"--json", o.json_file}, {"--csv", o.csv_file}});
  if (o.file.empty()) {
    // `workload --json W.yaml` (the old flag) took the workload file as the JSON output.
    if (!o.json_file.empty() && o.json_file != "-")
      throw Error(fmt::format("no workload file: --json takes the output file now, so '{}' was taken as the JSON "
                              "output; write einsim workload FILE --json OUT.json (or --json - for standard output)",
                              o.json_file));
    throw Error("no workload file: einsim workload FILE [options]");
  }
  if (!o.json_file.empty() && o.json_file == o.file)
    throw Error(fmt::format("--json {}: that is the workload file; write the JSON to another file or to - (standard "
                            "output)", o.json_file));
  YamlDocument doc = YamlDocument::load_file(o.file);
  for (const auto& s : o.sets) doc.apply_override(s);
  EinsumCascade c = load_workload(doc);
  CascadeGraph g(c);
  if (o.dot) {
    std::cout << g.to_dot();
    return;
  }
  auto passes = analyze_passes(c, g);
  Json values;
  if (o.eval) {
    EvalOptions eo;
    eo.seed = o.seed;
    eo.max_elements = o.max_elements;
    for (const auto& in : o.inputs) {
      auto eq = in.find('=');
      if (eq == std::string::npos || eq == 0) throw Error(fmt::format("--input {}: expected TENSOR=FILE", in));
      eo.inputs[in.substr(0, eq)] = read_tensor_file(in.substr(eq + 1));
    }
    auto v = evaluate_cascade(c, g, eo);
    values = Json::object();
    for (int t : c.outputs) {
      const TensorValues& tv = v.at(c.tensors[t].name);
      Json jt;
      jt["extents"] = tv.extents;
      jt["data"] = tv.data;
      values[c.tensors[t].name] = jt;
    }
  }
  if (!o.csv_file.empty()) report::write_output(o.csv_file, report::to_csv(tensor_table(c, g)));
  if (!o.json_file.empty()) {
    Json j = summary_json(c, g, passes);
    if (o.eval) j["values"] = values;
    report::write_json(o.json_file, j);
  }
  // Machine-readable output on standard output: the text goes nowhere (it would mix with it).
  if (o.json_file == "-" || o.csv_file == "-") return;
  std::cout << summary_text(c, g, passes);
  if (o.eval) {
    std::cout << fmt::format("\nvalues (float64 reference, seed {}):\n", o.seed);
    for (auto it = values.begin(); it != values.end(); ++it) {
      const auto& data = it.value()["data"];
      std::string first;
      for (size_t k = 0; k < data.size() && k < 8; ++k)
        first += fmt::format("{}{:.6g}", k ? ", " : "", data[k].get<double>());
      std::cout << fmt::format("  {} {}: {}{}\n", it.key(), it.value()["extents"].dump(), first,
                               data.size() > 8 ? ", ..." : "");
    }
  }
}

}  // namespace

std::string check_workload_document(const YamlDocument& doc) {
  EinsumCascade c = load_workload(doc);
  return fmt::format("workload '{}': {} einsum{}, {} tensor{}", c.name, c.einsums.size(),
                     c.einsums.size() == 1 ? "" : "s", c.tensors.size(), c.tensors.size() == 1 ? "" : "s");
}

void register_workload(CLI::App& app) {
  auto o = std::make_shared<WorkloadOptions>();
  auto* cmd = app.add_subcommand("workload",
                                 "Summarize an Einsum-cascade workload: Einsums in order, ranks, "
                                 "operation counts, passes per rank, tensor sizes");
  cmd->add_option("file", o->file, "workload YAML file");
  cmd->add_option("--set", o->sets, "override a field, PATH=VALUE relative to workload: (e.g. ranks.M=4096)")
      ->allow_extra_args(false);
  auto* json = cmd->add_option("--json", o->json_file, "write the summary as JSON to FILE (- for standard output)")
                   ->expected(0, 1);
  cmd->add_option("--csv", o->csv_file, "write the tensors (exact bytes) as CSV to FILE (- for standard output)");
  cmd->add_flag("--dot", o->dot, "print the cascade as a Graphviz graph");
  cmd->add_flag("--eval", o->eval, "also evaluate the cascade in float64 (small shapes) and print its outputs");
  cmd->add_option("--seed", o->seed, "seed of the random inputs of --eval (default 1)");
  cmd->add_option("--input", o->inputs, "TENSOR=FILE: values of an input tensor for --eval (numbers, row-major)")
      ->allow_extra_args(false);
  cmd->add_option("--max-elements", o->max_elements, "element limit of --eval (1 to 2^30, default 4194304)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd->callback([o, json] {
    o->json_given = json->count() > 0;
    run_workload(*o);
  });
}

}  // namespace einsim::app
