#pragma once
// The sweep spec: what a `sweep:` document says (docs/sweep_yaml.md). A base workload,
// architecture and mapping; axes over `--set` dotted paths (value lists, linear and log
// ranges, zipped axes); an optional seeded random sample; constraints; objectives; the
// evaluating and confirming fidelities; and an optional iso-area budget with the knobs
// that grow. Plain data, read with errors that name file, line, column and YAML path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/yaml_source.hpp"

namespace einsim::dse {

// One value of an axis: the YAML text given to --set and the column it is stored in.
struct AxisValue {
  std::string text;    // "mac_int8", "64", "256 KiB"
  bool numeric = false;
  double number = 0;   // when numeric
};

// One axis: a dotted path and its values. Zipped axes share a group and move together.
struct Axis {
  std::string name;  // the column: `name:` or the path
  std::string path;  // "arch.arrays.pe2d.rows" (workload., arch. or mapping.)
  std::vector<AxisValue> values;
  int group = 0;     // axes of one zip share a group; every other axis has its own
  SourceLocation location;
};

// "area_mm2 <= 400", "rows <= cols", "report.levels.GB.peak_occupancy_bytes <= 1048576".
struct Constraint {
  std::string text;
  std::string lhs, op, rhs;  // each side a number or a name
  SourceLocation location;
};

// Iso-area: each grown knob = per_step x k; the largest k whose area fits the budget.
struct GrowKnob {
  std::string path;
  int64_t per_step = 1;
};
struct IsoArea {
  double budget_mm2 = 0;
  std::vector<GrowKnob> grow;
  int64_t max_steps = 65536;
};

// `mapping: {map: {...}}`: every point gets the best mapping of a search (einsim map's),
// evaluated at the Analytical fidelity, then the point is evaluated with that mapping.
struct MapSettings {
  std::string objective = "cycles";  // cycles | energy | edp
  int64_t budget = 64;               // evaluations per point
  uint64_t seed = 1;
};

struct SweepSpec {
  std::string name;
  std::string file;           // the sweep file
  std::string workload_file;  // resolved paths
  std::string arch_file;
  std::string mapping_file;   // a mapping file, or empty
  std::string dataflow;       // a preset, or empty
  std::optional<MapSettings> map;  // the mapper, or empty
  std::vector<std::string> sets;  // base overrides, "arch.clock=1 GHz"
  std::vector<Axis> axes;
  std::optional<int64_t> sample_points;
  uint64_t sample_seed = 1;
  std::vector<Constraint> constraints;
  std::vector<std::string> objectives;  // cycles, energy_pj, edp, area_mm2, seconds, dram_bytes
  std::string fidelity = "analytical";  // evaluates every point
  std::string confirm = "cycle";        // confirms the Pareto points (or "none")
  std::optional<IsoArea> iso_area;
};

// The result columns a constraint or objective may name (besides axes and report paths).
const std::vector<std::string>& result_metrics();

// Parses and validates the body of a `sweep:` document (paths are resolved beside the file,
// then as given). Throws SpecError at the offending node.
SweepSpec parse_sweep(const YamlDocument& doc);

}  // namespace einsim::dse
