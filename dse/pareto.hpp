#pragma once
// The Pareto front of a sweep's rows: the `ok` rows that no other `ok` row dominates
// (at most as large in every objective and smaller in one; every objective is minimized).

#include <set>
#include <string>
#include <vector>

#include "dse/row.hpp"

namespace einsim::dse {

// Keys of the rows on the front. A row without a value for an objective is left out.
std::set<std::string> pareto_keys(const std::vector<Row>& rows, const std::vector<std::string>& objectives);

}  // namespace einsim::dse
