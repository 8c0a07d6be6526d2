#pragma once
// Runs the real einsim binary with `--json FILE` and returns the parsed report; the run must
// succeed (status 0). One file per run: ctest runs test cases in parallel.

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"

namespace einsim::testing {

inline nlohmann::json run_json(const std::string& args) {
  static int counter = 0;
  const std::string file =
      "/tmp/einsim_e2e_run_" + std::to_string(getpid()) + "_" + std::to_string(++counter) + ".json";
  auto r = run_einsim(args + " --json " + file);
  INFO(args << "\n" << r.err);
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(slurp(file));
  std::remove(file.c_str());
  return j;
}

}  // namespace einsim::testing
