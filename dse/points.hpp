#pragma once
// The points of a sweep: the grid of its axes (zipped axes move together, the last axis
// fastest), or a seeded random sample of it, and the deterministic shards of that list.

#include <cstdint>
#include <string>
#include <vector>

#include "dse/sweep_spec.hpp"

namespace einsim::dse {

// One point: the index of its value on every axis (in SweepSpec::axes order).
struct Point {
  uint64_t index = 0;  // its place in the grid
  std::vector<size_t> value;
};

// Points of the grid, or of the sample when the spec asks for one (sorted by grid index).
// Throws Error for a grid of more than 10 million points without a sample.
std::vector<Point> expand_points(const SweepSpec& spec);

// The `--set` assignments of a point: the spec's base sets, then one per axis.
std::vector<std::string> point_sets(const SweepSpec& spec, const Point& p);

// Shard `shard` of `shards` (0-based): the points whose place in the list is shard mod shards.
std::vector<Point> shard_points(const std::vector<Point>& points, int shard, int shards);

}  // namespace einsim::dse
