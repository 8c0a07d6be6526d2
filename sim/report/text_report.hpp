#pragma once
// A simulation's report as the text `einsim simulate` prints: quantities with
// units a person reads (SI prefixes, KiB/MiB/GiB).

#include <ostream>
#include <string>
#include <vector>

#include "sim/cycle/simulate.hpp"

namespace einsim::report {

// 3 significant digits with an SI prefix from pico to peta: "2.53 J", "4.29 mJ", "88.2 nJ".
std::string si(double v, const char* unit);

void print_report(std::ostream& out, const SimulationReport& r, const std::vector<std::string>& mapping_lines,
                  bool per_einsum);

}  // namespace einsim::report
