// The entry point of libeinsim_mpi.so. The module holds only mpi_dispatch.cpp; what it
// calls of einsim (errors) is the executable's, exported to the module. The version
// script keeps every symbol of the module but its entry point local.

#include "dse/mpi_module.hpp"

extern "C" const einsim::dse::MpiModule* einsim_mpi_module() {
  using namespace einsim::dse;
  static const MpiModule table{kMpiModuleAbi, &mpi_open, &mpi_close, &mpi_serve, &mpi_request_task, &mpi_send_row};
  return &table;
}
