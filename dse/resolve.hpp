#pragma once
// A point made concrete: its workload, architecture and mapping documents with every
// `--set` of the point applied, the canonical JSON of those documents (the `config`
// column), the key (a hash of that JSON and the einsim version), and, in iso-area mode,
// the largest design whose area fits the budget (from the cost model alone).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dse/points.hpp"
#include "dse/sweep_spec.hpp"
#include "sim/core/yaml_source.hpp"

namespace einsim::dse {

using Json = nlohmann::ordered_json;

// The documents of one point, overrides applied.
struct PointDocuments {
  YamlDocument workload;
  YamlDocument arch;
  std::optional<YamlDocument> mapping;
  std::string dataflow;  // the preset (the spec's, or an axis `mapping.dataflow`) when there is no mapping file
};

struct ResolvedPoint {
  Point point;
  std::vector<std::string> sets;  // every assignment, in order (base, axes, grown knobs)
  Json axes = Json::object();     // column -> value, in axis order
  Json config;                    // the resolved documents, the fidelity, the iso-area sizing
  std::string key;
  std::string infeasible;         // why the point is not evaluated (empty: it is)
  std::optional<double> area_mm2;  // iso-area: the sized design's area and its slack to the budget
  std::optional<double> slack_mm2;
};

// The einsim version keys are made with.
const char* einsim_version();

// 32 hex digits: two 64-bit FNV-1a hashes of `text` (with different offsets).
std::string hash_key(const std::string& text);

// A YAML node as JSON (numbers and booleans typed, the rest strings), keys in file order.
Json yaml_to_json(const YAML::Node& node);

// Reads the sweep's files once and resolves many points.
class PointResolver {
 public:
  explicit PointResolver(const SweepSpec& spec);
  // The documents with `sets` applied; an assignment that names no field fails at the
  // sweep-file line that gave it.
  PointDocuments documents(const std::vector<std::string>& sets) const;
  ResolvedPoint resolve(const Point& p) const;
  // The area (mm^2) of the architecture with `sets` applied, from the cost model alone.
  double area_mm2(const std::vector<std::string>& sets) const;

 private:
  SourceLocation location_of(const std::string& set) const;
  void size_iso_area(ResolvedPoint& r) const;
  const SweepSpec& spec_;
  std::map<std::string, std::string> text_;  // file -> contents
};

}  // namespace einsim::dse
