#include "dse/pareto.hpp"

#include <algorithm>

namespace einsim::dse {

std::set<std::string> pareto_keys(const std::vector<Row>& rows, const std::vector<std::string>& objectives) {
  std::vector<std::pair<std::vector<double>, const Row*>> cand;
  for (const Row& r : rows) {
    if (r.status != "ok") continue;
    std::vector<double> v;
    for (const auto& o : objectives) {
      const auto m = r.metric(o);
      if (!m) break;
      v.push_back(*m);
    }
    if (v.size() == objectives.size()) cand.emplace_back(std::move(v), &r);
  }
  // Sorted lexicographically, a row can only be dominated by one before it.
  std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const std::vector<double>*> front;
  std::set<std::string> keys;
  for (const auto& [v, row] : cand) {
    bool dominated = false;
    for (const auto* f : front) {
      bool le = true, lt = false;
      for (size_t i = 0; i < v.size(); ++i) {
        if ((*f)[i] > v[i]) le = false;
        if ((*f)[i] < v[i]) lt = true;
      }
      if (le && lt) {
        dominated = true;
        break;
      }
    }
    if (dominated) continue;
    front.push_back(&v);
    keys.insert(row->key);
  }
  return keys;
}

}  // namespace einsim::dse
