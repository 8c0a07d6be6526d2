#pragma once
// Energy and area in the shape of Accelergy's reference tables, so Timeloop and
// Accelergy users can read einsim's numbers with their tools:
//
//   ERT:                                  ART:
//     version: 0.3                          version: 0.3
//     tables:                               tables:
//       - name: system.ARCH.ARRAY.PE[0..N-1]  - name: system.ARCH.ARRAY.PE[0..N-1]
//         actions:                              area: 1.25        # um^2, of one instance
//           - name: mac
//             arguments: null
//             energy: 0.145                 # pJ per action
//
// A PE array is N instances of its PE, whose actions are the PE's (mac, add, exp, ...);
// a register file is one instance per PE; a shared buffer or DRAM is one component
// whose actions `read` and `write` each move one byte. With several designs, the
// component names start with system.DESIGN.

#include <string>
#include <vector>

#include "sim/report/tables.hpp"

namespace einsim::report {

struct ReferenceTables {
  std::string ert_yaml, art_yaml;
  Table ert, art;  // the same as CSV: component, action, energy per action (and count); component, area
};

ReferenceTables reference_tables(const std::vector<Design>& designs);

}  // namespace einsim::report
