#include "dse/mpi_dispatch.hpp"

#include <cstdlib>

#include "sim/core/error.hpp"

#ifdef EINSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace einsim::dse {

#ifdef EINSIM_HAVE_MPI
namespace {
constexpr int kTagRequest = 1, kTagTask = 2, kTagRow = 3;
constexpr uint64_t kNoTask = UINT64_MAX;
}  // namespace

bool mpi_built() { return true; }

void mpi_open(int& rank, int& size) {
  // Workers are forked children that never call MPI: OpenMPI's fork warning does not apply.
  setenv("OMPI_MCA_mpi_warn_on_fork", "0", 0);
  MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
}

void mpi_close() { MPI_Finalize(); }

void mpi_serve(const std::vector<uint64_t>& tasks, const std::function<void(const std::string&)>& on_row,
               const std::function<void()>& tick) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t next = 0;
  int running = size - 1;
  while (running > 0) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      tick();
      MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    }
    if (st.MPI_TAG == kTagRequest) {
      char dummy = 0;
      MPI_Recv(&dummy, 1, MPI_CHAR, st.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      uint64_t task = next < tasks.size() ? tasks[next++] : kNoTask;
      if (task == kNoTask) --running;
      MPI_Send(&task, 1, MPI_UINT64_T, st.MPI_SOURCE, kTagTask, MPI_COMM_WORLD);
    } else {
      int n = 0;
      MPI_Get_count(&st, MPI_CHAR, &n);
      std::string text(static_cast<size_t>(n), '\0');
      MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, kTagRow, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      on_row(text);
    }
  }
}

std::optional<uint64_t> mpi_request_task() {
  char dummy = 0;
  MPI_Send(&dummy, 1, MPI_CHAR, 0, kTagRequest, MPI_COMM_WORLD);
  uint64_t task = kNoTask;
  MPI_Recv(&task, 1, MPI_UINT64_T, 0, kTagTask, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (task == kNoTask) return std::nullopt;
  return task;
}

void mpi_send_row(const std::string& row_json) {
  MPI_Send(row_json.data(), static_cast<int>(row_json.size()), MPI_CHAR, 0, kTagRow, MPI_COMM_WORLD);
}

#else

bool mpi_built() { return false; }
void mpi_open(int&, int&) { throw Error("this einsim was built without MPI (install libopenmpi-dev and rebuild)"); }
void mpi_close() {}
void mpi_serve(const std::vector<uint64_t>&, const std::function<void(const std::string&)>&,
               const std::function<void()>&) {}
std::optional<uint64_t> mpi_request_task() { return std::nullopt; }
void mpi_send_row(const std::string&) {}

#endif

}  // namespace einsim::dse
