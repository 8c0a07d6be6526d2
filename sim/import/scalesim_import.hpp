#pragma once
// SCALE-Sim v2 inputs -> einsim files.
//
// Topology CSV, convolution form (SCALE-Sim's default):
//   Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
// (an optional ninth column gives the column stride), or the GEMM form `Layer, M, N, K,`
// (SCALE-Sim's "mnk" input: M output rows, N output columns, K the reduced rank).
// IFMAP sizes are taken as given (SCALE-Sim adds no padding), so the output is
// ceil((IFMAP - Filter + Stride) / Stride) rows and columns, as in SCALE-Sim.
//
// Config (.cfg, INI): [architecture_presets] ArrayHeight, ArrayWidth, IfmapSramSzkB,
// FilterSramSzkB, OfmapSramSzkB, Dataflow (os | ws | is), Bandwidth (words per cycle);
// [run_presets] InterfaceBandwidth: CALC (ideal DRAM: no stalls, SCALE-Sim's compute
// cycles) or USER (Bandwidth words per cycle). Without a config, SCALE-Sim's own
// defaults (scale.cfg: 32 x 32, 64 kB SRAMs, os, CALC).
//
// Output: workload.yaml (one Einsum per layer, each layer reading its own ifmap and
// filters, as SCALE-Sim simulates layers independently), architecture.yaml (an int8
// systolic array with SCALE-Sim's three SRAMs, 1 byte per word, 1 GHz) and
// mapping.yaml (one systolic group per layer in the config's dataflow).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/import/imported_files.hpp"
#include "sim/import/text_tables.hpp"

namespace einsim::import {

// One layer as SCALE-Sim sees it (the GEMM form becomes a 1 x K filter over an M x K ifmap).
struct ScaleSimLayer {
  std::string name;  // as in the file
  int line = 0;
  bool gemm = false;
  int64_t ifmap_h = 0, ifmap_w = 0, filter_h = 0, filter_w = 0, channels = 0, filters = 0, stride_h = 1,
          stride_w = 1;
  int64_t m = 0, n = 0, k = 0;  // GEMM form

  // SCALE-Sim's output size ceil((H - R + s) / s).
  int64_t ofmap_h() const { return (ifmap_h - filter_h + 2 * stride_h - 1) / stride_h; }
  int64_t ofmap_w() const { return (ifmap_w - filter_w + 2 * stride_w - 1) / stride_w; }
};

struct ScaleSimConfig {
  std::string run_name = "scalesim";
  int64_t rows = 32, cols = 32;
  int64_t ifmap_kb = 64, filter_kb = 64, ofmap_kb = 64;
  std::string dataflow = "os";
  bool ideal_dram = true;     // InterfaceBandwidth: CALC
  int64_t bandwidth_words = 10;  // words per cycle, with USER
};

std::vector<ScaleSimLayer> read_scalesim_topology(const CsvTable& csv);
ScaleSimConfig read_scalesim_config(const IniFile& ini);

// The three einsim files for a topology and a config.
ImportResult import_scalesim(const std::vector<ScaleSimLayer>& layers, const ScaleSimConfig& config,
                             const std::string& name);

}  // namespace einsim::import
