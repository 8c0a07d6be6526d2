#pragma once
// The SystemC engines as a module (libeinsim_systemc.so): the Cycle fidelity's engine
// (sim/cycle/cycle_engine.hpp) and the Detailed fidelity's array
// (sim/detailed/detailed_systolic.hpp). The einsim executable does not link SystemC: it
// loads this module the first time a command simulates in SystemC (lazy_engines.cpp), so
// the other commands and fidelities never load libsystemc. Tests and benchmarks link the
// engines directly. This header includes no SystemC.

#include "sim/cycle/cycle_engine.hpp"
#include "sim/detailed/detailed_systolic.hpp"

namespace einsim {

// Raise when the table or a type it passes changes.
inline constexpr int kSystemcModuleAbi = 1;
inline constexpr char kSystemcModuleFile[] = "libeinsim_systemc.so";
inline constexpr char kSystemcModuleEntry[] = "einsim_systemc_module";

struct SystemcModule {
  int abi = kSystemcModuleAbi;  // first: load_module_table checks it
  CycleResult (*simulate_tile_program)(const TileProgram& program, const CycleOptions& options) = nullptr;
  DetailedResult (*run_detailed_systolic)(const DetailedConfig& config) = nullptr;
};

}  // namespace einsim

// The module's entry point (module_loader.hpp).
extern "C" const einsim::SystemcModule* einsim_systemc_module();
