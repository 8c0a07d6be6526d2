#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;

namespace {

// The actions each family performs (arch/pe/pe_kind.hpp).
std::set<std::string> expected_actions(const std::string& kind) {
  if (kind.rfind("mixpe_", 0) == 0) return {"shift_add", "dequant"};
  if (kind.rfind("vector_", 0) == 0) return {"add", "sub", "mul", "div", "max", "exp"};
  return {"mac"};
}

}  // namespace

TEST_CASE("einsim pe --json lists every standard kind with area and energy per action", "[e2e][pe]") {
  auto r = run_einsim("pe --json -");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.is_array());
  CHECK(j.size() >= 17);  // standard_pe_kind_names() (17 today), all derivable from horowitz45
  std::set<std::string> kinds;
  for (const auto& e : j) {
    const std::string kind = e.at("kind").get<std::string>();
    INFO(kind);
    kinds.insert(kind);
    CHECK(e.at("table") == "horowitz45");
    CHECK(e.at("node_nm").get<double>() == 45);
    REQUIRE(e.at("area_um2").is_number());
    CHECK(e.at("area_um2").get<double>() > 0);
    std::set<std::string> actions;
    for (const auto& [a, v] : e.at("energy_pj").items()) {
      actions.insert(a);
      CHECK(v.get<double>() > 0);
      CHECK(e.at("derived").at("energy_pj").at(a).is_boolean());
    }
    CHECK(actions == expected_actions(kind));
    CHECK(e.at("derived").at("area_um2").is_boolean());
  }
  for (const char* k : {"mac_int8", "mac_fp8_e4m3", "mac_fp16", "mixpe_w4a16", "lmul_m3", "vector_fp16"})
    CHECK(kinds.count(k) == 1);
}

TEST_CASE("einsim pe scales to a node and marks published numbers as direct", "[e2e][pe]") {
  auto at45 = nlohmann::json::parse(run_einsim("pe mac_fp16_acc16 --table fusemax45 --json -").out);
  auto at16 = nlohmann::json::parse(run_einsim("pe mac_fp16_acc16 --table fusemax45 --node 16 --json -").out);
  REQUIRE(at45.size() == 1);
  REQUIRE(at16.size() == 1);
  // FuseMax artifact: fp16 MAC 17.1645 pJ and 1545 um^2 at 45 nm, as published.
  CHECK(at45[0].at("energy_pj").at("mac").get<double>() == Approx(17.1645));
  CHECK(at45[0].at("area_um2").get<double>() == Approx(1545));
  CHECK(at45[0].at("derived").at("area_um2") == false);
  CHECK(at45[0].at("derived").at("energy_pj").at("mac") == false);
  // Stillmaker and Baas: area x0.19 from 45 to 16 nm; energy shrinks too.
  CHECK(at16[0].at("node_nm").get<double>() == 16);
  CHECK(at16[0].at("area_um2").get<double>() == Approx(1545 * 0.19));
  CHECK(at16[0].at("energy_pj").at("mac").get<double>() < 17.1645);
}

TEST_CASE("einsim pe prints a readable table by default", "[e2e][pe]") {
  auto r = run_einsim("pe mac_int8 mixpe_w4a16 --table aladdin40");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("aladdin40") != std::string::npos);
  CHECK(r.out.find("mac_int8") != std::string::npos);
  CHECK(r.out.find("shift_add=") != std::string::npos);
  CHECK(r.out.find("derived") != std::string::npos);
  // Deterministic: the same command prints the same bytes.
  CHECK(run_einsim("pe mac_int8 mixpe_w4a16 --table aladdin40").out == r.out);
}

TEST_CASE("einsim pe rejects an unknown kind or table or node with status 2", "[e2e][pe]") {
  auto k = run_einsim("pe mac_int7");
  CHECK(k.status == 2);
  CHECK(k.err.find("unknown PE kind 'mac_int7'") != std::string::npos);
  auto t = run_einsim("pe --table horowitz99");
  CHECK(t.status == 2);
  CHECK(t.err.find("unknown technology table 'horowitz99'") != std::string::npos);
  auto n = run_einsim("pe --node 3");
  CHECK(n.status == 2);
  CHECK(n.err.find("outside the scaling range") != std::string::npos);
  // A kind the table can neither give nor derive, asked for by name.
  auto d = run_einsim("pe mac_int8 --table fusemax45");
  CHECK(d.status == 2);
  CHECK(d.err.find("fusemax45") != std::string::npos);
}

TEST_CASE("einsim check validates technology tables", "[e2e][pe][check]") {
  auto ok = run_einsim("check arch/tech/tables/horowitz45.yaml arch/tech/tables/mixpe28.yaml");
  CHECK(ok.status == 0);
  CHECK(ok.out.find("ok    arch/tech/tables/horowitz45.yaml") != std::string::npos);

  char path[] = "/tmp/einsim_e2e_tech_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "technology:\n  name: bad\n  node_nm: 45\n  source: s\n  components:\n"
           "    - {class: int_adder, bits: 8, energy_pj: -1}\n";
  }
  auto bad = run_einsim(std::string("check ") + path);
  CHECK(bad.status == 2);
  CHECK(bad.err.find(std::string(path) + ":6:") != std::string::npos);
  CHECK(bad.err.find("outside the valid range 0 .. 1e+09 pJ") != std::string::npos);
  std::remove(path);
}
