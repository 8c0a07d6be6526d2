#include "dse/points.hpp"

#include <algorithm>
#include <random>
#include <set>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::dse {
namespace {

constexpr uint64_t kMaxGrid = 10'000'000;

struct Groups {
  std::vector<std::vector<size_t>> axes;  // axes of each group
  std::vector<uint64_t> sizes;            // values of each group
};

Groups groups_of(const SweepSpec& spec) {
  Groups g;
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    const size_t grp = static_cast<size_t>(spec.axes[a].group);
    if (g.axes.size() <= grp) {
      g.axes.resize(grp + 1);
      g.sizes.resize(grp + 1, 0);
    }
    g.axes[grp].push_back(a);
    g.sizes[grp] = spec.axes[a].values.size();
  }
  return g;
}

Point decode(const SweepSpec& spec, const Groups& g, uint64_t index) {
  Point p;
  p.index = index;
  p.value.assign(spec.axes.size(), 0);
  for (size_t grp = g.axes.size(); grp-- > 0;) {
    const uint64_t v = index % g.sizes[grp];
    index /= g.sizes[grp];
    for (size_t a : g.axes[grp]) p.value[a] = static_cast<size_t>(v);
  }
  return p;
}

}  // namespace

std::vector<Point> expand_points(const SweepSpec& spec) {
  const Groups g = groups_of(spec);
  uint64_t total = 1;
  bool huge = false;
  for (uint64_t s : g.sizes) {
    if (total > UINT64_MAX / s) huge = true;
    else total *= s;
  }
  std::vector<uint64_t> indices;
  if (spec.sample_points && (huge || static_cast<uint64_t>(*spec.sample_points) < total)) {
    // Floyd's algorithm: N distinct indices, uniformly, from a seeded 64-bit Mersenne twister
    // (its raw output is specified by the standard, so every platform draws the same points).
    std::mt19937_64 rng(spec.sample_seed);
    const uint64_t n = static_cast<uint64_t>(*spec.sample_points);
    if (n > kMaxGrid) throw Error(fmt::format("sample of {} points: at most {}", n, kMaxGrid));
    std::set<uint64_t> chosen;
    const uint64_t space = huge ? UINT64_MAX : total;
    for (uint64_t j = space - n; j < space; ++j) {
      const uint64_t t = rng() % (j + 1);
      if (!chosen.insert(t).second) chosen.insert(j);
    }
    indices.assign(chosen.begin(), chosen.end());
  } else {
    if (huge || total > kMaxGrid) {
      throw Error(fmt::format("{}: the grid has more than {} points; add sample: {{points: N}}", spec.file, kMaxGrid));
    }
    for (uint64_t i = 0; i < total; ++i) indices.push_back(i);
  }
  std::vector<Point> points;
  points.reserve(indices.size());
  for (uint64_t i : indices) points.push_back(decode(spec, g, i));
  return points;
}

std::vector<std::string> point_sets(const SweepSpec& spec, const Point& p) {
  std::vector<std::string> sets = spec.sets;
  for (size_t a = 0; a < spec.axes.size(); ++a) sets.push_back(spec.axes[a].path + "=" + spec.axes[a].values[p.value[a]].text);
  return sets;
}

std::vector<Point> shard_points(const std::vector<Point>& points, int shard, int shards) {
  std::vector<Point> out;
  for (size_t i = 0; i < points.size(); ++i)
    if (static_cast<int>(i % static_cast<size_t>(shards)) == shard) out.push_back(points[i]);
  return out;
}

}  // namespace einsim::dse
