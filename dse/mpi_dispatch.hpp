#pragma once
// MPI mode of a sweep (`mpirun -n N einsim sweep ... --mpi`): rank 0 owns the database and
// hands point numbers to the other ranks one at a time as they ask (so fast and slow
// points balance themselves); the other ranks evaluate them and send their rows back.
// Built only when CMake finds MPI (EINSIM_HAVE_MPI); otherwise --mpi is an error. The
// functions below that call MPI are also built as a module (mpi_module.hpp) that the
// einsim executable loads only for --mpi, so that other commands never load OpenMPI.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace einsim::dse {

bool mpi_built();

// MPI_Init and this process's rank and the number of ranks; throws Error without MPI.
void mpi_open(int& rank, int& size);
// MPI_Finalize.
void mpi_close();

// MPI_Init on construction, MPI_Finalize on destruction. Throws Error without MPI.
class MpiSession {
 public:
  MpiSession() { mpi_open(rank_, size_); }
  ~MpiSession() { mpi_close(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
};

// Rank 0: answers requests with the next of `tasks` until none are left, passes every row
// (JSON text) to `on_row`, and returns when each other rank has been told to stop.
void mpi_serve(const std::vector<uint64_t>& tasks, const std::function<void(const std::string&)>& on_row,
               const std::function<void()>& tick);
// Other ranks: the next task from rank 0 (nullopt: no more), and a finished row to rank 0.
std::optional<uint64_t> mpi_request_task();
void mpi_send_row(const std::string& row_json);

}  // namespace einsim::dse
