// The MPI side of sweeps in the einsim executable: each call goes to libeinsim_mpi.so,
// loaded on the first call (mpi_module.hpp). Linked instead of mpi_dispatch.cpp into
// targets with EINSIM_LAZY_MODULES (the executable), when CMake found OpenMPI.

#include "dse/mpi_module.hpp"
#include "sim/core/module_loader.hpp"

namespace einsim::dse {
namespace {

const MpiModule& module() {
  // Global: OpenMPI loads plug-ins of its own that resolve symbols of its libraries.
  static const MpiModule& m = *static_cast<const MpiModule*>(
      load_module_table(kMpiModuleFile, kMpiModuleEntry, kMpiModuleAbi, "sweep --mpi", /*global=*/true));
  return m;
}

}  // namespace

bool mpi_built() { return true; }
void mpi_open(int& rank, int& size) { module().open(rank, size); }
void mpi_close() { module().close(); }
void mpi_serve(const std::vector<uint64_t>& tasks, const std::function<void(const std::string&)>& on_row,
               const std::function<void()>& tick) {
  module().serve(tasks, on_row, tick);
}
std::optional<uint64_t> mpi_request_task() { return module().request_task(); }
void mpi_send_row(const std::string& row_json) { module().send_row(row_json); }

}  // namespace einsim::dse
