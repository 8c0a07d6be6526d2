#pragma once
// Long-lived worker processes (fork + two pipes each) that evaluate tasks one after
// another. A worker that dies (a crash, a signal, the kernel's OOM killer) or runs past
// the timeout costs only its task: the task is reported as failed or timed out and a new
// worker takes its place. Workers die with their parent (PR_SET_PDEATHSIG and the end of
// their command pipe), so killing a sweep leaves no process behind.
//
// Protocol: the parent writes a task number (8 bytes) to a worker's command pipe; the
// worker answers on its result pipe with a length (4 bytes) and the text `evaluate` made.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace einsim::dse {

struct PoolOptions {
  int jobs = 1;
  double timeout_s = 0;           // per task; 0: none
  uint64_t max_memory_bytes = 0;  // RLIMIT_AS of each worker; 0: unlimited
};

struct TaskOutcome {
  uint64_t task = 0;
  bool answered = false;  // the worker answered: `text` holds its answer
  std::string text;
  std::string status;     // when not answered: failed | timeout
  std::string error;
  double wall_s = 0;
};

// Runs tasks until `next_task` returns nullopt and every task has finished.
// `evaluate` runs in a worker process; `on_done` and `tick` (about once a second) in the caller.
void run_worker_pool(const PoolOptions& options, const std::function<std::optional<uint64_t>()>& next_task,
                     const std::function<std::string(uint64_t)>& evaluate,
                     const std::function<void(const TaskOutcome&)>& on_done, const std::function<void()>& tick);

}  // namespace einsim::dse
