#pragma once
// Ctrl-C during a long run: while a SigintGuard lives, SIGINT only sets a flag that the
// engine checks between steps (it then throws Interrupted: exit status 130, no output files).
#include <atomic>
#include <csignal>

namespace einsim::app {

inline std::atomic<bool>& sigint_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

extern "C" inline void einsim_on_sigint(int) { sigint_flag().store(true); }

class SigintGuard {
 public:
  SigintGuard() : previous_(std::signal(SIGINT, einsim_on_sigint)) { sigint_flag().store(false); }
  ~SigintGuard() { std::signal(SIGINT, previous_); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  void (*previous_)(int);
};

}  // namespace einsim::app
