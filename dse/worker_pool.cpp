#include "dse/worker_pool.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::dse {
namespace {

using Clock = std::chrono::steady_clock;

struct Worker {
  pid_t pid = -1;
  int cmd = -1;     // parent writes tasks
  int result = -1;  // parent reads answers
  bool busy = false;
  uint64_t task = 0;
  Clock::time_point started;
};

bool write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

[[noreturn]] void worker_main(int cmd, int result, const std::function<std::string(uint64_t)>& evaluate) {
  uint64_t task = 0;
  while (read_all(cmd, &task, sizeof task)) {
    const std::string text = evaluate(task);
    const uint32_t n = static_cast<uint32_t>(text.size());
    if (!write_all(result, &n, sizeof n) || !write_all(result, text.data(), n)) break;
  }
  ::_exit(0);  // no destructors or atexit handlers of the parent's state
}

void close_worker(Worker& w) {
  if (w.cmd >= 0) ::close(w.cmd);
  if (w.result >= 0) ::close(w.result);
  w = Worker{};
}

Worker spawn(const PoolOptions& o, std::vector<Worker>& all, const std::function<std::string(uint64_t)>& evaluate) {
  int cmd[2], res[2];
  if (::pipe(cmd) != 0 || ::pipe(res) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(fmt::format("cannot start a worker process: {}", std::strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(0);  // the parent died before prctl
    ::signal(SIGPIPE, SIG_DFL);
    for (Worker& w : all) {  // the other workers' pipes: they must see EOF when the parent dies
      if (w.cmd >= 0) ::close(w.cmd);
      if (w.result >= 0) ::close(w.result);
    }
    ::close(cmd[1]);
    ::close(res[0]);
    if (o.max_memory_bytes) {
      rlimit lim{o.max_memory_bytes, o.max_memory_bytes};
      ::setrlimit(RLIMIT_AS, &lim);
    }
    worker_main(cmd[0], res[1], evaluate);
  }
  ::close(cmd[0]);
  ::close(res[1]);
  Worker w;
  w.pid = pid;
  w.cmd = cmd[1];
  w.result = res[0];
  ::fcntl(w.cmd, F_SETFD, FD_CLOEXEC);
  ::fcntl(w.result, F_SETFD, FD_CLOEXEC);
  return w;
}

std::string death_of(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return fmt::format("the worker died of signal {} ({}){}", sig, strsignal(sig),
                       sig == SIGKILL ? ": killed, perhaps out of memory" : "");
  }
  if (WIFEXITED(status)) return fmt::format("the worker exited with status {}", WEXITSTATUS(status));
  return "the worker died";
}

}  // namespace

void run_worker_pool(const PoolOptions& options, const std::function<std::optional<uint64_t>()>& next_task,
                     const std::function<std::string(uint64_t)>& evaluate,
                     const std::function<void(const TaskOutcome&)>& on_done, const std::function<void()>& tick) {
  ::signal(SIGPIPE, SIG_IGN);  // a worker that died: its pipe's write fails with EPIPE instead
  std::vector<Worker> workers(static_cast<size_t>(std::max(1, options.jobs)));
  bool exhausted = false;
  auto last_tick = Clock::now();
  auto finish = [&](Worker& w, TaskOutcome out, bool replace) {
    out.task = w.task;
    out.wall_s = std::chrono::duration<double>(Clock::now() - w.started).count();
    w.busy = false;
    if (replace) {
      ::kill(w.pid, SIGKILL);
      int status = 0;
      ::waitpid(w.pid, &status, 0);
      if (!out.answered && out.error.empty()) out.error = death_of(status);
      close_worker(w);
    }
    on_done(out);
  };
  for (;;) {
    // Hand out tasks to idle workers, starting workers as needed.
    for (Worker& w : workers) {
      if (w.busy || exhausted) continue;
      const auto task = next_task();
      if (!task) {
        exhausted = true;
        break;
      }
      if (w.pid < 0) w = spawn(options, workers, evaluate);
      w.busy = true;
      w.task = *task;
      w.started = Clock::now();
      if (!write_all(w.cmd, &w.task, sizeof w.task)) {
        TaskOutcome out;
        out.status = "failed";
        finish(w, out, true);
      }
    }
    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    for (Worker& w : workers) {
      if (!w.busy) continue;
      fds.push_back({w.result, POLLIN, 0});
      owners.push_back(&w);
    }
    if (fds.empty()) {
      if (exhausted) break;
      continue;
    }
    int wait_ms = 1000;
    if (options.timeout_s > 0) {
      for (Worker* w : owners) {
        const double left = options.timeout_s - std::chrono::duration<double>(Clock::now() - w->started).count();
        wait_ms = std::min(wait_ms, std::max(0, static_cast<int>(left * 1000) + 1));
      }
    }
    const int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) throw Error(fmt::format("poll: {}", std::strerror(errno)));
    for (size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& w = *owners[i];
      uint32_t len = 0;
      TaskOutcome out;
      if (read_all(w.result, &len, sizeof len)) {
        out.text.resize(len);
        if (read_all(w.result, out.text.data(), len)) {
          out.answered = true;
          finish(w, out, false);
          continue;
        }
      }
      out.status = "failed";
      finish(w, out, true);
    }
    if (options.timeout_s > 0) {
      for (Worker* w : owners) {
        if (!w->busy) continue;
        if (std::chrono::duration<double>(Clock::now() - w->started).count() < options.timeout_s) continue;
        TaskOutcome out;
        out.status = "timeout";
        out.error = fmt::format("took longer than --timeout {} s", options.timeout_s);
        finish(*w, out, true);
      }
    }
    if (Clock::now() - last_tick >= std::chrono::seconds(1)) {
      last_tick = Clock::now();
      tick();
    }
  }
  for (Worker& w : workers) {
    if (w.pid < 0) continue;
    ::close(w.cmd);  // EOF: the worker exits
    w.cmd = -1;
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    close_worker(w);
  }
}

}  // namespace einsim::dse
