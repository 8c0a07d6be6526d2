#pragma once
// The MPI side of sweeps as a module (libeinsim_mpi.so, built when CMake finds OpenMPI):
// the functions of mpi_dispatch.hpp that call MPI. The einsim executable does not link
// OpenMPI: it loads this module for `sweep --mpi` only (mpi_lazy.cpp). Tests link
// mpi_dispatch.cpp directly. This header includes no MPI.

#include "dse/mpi_dispatch.hpp"

namespace einsim::dse {

// Raise when the table or a type it passes changes.
inline constexpr int kMpiModuleAbi = 1;
inline constexpr char kMpiModuleFile[] = "libeinsim_mpi.so";
inline constexpr char kMpiModuleEntry[] = "einsim_mpi_module";

struct MpiModule {
  int abi = kMpiModuleAbi;  // first: load_module_table checks it
  void (*open)(int& rank, int& size) = nullptr;
  void (*close)() = nullptr;
  void (*serve)(const std::vector<uint64_t>& tasks, const std::function<void(const std::string&)>& on_row,
                const std::function<void()>& tick) = nullptr;
  std::optional<uint64_t> (*request_task)() = nullptr;
  void (*send_row)(const std::string& row_json) = nullptr;
};

}  // namespace einsim::dse

// The module's entry point (sim/core/module_loader.hpp).
extern "C" const einsim::dse::MpiModule* einsim_mpi_module();
