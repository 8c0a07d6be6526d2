#include <catch2/catch.hpp>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;

TEST_CASE("einsim --version and --help", "[e2e][cli]") {
  auto v = run_einsim("--version");
  CHECK(v.status == 0);
  CHECK(v.out.rfind("einsim ", 0) == 0);
  auto h = run_einsim("--help");
  CHECK(h.status == 0);
  CHECK(h.out.find("check") != std::string::npos);
}

TEST_CASE("an unknown subcommand or option exits with status 2", "[e2e][cli]") {
  CHECK(run_einsim("frobnicate").status == 2);
  CHECK(run_einsim("check --no-such-flag x.yaml").status == 2);
  CHECK(run_einsim("").status == 2);
}

TEST_CASE("einsim check reports a missing file with its name and exits 2", "[e2e][cli]") {
  auto r = run_einsim("check no/such/file.yaml");
  CHECK(r.status == 2);
  CHECK(r.err.find("no/such/file.yaml: cannot open file") != std::string::npos);
}
