// einsim import onnx|scalesim|timeloop|accelergy: other tools' files -> einsim YAML.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "mappings/mapping.hpp"
#include "sim/app/commands.hpp"
#include "sim/app/document_checks.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/import/accelergy_import.hpp"
#include "sim/import/onnx_import.hpp"
#include "sim/import/scalesim_import.hpp"
#include "sim/import/text_tables.hpp"
#include "sim/import/timeloop_import.hpp"

namespace einsim::app {
namespace {

struct ImportArgs {
  std::string model, topology, config, problem, ert, art, out, out_dir, name;
  std::vector<std::string> sets, attrs;
  bool skip_unsupported = false;
  double node_nm = 45;
};

// Checks a document the importer wrote as `einsim check` would: a rejected one is an importer bug.
void validate(const import::ImportedFile& f, const std::string& path) {
  YamlDocument doc = YamlDocument::load_string(f.text, path);
  try {
    const std::string kind = doc.kind();
    if (kind == "workload") check_workload_document(doc);
    if (kind == "architecture") check_architecture(doc);
    if (kind == "technology") check_technology(doc);
    if (kind == "mapping") check_mapping_document(doc);
  } catch (const Error& e) {
    throw InternalError(fmt::format("the importer wrote a file einsim rejects: {}", e.what()));
  }
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out || !(out << text)) throw Error(fmt::format("{}: cannot write the file", path));
}

void finish(const import::ImportResult& r, const std::string& single_out, const std::string& dir) {
  std::vector<std::string> written;
  for (const auto& f : r.files) {
    const std::string path = !single_out.empty() ? single_out : (std::filesystem::path(dir) / f.name).string();
    validate(f, path);
    written.push_back(path);
  }
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(fmt::format("{}: cannot create the directory: {}", dir, ec.message()));
  }
  for (size_t i = 0; i < r.files.size(); ++i) write_file(written[i], r.files[i].text);
  for (const auto& p : written) std::cout << "wrote " << p << "\n";
  for (const auto& n : r.notes) std::cout << "note: " << n << "\n";
}

std::map<std::string, int64_t> parse_symbol_sets(const std::vector<std::string>& sets) {
  std::map<std::string, int64_t> out;
  for (const auto& s : sets) {
    const size_t eq = s.find('=');
    auto v = eq == std::string::npos ? std::nullopt : import::parse_int(s.substr(eq + 1));
    if (!v) throw Error(fmt::format("--set {}: expected DIM=INTEGER", s));
    out[s.substr(0, eq)] = *v;
  }
  return out;
}

import::ComponentAttributes parse_attrs(const std::vector<std::string>& attrs) {
  import::ComponentAttributes out;
  for (const auto& a : attrs) {
    const size_t eq = a.find('='), dot = a.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
      throw Error(fmt::format("--attr {}: expected COMPONENT.KEY=VALUE (mac.kind=mac_fp16)", a));
    out[a.substr(0, dot)][a.substr(dot + 1, eq - dot - 1)] = a.substr(eq + 1);
  }
  return out;
}

}  // namespace

void register_import(CLI::App& app) {
  auto* cmd = app.add_subcommand("import", "Import ONNX models, SCALE-Sim topologies and configs, Timeloop problems "
                                           "and Accelergy tables as einsim YAML");
  cmd->require_subcommand(1);
  auto a = std::make_shared<ImportArgs>();

  auto* onnx = cmd->add_subcommand("onnx", "ONNX model -> workload (one Einsum per operation)");
  onnx->add_option("model", a->model, "the .onnx file")->required();
  onnx->add_option("-o,--out", a->out, "the workload YAML to write")->required();
  onnx->add_option("--set", a->sets, "size of a symbolic dimension: DIM=VALUE (default 1)");
  onnx->add_option("--name", a->name, "workload name (default: the graph's name)");
  onnx->add_flag("--skip-unsupported", a->skip_unsupported,
                 "skip nodes of unsupported operators (a note each) instead of failing");
  onnx->callback([a] {
    import::OnnxImportOptions o;
    o.symbols = parse_symbol_sets(a->sets);
    o.skip_unsupported = a->skip_unsupported;
    o.name = a->name;
    finish(import::import_onnx(import::read_text_file(a->model), a->model, o), a->out, "");
  });

  auto* ss = cmd->add_subcommand("scalesim", "SCALE-Sim topology (+ config) -> workload, architecture, mapping");
  ss->add_option("--topology", a->topology, "topology CSV (convolution or M, N, K form)")->required();
  ss->add_option("--config", a->config, "SCALE-Sim .cfg (default: SCALE-Sim's defaults, 32x32, os)");
  ss->add_option("--out", a->out_dir, "directory for workload.yaml, architecture.yaml, mapping.yaml")->required();
  ss->callback([a] {
    const auto layers = import::read_scalesim_topology(import::read_csv_file(a->topology));
    import::ScaleSimConfig cfg;
    if (!a->config.empty()) cfg = import::read_scalesim_config(import::IniFile::read_file(a->config));
    std::string name = std::filesystem::path(a->topology).stem().string();
    finish(import::import_scalesim(layers, cfg, name), "", a->out_dir);
  });

  auto* tl = cmd->add_subcommand("timeloop", "Timeloop problem (CNN layer, GEMM, any shape) -> workload");
  tl->add_option("problem", a->problem, "the problem YAML")->required();
  tl->add_option("-o,--out", a->out, "the workload YAML to write")->required();
  tl->callback([a] { finish(import::import_timeloop(YamlDocument::load_file(a->problem)), a->out, ""); });

  auto* ac = cmd->add_subcommand("accelergy", "Accelergy ERT (+ ART) -> einsim technology table");
  ac->add_option("ert", a->ert, "ERT.yaml")->required();
  ac->add_option("art", a->art, "ART.yaml (areas)");
  ac->add_option("-o,--out", a->out, "the technology YAML to write")->required();
  ac->add_option("--attr", a->attrs, "an attribute einsim needs: COMPONENT.KEY=VALUE (mac.kind=mac_fp16, "
                                     "GB.capacity=\"16 MiB\", GB.width_bits=2048)");
  ac->add_option("--name", a->name, "table name (default: the output file's name)");
  ac->add_option("--node", a->node_nm, "technology node in nm (default 45)");
  ac->callback([a] {
    std::optional<YamlDocument> art;
    if (!a->art.empty()) art = YamlDocument::load_file(a->art);
    const std::string name = a->name.empty() ? std::filesystem::path(a->out).stem().string() : a->name;
    finish(import::import_accelergy(YamlDocument::load_file(a->ert), art, parse_attrs(a->attrs), name, a->node_nm),
           a->out, "");
  });
}

}  // namespace einsim::app
