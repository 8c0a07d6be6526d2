// The SystemC engines of the einsim executable: each call goes to libeinsim_systemc.so,
// loaded on the first call (systemc_module.hpp). Linked instead of the engines themselves
// into targets with EINSIM_LAZY_MODULES (the executable).

#include "sim/core/module_loader.hpp"
#include "sim/systemc/systemc_module.hpp"

namespace einsim {
namespace {

const SystemcModule& module() {
  static const SystemcModule& m = *static_cast<const SystemcModule*>(
      load_module_table(kSystemcModuleFile, kSystemcModuleEntry, kSystemcModuleAbi,
                        "simulating in SystemC (the cycle and detailed fidelities)"));
  return m;
}

}  // namespace

CycleResult simulate_tile_program(const TileProgram& program, const CycleOptions& options) {
  return module().simulate_tile_program(program, options);
}

DetailedResult run_detailed_systolic(const DetailedConfig& config) { return module().run_detailed_systolic(config); }

}  // namespace einsim
