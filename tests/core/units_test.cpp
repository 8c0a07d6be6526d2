#include <catch2/catch.hpp>

#include "sim/core/units.hpp"

using namespace einsim;

TEST_CASE("sizes and bandwidths and frequencies parse with their units", "[core][units]") {
  CHECK(parse_bytes("16 MiB") == 16.0 * 1024 * 1024);
  CHECK(parse_bytes("512KiB") == 512.0 * 1024);
  CHECK(parse_bytes("1024 bits") == 128.0);
  CHECK(parse_bandwidth("400 GB/s") == 400e9);
  CHECK(parse_bandwidth("50 GB/s") == 50e9);
  CHECK(parse_frequency("940 MHz") == 940e6);
  CHECK(parse_frequency("0.94 GHz") == Approx(940e6));
  CHECK_THROWS_WITH(parse_bytes("16 MiBs"), Catch::Contains("unknown unit 'MiBs'"));
  CHECK_THROWS_WITH(parse_frequency("fast"), Catch::Contains("not a frequency"));
  CHECK_THROWS_AS(parse_bytes("-4 B"), Error);
}

TEST_CASE("unit errors from YAML point at the node", "[core][units]") {
  auto doc = YamlDocument::load_string("architecture:\n  size: 12 parsecs\n", "a.yaml");
  CHECK_THROWS_WITH(read_bytes(doc.body().at("size")),
                    Catch::StartsWith("a.yaml:2:9: at architecture.size:"));
}

TEST_CASE("a bare number without its unit is an error, for every quantity", "[core][units]") {
  CHECK_THROWS_WITH(parse_bytes("3"), Catch::Contains("has no unit") && Catch::Contains("64 KiB"));
  CHECK_THROWS_WITH(parse_bandwidth("100"), Catch::Contains("has no unit") && Catch::Contains("GB/s"));
  CHECK_THROWS_WITH(parse_frequency("700000000"), Catch::Contains("has no unit") && Catch::Contains("MHz"));
  // The unit still scales: 100 B/s is 100, 100 GB/s is 1e11.
  CHECK(parse_bandwidth("100 B/s") == 100.0);
  CHECK(parse_bandwidth("100 GB/s") == 100.0 * 1e9);
}
