#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "arch/tech/technology_table.hpp"
#include "sim/core/error.hpp"

using namespace einsim;

namespace {

TechnologyTable parse(const std::string& components) {
  std::string text = "technology:\n  name: t\n  node_nm: 45\n  source: test\n  components:\n" + components;
  return parse_technology_table(YamlDocument::load_string(text, "t.yaml").body());
}

// The SpecError message of parsing `components`, or "" if it parses.
std::string parse_error(const std::string& components) {
  try {
    parse(components);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("every bundled technology table loads and names its source", "[arch][tech]") {
  auto names = bundled_table_names();
  REQUIRE(names == std::vector<std::string>{"aladdin40", "fusemax45", "horowitz45", "mixpe28"});
  for (const auto& n : names) {
    INFO(n);
    TechnologyTable t = load_technology_table(find_technology_file(n));
    CHECK(t.name == n);
    CHECK_FALSE(t.source.empty());
    CHECK_FALSE(t.components.empty());
  }
}

TEST_CASE("a table reads primitives and whole PE units", "[arch][tech]") {
  TechnologyTable t = parse(
      "    - {class: int_adder, bits: 8, energy_pj: 0.5, area_um2: 20}\n"
      "    - {class: fp_multiplier, format: fp16, energy_pj: 1.5}\n"
      "    - {class: pe, kind: mac_fp16, energy_pj: {mac: 3}, area_um2: 100}\n"
      "    - {class: pe, kind: mixpe_w4a8, power_uw: 400, clock_mhz: 500}\n"
      "    - {class: sram, capacity: 8 KiB, width_bits: 64, banks: 2, read_pj: 10, write_pj: 12}\n");
  REQUIRE(t.components.size() == 5);
  CHECK(t.components[0].bits == 8);
  CHECK(*t.components[0].energy_pj == Approx(0.5));
  CHECK_FALSE(t.components[1].area_um2);
  CHECK(t.components[1].format == NumberFormat::fp16);
  const TechComponent* mac = t.pe_entry("mac_fp16");
  REQUIRE(mac);
  CHECK(mac->action_energy_pj.at(PeAction::mac) == Approx(3));
  // 400 uW / 500 MHz = 0.8 pJ per product; 4 weight bit-planes -> 0.2 pJ per shift-add.
  const TechComponent* mix = t.pe_entry("mixpe_w4a8");
  REQUIRE(mix);
  CHECK(mix->action_energy_pj.at(PeAction::shift_add) == Approx(0.8 / 4));
  CHECK(t.components[4].capacity_bytes == 8192);
  CHECK(t.components[4].banks == 2);
}

TEST_CASE("technology table errors name the place and the problem", "[arch][tech]") {
  std::string e = parse_error("    - {class: int_adder, bits: 8, energy_pj: 0.5, aera_um2: 20}\n");
  CHECK(contains(e, "t.yaml:6:"));
  CHECK(contains(e, "unknown key 'aera_um2'"));

  e = parse_error("    - {class: int_adder, bits: 8, energy_pj: -0.5}\n");
  CHECK(contains(e, "'-0.5' is outside the valid range 0 .. 1e+09 pJ"));
  CHECK(contains(e, "technology.components[0].energy_pj"));

  e = parse_error("    - {class: flux_capacitor, bits: 8, energy_pj: 1}\n");
  CHECK(contains(e, "unknown component class 'flux_capacitor'"));

  e = parse_error("    - {class: fp_adder, format: fp12, energy_pj: 1}\n");
  CHECK(contains(e, "unknown number format 'fp12'"));

  e = parse_error("    - {class: fp_adder, format: int8, energy_pj: 1}\n");
  CHECK(contains(e, "floating-point"));

  e = parse_error("    - {class: pe, kind: mac_int7, energy_pj: {mac: 1}}\n");
  CHECK(contains(e, "unknown PE kind 'mac_int7'"));

  e = parse_error("    - {class: pe, kind: mac_int8, energy_pj: {exp: 1}}\n");
  CHECK(contains(e, "does not perform the action 'exp'"));

  e = parse_error("    - {class: pe, kind: mac_int8, energy_pj: {multiply: 1}}\n");
  CHECK(contains(e, "unknown PE action 'multiply'"));

  e = parse_error("    - {class: int_adder, bits: 8}\n");
  CHECK(contains(e, "needs `energy_pj`, `area_um2` or both"));

  e = parse_error("    - {class: int_adder, bits: 100000, energy_pj: 1}\n");
  CHECK(contains(e, "between 1 and"));

  e = parse_error(
      "    - {class: int_adder, bits: 8, energy_pj: 1}\n"
      "    - {class: int_adder, bits: 8, energy_pj: 2}\n");
  CHECK(contains(e, "duplicate int_adder entry"));

  e = parse_error("    - {class: pe, kind: mac_int8, power_uw: 10}\n");
  CHECK(contains(e, "missing required key 'clock_mhz'"));

  e = parse_error("    - {class: sram, capacity: 0 B, width_bits: 64, read_pj: 1}\n");
  CHECK(contains(e, "capacity"));
}

TEST_CASE("a technology table needs its header keys and components", "[arch][tech]") {
  auto body = [](const std::string& text) { return YamlDocument::load_string(text, "h.yaml").body(); };
  CHECK_THROWS_AS(parse_technology_table(body("technology:\n  name: t\n  source: s\n  components: []\n")), SpecError);
  CHECK_THROWS_WITH(
      parse_technology_table(body("technology:\n  name: t\n  node_nm: 45\n  source: s\n  components: []\n")),
      Catch::Contains("at least one component"));
  CHECK_THROWS_WITH(
      parse_technology_table(body("technology:\n  name: t\n  node_nm: -3\n  source: s\n  components: []\n")),
      Catch::Contains("outside the valid range 1 .. 1000 nm"));
  CHECK_THROWS_WITH(parse_technology_table(
                        body("technology:\n  name: t\n  node: 45\n  node_nm: 45\n  source: s\n  components: []\n")),
                    Catch::Contains("unknown key 'node'"));
}

TEST_CASE("technology files are found by bundled name or by path beside the referring file", "[arch][tech]") {
  std::string bundled = find_technology_file("horowitz45");
  CHECK(std::filesystem::path(bundled).filename() == "horowitz45.yaml");
  CHECK_THROWS_WITH(find_technology_file("horowitz99"), Catch::Contains("bundled tables: aladdin40"));

  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "einsim_tech_find_test";
  fs::create_directories(dir / "tables");
  {
    std::ofstream out(dir / "tables" / "mine.yaml");
    out << "technology:\n  name: mine\n  node_nm: 45\n  source: s\n  components:\n"
           "    - {class: int_adder, bits: 8, energy_pj: 1}\n";
  }
  std::string referring = (dir / "arch.yaml").string();
  std::string found = find_technology_file("tables/mine.yaml", referring);
  CHECK(fs::equivalent(found, dir / "tables" / "mine.yaml"));
  CHECK(load_technology_table(found).name == "mine");
  CHECK_THROWS_AS(find_technology_file("tables/other.yaml", referring), Error);
  fs::remove_all(dir);
}

TEST_CASE("loading a file of another kind as a technology table fails", "[arch][tech]") {
  namespace fs = std::filesystem;
  fs::path f = fs::temp_directory_path() / "einsim_tech_wrong_kind.yaml";
  {
    std::ofstream out(f);
    out << "workload:\n  name: w\n";
  }
  CHECK_THROWS_WITH(load_technology_table(f.string()), Catch::Contains("expected a `technology:` file"));
  fs::remove(f);
}

TEST_CASE("a table file is parsed once while it is unchanged", "[arch][tech]") {
  namespace fs = std::filesystem;
  fs::path f = fs::temp_directory_path() / "einsim_tech_shared_test.yaml";
  auto write = [&](const std::string& name) {
    std::ofstream out(f);
    out << "technology:\n  name: " << name << "\n  node_nm: 45\n  source: s\n  components:\n"
        << "    - {class: int_adder, bits: 8, energy_pj: 1}\n";
  };
  write("first");
  auto a = load_technology_table_shared(f.string());
  auto b = load_technology_table_shared(f.string());
  CHECK(a == b);  // the same parsed table, not a second parse
  CHECK(a->name == "first");
  // A changed file (here a longer name, so a different size) is parsed again.
  write("second_table");
  auto c = load_technology_table_shared(f.string());
  CHECK(c != a);
  CHECK(c->name == "second_table");
  CHECK(a->name == "first");  // earlier holders keep what they read
  // A file that no longer parses is an error, not the last good table.
  {
    std::ofstream out(f);
    out << "technology:\n  name: broken\n";
  }
  CHECK_THROWS_AS(load_technology_table_shared(f.string()), Error);
  fs::remove(f);
}
