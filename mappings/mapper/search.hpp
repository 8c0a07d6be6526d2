#pragma once
// Mapping search over a MapSpace. The search proposes mappings and an evaluator, passed in by
// the caller, tells their cost: search and model meet only there, so the mapper does not
// depend on any timing engine.
//
// Order of work, deterministic for a seed:
//   1. every base's preset (the all-zero points), so the best is never worse than a preset;
//   2. the whole space, in enumeration order, when it has no more points than the budget;
//   3. otherwise each preset with one tile or buffer block changed (a quarter of the budget,
//      the bases in turn);
//   4. seeded random points (up to half the budget; every other one a preset or the best so
//      far with 1 to 3 knobs changed, as most points of a tight space do not fit);
//   5. a local search from the best: all points one knob away, in a seeded order, moving to the
//      best improvement, and restarting from a random or a nearby point when none improves.
// Proposals go in rounds of a fixed size whatever the number of jobs; a round's results are
// folded in proposal order, and ties go to the earlier proposal, so the result for a seed does
// not depend on --jobs. Points whose mapping was seen already are not evaluated again; illegal
// points are rejected by MapSpace::build before any evaluation.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mappings/mapper/mapspace.hpp"
#include "mappings/mapping.hpp"

namespace einsim {

enum class MapObjective { cycles, energy, edp };
// "cycles", "energy", "edp"; nullopt otherwise.
std::optional<MapObjective> parse_objective(const std::string& name);
std::string objective_name(MapObjective o);

// What the evaluator says about one mapping.
struct MapCost {
  bool legal = false;
  double cycles = 0;
  std::optional<double> energy_pj;  // nullopt when the architecture cannot be costed
  std::string error;                // why it is illegal
};
using MapEvaluator = std::function<MapCost(const Mapping&)>;

struct SearchProgress {
  int64_t evaluations = 0;
  int64_t legal = 0;
  double best = 0;  // objective of the best so far (0 before the first legal point)
  double seconds = 0;
};

// One evaluated mapping, as the search saw it (`einsim map --csv` writes one row each).
struct MapEvaluation {
  int64_t number = 0;   // 1-based, in evaluation order (the order results are folded in)
  std::string base;     // the preset the point starts from
  std::string changes;  // the knobs away from the preset, "knob=option; ..." (empty: the preset itself)
  MapCost cost;
  std::optional<double> objective;  // nullopt: illegal or not rankable
};

struct SearchOptions {
  MapObjective objective = MapObjective::cycles;
  int64_t budget = 0;         // evaluations; 0: no limit (then seconds must be set)
  double seconds = 0;         // wall-clock limit; 0: none
  uint64_t seed = 1;
  int jobs = 1;
  bool parallel_evaluator = true;        // false: evaluate one mapping at a time (jobs still build and check)
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT): finish the round and return the best so far
  std::function<void(const SearchProgress&)> progress;  // after every round
  // After every evaluation, in evaluation order, on the calling thread.
  std::function<void(const MapEvaluation&)> on_evaluation;
};

struct SearchResult {
  bool found = false;
  Mapping best;
  MapPoint best_point;
  MapCost best_cost;
  double best_objective = 0;
  int64_t best_evaluation = 0;  // MapEvaluation::number of the best (0: none found)
  int64_t evaluations = 0;  // mappings evaluated
  int64_t legal = 0;        // of those, legal
  int64_t rejected = 0;     // points rejected before evaluation (illegal or too big for the buffer)
  int64_t duplicates = 0;   // points whose mapping was evaluated already
  uint64_t space_size = 0;
  bool exhaustive = false;  // every point of the space was considered
  bool interrupted = false;
  double wall_seconds = 0;
};

// The objective of a cost (lower is better); nullopt when it cannot be computed (no energy).
std::optional<double> objective_value(const MapCost& cost, MapObjective o);

SearchResult search_mappings(const MapSpace& space, const MapEvaluator& evaluate, const SearchOptions& options);

}  // namespace einsim
