#include "mappings/mapper/search.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "mappings/mapper/mapping_writer.hpp"
#include "sim/core/error.hpp"

namespace einsim {

std::optional<MapObjective> parse_objective(const std::string& name) {
  if (name == "cycles") return MapObjective::cycles;
  if (name == "energy") return MapObjective::energy;
  if (name == "edp") return MapObjective::edp;
  return std::nullopt;
}

std::string objective_name(MapObjective o) {
  switch (o) {
    case MapObjective::cycles: return "cycles";
    case MapObjective::energy: return "energy";
    case MapObjective::edp: return "edp";
  }
  return "?";
}

std::optional<double> objective_value(const MapCost& c, MapObjective o) {
  if (!c.legal) return std::nullopt;
  switch (o) {
    case MapObjective::cycles: return c.cycles;
    case MapObjective::energy: return c.energy_pj;
    case MapObjective::edp:
      if (!c.energy_pj) return std::nullopt;
      return c.cycles * *c.energy_pj;
  }
  return std::nullopt;
}

namespace {

constexpr size_t kRound = 8;  // proposals per round, whatever the number of jobs

using Clock = std::chrono::steady_clock;

// Runs f(0..n-1) on up to `jobs` threads.
template <class F>
void parallel_for(size_t n, int jobs, F&& f) {
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, jobs)));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) f(i);
    });
  }
  for (auto& th : pool) th.join();
}

class Searcher {
 public:
  Searcher(const MapSpace& space, const MapEvaluator& evaluate, const SearchOptions& o)
      : space_(space), evaluate_(evaluate), o_(o), rng_(o.seed), start_(Clock::now()) {
    r_.space_size = space.size();
  }

  // The objective of each proposal (nullopt: illegal or not rankable), in proposal order.
  std::vector<std::optional<double>> round(const std::vector<MapPoint>& points) {
    struct Item {
      std::optional<Mapping> mapping;
      std::string key;
      bool evaluate = false;
      MapCost cost;
      std::optional<double> value;
    };
    std::vector<Item> items(points.size());
    parallel_for(points.size(), o_.jobs, [&](size_t i) {
      try {
        items[i].mapping = space_.build(points[i]);
        Mapping named = *items[i].mapping;
        named.name = "";
        items[i].key = mapping_yaml(named, space_.cascade(), space_.arch());
      } catch (const Error&) {
        items[i].mapping.reset();
      }
    });
    std::map<std::string, size_t> first_in_round;
    for (size_t i = 0; i < items.size(); ++i) {
      proposals_++;
      if (!items[i].mapping) {
        r_.rejected++;
        continue;
      }
      if (cache_.count(items[i].key) || first_in_round.count(items[i].key)) {
        r_.duplicates++;
        continue;
      }
      if (out_of_budget(pending_ + 1)) continue;
      first_in_round[items[i].key] = i;
      items[i].evaluate = true;
      pending_++;
    }
    std::vector<size_t> todo;
    for (size_t i = 0; i < items.size(); ++i)
      if (items[i].evaluate) todo.push_back(i);
    parallel_for(todo.size(), o_.parallel_evaluator ? o_.jobs : 1, [&](size_t j) {
      Item& it = items[todo[j]];
      if (stopped()) {  // time up or interrupted: leave the rest unevaluated
        it.evaluate = false;
        return;
      }
      try {
        it.cost = evaluate_(*it.mapping);
      } catch (const Error& e) {
        it.cost = MapCost{};
        it.cost.error = e.what();
      }
    });
    pending_ = 0;
    std::vector<std::optional<double>> out(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      Item& it = items[i];
      if (!it.mapping) continue;
      if (!it.evaluate) {
        auto c = cache_.find(it.key);
        if (c != cache_.end()) out[i] = c->second;
        continue;
      }
      r_.evaluations++;
      if (it.cost.legal) r_.legal++;
      it.value = objective_value(it.cost, o_.objective);
      cache_[it.key] = it.value;
      out[i] = it.value;
      if (it.value && better(*it.value, it.cost)) {
        r_.found = true;
        r_.best = *it.mapping;
        r_.best_point = points[i];
        r_.best_cost = it.cost;
        r_.best_objective = *it.value;
        r_.best_evaluation = r_.evaluations;
      }
      if (o_.on_evaluation) {
        MapEvaluation e;
        e.number = r_.evaluations;
        e.base = space_.base_name(points[i].base);
        e.changes = changes(points[i]);
        e.cost = it.cost;
        e.objective = it.value;
        o_.on_evaluation(e);
      }
    }
    if (o_.progress) {
      SearchProgress p;
      p.evaluations = r_.evaluations;
      p.legal = r_.legal;
      p.best = r_.found ? r_.best_objective : 0;
      p.seconds = elapsed();
      o_.progress(p);
    }
    return out;
  }

  // Proposals allowed in all: every point proposed many times over means the space has nothing
  // new (illegal or seen points).
  uint64_t proposal_cap() const {
    return o_.budget > 0 ? static_cast<uint64_t>(o_.budget) * 64 + 4096 : uint64_t{1} << 40;
  }

  bool done() const {
    if (stopped()) return true;
    if (o_.budget > 0 && r_.evaluations >= o_.budget) return true;
    return proposals_ > proposal_cap();
  }

  MapPoint random_point() {
    MapPoint p;
    p.base = static_cast<int>(std::uniform_int_distribution<int>(0, space_.bases() - 1)(rng_));
    for (const auto& k : space_.knobs(p.base)) {
      p.options.push_back(std::uniform_int_distribution<int>(0, static_cast<int>(k.values.size()) - 1)(rng_));
    }
    return p;
  }

  // A point near a legal one: a base's preset or the best so far, with 1 to 3 knobs set at random.
  // Where the buffer is tight nearly every uniformly random point is too big for it (FuseMax's
  // attention at 64K keys: 5 legal in 16,900); points near a legal one mostly fit.
  MapPoint nearby_point() {
    MapPoint p;
    if (r_.found && std::uniform_int_distribution<int>(0, 1)(rng_)) {
      p = r_.best_point;
    } else {
      p.base = static_cast<int>(std::uniform_int_distribution<int>(0, space_.bases() - 1)(rng_));
      p.options.assign(space_.knobs(p.base).size(), 0);
    }
    const auto& knobs = space_.knobs(p.base);
    if (knobs.empty()) return p;
    const int changes = std::uniform_int_distribution<int>(1, 3)(rng_);
    for (int i = 0; i < changes; ++i) {
      const size_t k = std::uniform_int_distribution<size_t>(0, knobs.size() - 1)(rng_);
      p.options[k] = std::uniform_int_distribution<int>(0, static_cast<int>(knobs[k].values.size()) - 1)(rng_);
    }
    return p;
  }

  SearchResult run() {
    // 1. The presets.
    std::vector<MapPoint> seeds;
    for (int b = 0; b < space_.bases(); ++b) seeds.push_back(MapPoint{b, std::vector<int>(space_.knobs(b).size(), 0)});
    std::vector<bool> preset_legal;
    for (size_t i = 0; i < seeds.size() && !done(); i += kRound)
      for (const auto& v : round(std::vector<MapPoint>(seeds.begin() + i,
                                                       seeds.begin() + std::min(seeds.size(), i + kRound))))
        preset_legal.push_back(v.has_value());
    const uint64_t n = space_.size();
    if (o_.budget > 0 && n <= static_cast<uint64_t>(o_.budget)) {
      // 2. Exhaustive when the space fits the budget.
      uint64_t i = 0;
      for (; i < n && !stopped(); i += kRound) {
        std::vector<MapPoint> pts;
        for (uint64_t j = i; j < std::min(n, i + kRound); ++j) pts.push_back(space_.point_at(j));
        round(pts);
      }
      r_.exhaustive = i >= n;
    } else {
      // 3. Each preset with one tile or buffer block changed, in a quarter of the budget: the sizes
      // of the tiles decide the traffic, and a preset's tiles are sized for one problem size
      // (FuseMax's 256-query tiles re-read K and V per tile at 64K keys).
      in_rounds(tile_variants(preset_legal), [&] { return within_share(4); });
      // 4. Random points in half the budget, half anywhere in the space, half near a legal point;
      // the phase stops at half the proposals allowed, so the local search always gets its turn.
      const uint64_t random_proposals = proposal_cap() / 2;
      while (!done() && proposals_ < random_proposals && within_share(2)) {
        std::vector<MapPoint> pts;
        for (size_t j = 0; j < kRound; ++j) pts.push_back(j % 2 ? nearby_point() : random_point());
        round(pts);
      }
      // 5. A local search from the best.
      local_search();
    }
    r_.interrupted = o_.stop && o_.stop->load();
    r_.wall_seconds = elapsed();
    return r_;
  }

 private:
  // Evaluates `points` in rounds while the search is not done and `more()` holds.
  template <class More>
  void in_rounds(const std::vector<MapPoint>& points, More more) {
    for (size_t i = 0; i < points.size() && !done() && more(); i += kRound)
      round(std::vector<MapPoint>(points.begin() + i, points.begin() + std::min(points.size(), i + kRound)));
  }

  // Whether the search is within 1/divisor of its budget (evaluations, or else seconds).
  bool within_share(int divisor) const {
    if (o_.budget > 0) return r_.evaluations < std::max<int64_t>(1, o_.budget / divisor);
    return elapsed() < o_.seconds / divisor;
  }

  // Every preset with one tile or buffer-block knob changed. The presets that fit go first: a
  // variant of a preset whose tiles are too large for the buffer rarely fits either. Within
  // them, every knob's first alternative before any knob's second (a knob can have a dozen:
  // going knob by knob, a small budget never reached the query tile), and the bases in turn,
  // so that each gets its share of a budget too small for all.
  std::vector<MapPoint> tile_variants(const std::vector<bool>& preset_legal) const {
    std::vector<MapPoint> out;
    for (const bool legal_first : {true, false}) {
      std::vector<std::vector<MapPoint>> of_base;
      size_t longest = 0;
      for (int b = 0; b < space_.bases(); ++b) {
        const bool legal = static_cast<size_t>(b) < preset_legal.size() && preset_legal[b];
        if (legal != legal_first) continue;
        const auto& knobs = space_.knobs(b);
        std::vector<MapPoint> mine;
        for (int o = 1;; ++o) {
          bool any = false;
          for (size_t k = 0; k < knobs.size(); ++k) {
            if (knobs[k].kind != Knob::Kind::tile && knobs[k].kind != Knob::Kind::block) continue;
            if (o >= static_cast<int>(knobs[k].values.size())) continue;
            any = true;
            MapPoint p{b, std::vector<int>(knobs.size(), 0)};
            p.options[k] = o;
            mine.push_back(p);
          }
          if (!any) break;
        }
        longest = std::max(longest, mine.size());
        of_base.push_back(std::move(mine));
      }
      for (size_t i = 0; i < longest; ++i)
        for (const auto& v : of_base)
          if (i < v.size()) out.push_back(v[i]);
    }
    return out;
  }

  // The knobs of a point away from its base's preset: "name=label; ...".
  std::string changes(const MapPoint& p) const {
    std::string out;
    const auto& knobs = space_.knobs(p.base);
    for (size_t k = 0; k < knobs.size() && k < p.options.size(); ++k) {
      const int o = p.options[k];
      if (o == 0) continue;
      if (!out.empty()) out += "; ";
      out += knobs[k].name + "=";
      out += o < static_cast<int>(knobs[k].labels.size()) ? knobs[k].labels[o] : std::to_string(o);
    }
    return out;
  }

  void local_search() {
    std::optional<MapPoint> current;
    double current_value = 0;
    if (r_.found) {
      current = r_.best_point;
      current_value = r_.best_objective;
    }
    while (!done()) {
      if (!current) {
        MapPoint p = restarts_++ % 2 ? random_point() : nearby_point();
        auto v = round({p});
        if (v[0]) {
          current = p;
          current_value = *v[0];
        }
        continue;
      }
      // The neighbours differ from the current point in one knob: listed as (knob, option)
      // pairs and built a round at a time, so memory stays linear in the number of knobs
      // (a point per neighbour was quadratic: thousands of groups, thousands of knobs each).
      std::vector<std::pair<uint32_t, int>> around;
      const auto& knobs = space_.knobs(current->base);
      for (size_t k = 0; k < knobs.size(); ++k) {
        for (int o = 0; o < static_cast<int>(knobs[k].values.size()); ++o) {
          if (o != current->options[k]) around.emplace_back(static_cast<uint32_t>(k), o);
        }
      }
      std::shuffle(around.begin(), around.end(), rng_);
      bool moved = false;
      for (size_t i = 0; i < around.size() && !done() && !moved; i += kRound) {
        std::vector<MapPoint> pts;
        for (size_t j = i; j < std::min(around.size(), i + kRound); ++j) {
          pts.push_back(*current);
          pts.back().options[around[j].first] = around[j].second;
        }
        auto v = round(pts);
        for (size_t j = 0; j < pts.size(); ++j) {
          if (v[j] && *v[j] < current_value) {
            current = pts[j];
            current_value = *v[j];
            moved = true;
          }
        }
      }
      if (!moved) current.reset();  // a local optimum: restart from a random point
    }
  }

  bool better(double value, const MapCost& cost) const {
    if (!r_.found) return true;
    if (value != r_.best_objective) return value < r_.best_objective;
    if (cost.cycles != r_.best_cost.cycles) return cost.cycles < r_.best_cost.cycles;
    return cost.energy_pj.value_or(0) < r_.best_cost.energy_pj.value_or(0);
  }

  bool out_of_budget(int64_t more) const { return o_.budget > 0 && r_.evaluations + more > o_.budget; }

  bool stopped() const {
    if (o_.stop && o_.stop->load()) return true;
    return o_.seconds > 0 && elapsed() >= o_.seconds;
  }

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  const MapSpace& space_;
  const MapEvaluator& evaluate_;
  SearchOptions o_;
  std::mt19937_64 rng_;
  Clock::time_point start_;
  SearchResult r_;
  std::map<std::string, std::optional<double>> cache_;
  int64_t pending_ = 0;
  uint64_t proposals_ = 0;
  uint64_t restarts_ = 0;
};

}  // namespace

SearchResult search_mappings(const MapSpace& space, const MapEvaluator& evaluate, const SearchOptions& options) {
  if (options.budget < 0) throw Error("the mapper's budget must be positive");
  if (options.budget == 0 && options.seconds <= 0) throw Error("the mapper needs a budget in evaluations or seconds");
  return Searcher(space, evaluate, options).run();
}

}  // namespace einsim
