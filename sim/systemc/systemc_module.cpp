// The entry point of libeinsim_systemc.so. The module holds only the SystemC engines;
// everything else they call (tile programs, PE arithmetic, errors) is the executable's,
// exported to the module, so there is one copy of each. The version script keeps every
// symbol of the module but its entry point and sc_main local.

#include "sim/systemc/systemc_module.hpp"

// libsystemc.so refers to sc_main (its own main() calls it); einsim has its own main() and
// starts the SystemC kernel only inside the engines.
extern "C" int sc_main(int, char**) { return 0; }

extern "C" const einsim::SystemcModule* einsim_systemc_module() {
  static const einsim::SystemcModule table{einsim::kSystemcModuleAbi, &einsim::simulate_tile_program,
                                           &einsim::run_detailed_systolic};
  return &table;
}
