#include "sim/import/scalesim_import.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::import {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool gemm_header(const CsvTable& csv) {
  return csv.header.size() >= 4 && lower(csv.header[1].text) == "m" && lower(csv.header[2].text) == "n" &&
         lower(csv.header[3].text) == "k";
}

}  // namespace

std::vector<ScaleSimLayer> read_scalesim_topology(const CsvTable& csv) {
  const bool gemm = gemm_header(csv);
  const size_t need = gemm ? 4 : 8;
  if (csv.header.size() < need) {
    throw Error(fmt::format(
        "{}:{}: the header has {} columns; a SCALE-Sim topology has 8 (Layer name, IFMAP Height, IFMAP Width, "
        "Filter Height, Filter Width, Channels, Num Filter, Strides) or 4 (Layer, M, N, K)",
        csv.file, csv.header.empty() ? 1 : csv.header[0].line, csv.header.size()));
  }
  static const char* conv_names[] = {"Layer name",    "IFMAP Height", "IFMAP Width", "Filter Height",
                                     "Filter Width",  "Channels",     "Num Filter",  "Strides"};
  std::vector<ScaleSimLayer> layers;
  for (const auto& row : csv.rows) {
    if (row.size() < need) {
      const int line = row.empty() ? 0 : row[0].line;
      throw Error(fmt::format("{}:{}: {} of {} columns; missing '{}'", csv.file, line, row.size(), need,
                              gemm ? csv.header[row.size()].text : conv_names[row.size()]));
    }
    ScaleSimLayer l;
    l.name = row[0].text;
    l.line = row[0].line;
    l.gemm = gemm;
    if (gemm) {
      l.m = csv.positive_int(row[1]);
      l.n = csv.positive_int(row[2]);
      l.k = csv.positive_int(row[3]);
      // SCALE-Sim's load_arrays_gemm: ifmap M x K, filter 1 x K, 1 channel, N filters.
      l.ifmap_h = l.m, l.ifmap_w = l.k, l.filter_h = 1, l.filter_w = l.k, l.channels = 1, l.filters = l.n;
    } else {
      l.ifmap_h = csv.positive_int(row[1]);
      l.ifmap_w = csv.positive_int(row[2]);
      l.filter_h = csv.positive_int(row[3]);
      l.filter_w = csv.positive_int(row[4]);
      l.channels = csv.positive_int(row[5]);
      l.filters = csv.positive_int(row[6]);
      l.stride_h = csv.positive_int(row[7]);
      l.stride_w = row.size() > 8 ? csv.positive_int(row[8]) : l.stride_h;
      if (l.filter_h > l.ifmap_h || l.filter_w > l.ifmap_w) {
        throw Error(fmt::format("{}:{}: layer '{}': the filter ({} x {}) is larger than the IFMAP ({} x {})",
                                csv.file, l.line, l.name, l.filter_h, l.filter_w, l.ifmap_h, l.ifmap_w));
      }
    }
    layers.push_back(l);
  }
  if (layers.empty()) throw Error(fmt::format("{}: the topology has no layers", csv.file));
  return layers;
}

ScaleSimConfig read_scalesim_config(const IniFile& ini) {
  ScaleSimConfig c;
  const std::string arch = "architecture_presets";
  if (!ini.has_section(arch)) throw Error(fmt::format("{}: section [{}] is missing", ini.file(), arch));
  if (ini.has_section("general")) {
    if (auto v = ini.find("general", "run_name")) c.run_name = v->text;
  }
  c.rows = ini.positive_int(arch, "ArrayHeight");
  c.cols = ini.positive_int(arch, "ArrayWidth");
  c.ifmap_kb = ini.positive_int(arch, "IfmapSramSzkB");
  c.filter_kb = ini.positive_int(arch, "FilterSramSzkB");
  c.ofmap_kb = ini.positive_int(arch, "OfmapSramSzkB");
  const IniValue df = ini.at(arch, "Dataflow");
  c.dataflow = lower(df.text);
  if (c.dataflow != "os" && c.dataflow != "ws" && c.dataflow != "is") {
    throw Error(fmt::format("{}:{}: [{}] Dataflow = '{}' (expected os, ws or is)", ini.file(), df.line, arch, df.text));
  }
  c.bandwidth_words = ini.positive_int_or(arch, "Bandwidth", c.bandwidth_words);
  if (ini.has_section("run_presets")) {
    if (auto v = ini.find("run_presets", "InterfaceBandwidth")) {
      const std::string mode = lower(v->text);
      if (mode != "calc" && mode != "user") {
        throw Error(fmt::format("{}:{}: [run_presets] InterfaceBandwidth = '{}' (expected CALC or USER)", ini.file(),
                                v->line, v->text));
      }
      c.ideal_dram = mode == "calc";
    }
  }
  return c;
}

ImportResult import_scalesim(const std::vector<ScaleSimLayer>& layers, const ScaleSimConfig& cfg,
                             const std::string& name) {
  ImportResult r;
  const std::string wname = identifier(name, "scalesim");
  std::string ranks, tensors, einsums, groups;
  std::set<std::string> used;
  for (size_t i = 0; i < layers.size(); ++i) {
    const ScaleSimLayer& l = layers[i];
    std::string id = identifier(l.name, fmt::format("layer{}", i + 1));
    while (used.count(id)) id += "_";
    used.insert(id);
    const std::string n = std::to_string(i + 1);
    if (l.gemm) {
      ranks += fmt::format("    M{0}: {1}\n    N{0}: {2}\n    K{0}: {3}\n", n, l.m, l.n, l.k);
      tensors += fmt::format("    A{0}: {{ranks: [M{0}, K{0}]}}\n    B{0}: {{ranks: [K{0}, N{0}]}}\n", n);
      einsums += fmt::format("    - {{name: {1}, expr: \"{1}[m{0},n{0}] = A{0}[m{0},k{0}] * B{0}[k{0},n{0}]\"}}\n",
                             n, id);
    } else {
      const int64_t p = l.ofmap_h(), q = l.ofmap_w();
      // The ifmap einsim declares holds every window SCALE-Sim counts: (P - 1) s + R rows.
      const int64_t h = (p - 1) * l.stride_h + l.filter_h, w = (q - 1) * l.stride_w + l.filter_w;
      if (h != l.ifmap_h || w != l.ifmap_w) {
        r.notes.push_back(fmt::format("layer '{}': SCALE-Sim's {} x {} output windows reach a {} x {} ifmap "
                                      "(given {} x {}); the workload declares {} x {}",
                                      l.name, p, q, h, w, l.ifmap_h, l.ifmap_w, h, w));
      }
      ranks += fmt::format("    K{0}: {1}\n    C{0}: {2}\n    P{0}: {3}\n    Q{0}: {4}\n    R{0}: {5}\n    S{0}: {6}\n"
                           "    H{0}: {7}\n    W{0}: {8}\n",
                           n, l.filters, l.channels, p, q, l.filter_h, l.filter_w, h, w);
      tensors += fmt::format("    I{0}: {{ranks: [C{0}, H{0}, W{0}]}}\n    F{0}: {{ranks: [K{0}, C{0}, R{0}, S{0}]}}\n", n);
      auto strided = [&](int64_t stride, const char* p) {
        return stride == 1 ? fmt::format("{}{}", p, n) : fmt::format("{}*{}{}", stride, p, n);
      };
      einsums += fmt::format(
          "    - {{name: {1}, expr: \"{1}[k{0},p{0},q{0}] = I{0}[c{0}, {2} + r{0}, {3} + s{0}] * "
          "F{0}[k{0},c{0},r{0},s{0}]\"}}\n",
          n, id, strided(l.stride_h, "p"), strided(l.stride_w, "q"));
    }
    groups += fmt::format("    - name: {0}\n      systolic: {{einsum: {0}, array: pe2d, dataflow: {1}}}\n", id,
                          cfg.dataflow);
  }

  std::string w = fmt::format(
      "# Imported from a SCALE-Sim topology by `einsim import scalesim`: one Einsum per layer,\n"
      "# each reading its own ifmap and filters (SCALE-Sim simulates layers independently).\n"
      "workload:\n  name: {}\n  format: int8\n  ranks:\n{}  tensors:\n{}  einsums:\n{}",
      wname, ranks, tensors, einsums);
  const std::string dram =
      cfg.ideal_dram
          ? "    - {name: DRAM, kind: dram, bandwidth: unlimited, latency_cycles: 0}   # InterfaceBandwidth: CALC\n"
          : fmt::format("    - {{name: DRAM, kind: dram, bandwidth: {} GB/s, latency_cycles: 0}}   # Bandwidth: {} "
                        "words per cycle at 1 GHz\n",
                        cfg.bandwidth_words, cfg.bandwidth_words);
  std::string a = fmt::format(
      "# Imported from a SCALE-Sim config by `einsim import scalesim`: an int8 systolic array\n"
      "# (1 byte per word) with SCALE-Sim's three double-buffered SRAMs. SCALE-Sim has no clock:\n"
      "# 1 GHz is einsim's assumption, so that words per cycle equal GB/s.\n"
      "architecture:\n  name: {0}\n  technology: {{table: horowitz45, node_nm: 45}}\n  clock: 1 GHz\n  storage:\n{1}"
      "    - name: SRAM\n      kind: sram\n      banks: 1\n      double_buffered: true\n      partitions:\n"
      "        inputs: {2} KiB     # IfmapSramSzkB\n        weights: {3} KiB    # FilterSramSzkB\n"
      "        outputs: {4} KiB    # OfmapSramSzkB\n"
      "  arrays:\n    - {{name: pe2d, rows: {5}, cols: {6}, pe: mac_int8, pipeline_depth: 1, initiation_interval: 1}}\n"
      "  noc: {{multicast: false, spatial_reduction: true}}\n",
      identifier(cfg.run_name, "scalesim"), dram, cfg.ifmap_kb, cfg.filter_kb, cfg.ofmap_kb, cfg.rows, cfg.cols);
  std::string m = fmt::format(
      "# Imported by `einsim import scalesim`: each layer a systolic group in dataflow {1}, one after another.\n"
      "mapping:\n  name: {0}_{1}\n  groups:\n{2}",
      wname, cfg.dataflow, groups);
  r.files = {{"workload.yaml", w}, {"architecture.yaml", a}, {"mapping.yaml", m}};
  if (cfg.ideal_dram) {
    r.notes.push_back("InterfaceBandwidth CALC: ideal DRAM (unlimited bandwidth, no latency); einsim's cycles per "
                      "layer are SCALE-Sim's compute cycles + 1 (SCALE-Sim prints the last cycle's index from 0)");
  }
  return r;
}

}  // namespace einsim::import
