#pragma once
// Runs the real einsim binary for end-to-end tests and captures its output.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace einsim::testing {

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string source_path(const std::string& relative) {
  return std::string(EINSIM_SOURCE_DIR) + "/" + relative;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `LAUNCHER 'BINARY' ARGS` from the source directory with no input, standard output
// and error captured; `status` is the exit status, or 128 + the signal that ended it.
inline RunResult run_program(const std::string& launcher, const std::string& binary, const std::string& args) {
  char out_tmpl[] = "/tmp/einsim_e2e_out_XXXXXX";
  char err_tmpl[] = "/tmp/einsim_e2e_err_XXXXXX";
  int out_fd = mkstemp(out_tmpl);
  int err_fd = mkstemp(err_tmpl);
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  std::string cmd = std::string("cd '") + EINSIM_SOURCE_DIR + "' && export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 && " +
                    launcher + "'" + binary + "' " + args + " </dev/null >" + out_tmpl + " 2>" + err_tmpl;
  int raw = std::system(cmd.c_str());
  RunResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
  r.out = slurp(out_tmpl);
  r.err = slurp(err_tmpl);
  std::remove(out_tmpl);
  std::remove(err_tmpl);
  return r;
}

// Runs `LAUNCHER 'einsim' ARGS` as run_program does.
inline RunResult run_launched(const std::string& launcher, const std::string& args) {
  return run_program(launcher, EINSIM_BINARY, args);
}

// Runs `einsim ARGS` from the source directory (so bundled paths are relative).
// With `vlimit_kib` > 0, under `ulimit -v` (KiB of address space) and `timeout`
// (`seconds`; a timed-out run has status 124). Under AddressSanitizer the address-space
// limit is dropped (its shadow memory reserves terabytes of address space at start-up)
// and the time limit is four times longer.
inline RunResult run_einsim(const std::string& args, long vlimit_kib = 0, int seconds = 0) {
#if defined(__SANITIZE_ADDRESS__)
  vlimit_kib = 0;
  seconds *= 4;
#endif
  std::string launcher;
  if (vlimit_kib > 0) launcher += "ulimit -v " + std::to_string(vlimit_kib) + " && ";
  if (seconds > 0) launcher += "timeout " + std::to_string(seconds) + " ";
  return run_launched(launcher, args);
}

// Runs `einsim ARGS` and sends it SIGINT (Ctrl-C) after `delay` seconds; `status` is
// einsim's own exit status (timeout --preserve-status).
inline RunResult run_einsim_interrupted(const std::string& args, const std::string& delay) {
  return run_launched("timeout -s INT --preserve-status " + delay + " ", args);
}

inline RunResult run_einsim_limited(const std::string& args, long vlimit_kib, int seconds) {
  return run_einsim(args, vlimit_kib, seconds);
}

}  // namespace einsim::testing
