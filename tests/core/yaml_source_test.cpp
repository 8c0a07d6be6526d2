#include <catch2/catch.hpp>

#include "sim/core/yaml_source.hpp"

using namespace einsim;

namespace {
const char* kDoc =
    "workload:\n"            // line 1
    "  name: demo\n"         // line 2
    "  ranks:\n"             // line 3
    "    M: 64\n"            // line 4
    "    K: 32\n"            // line 5
    "  arrays:\n"            // line 6
    "    - name: pe2d\n"     // line 7
    "      rows: 16\n"       // line 8
    "    - name: vec\n"      // line 9
    "      lanes: 8\n";      // line 10
}

TEST_CASE("a document's kind is its top-level key", "[core][yaml]") {
  auto doc = YamlDocument::load_string(kDoc, "demo.yaml");
  CHECK(doc.kind() == "workload");
  CHECK(doc.body().path() == "workload");
  CHECK(doc.body().at("name").as_string() == "demo");
}

TEST_CASE("errors name file, 1-based line and column, and YAML path", "[core][yaml]") {
  auto doc = YamlDocument::load_string(kDoc, "demo.yaml");
  SpecNode m = doc.body().at("ranks").at("M");
  CHECK(m.as_int() == 64);
  SourceLocation loc = m.location();
  CHECK(loc.file == "demo.yaml");
  CHECK(loc.line == 4);
  CHECK(loc.column == 8);  // "    M: 64": the value starts in column 8
  CHECK(loc.yaml_path == "workload.ranks.M");
  try {
    doc.body().at("name").as_int();
    FAIL("expected an error");
  } catch (const SpecError& e) {
    CHECK(std::string(e.what()) == "demo.yaml:2:9: at workload.name: expected an integer, found 'demo'");
  }
}

TEST_CASE("missing and unknown and duplicate keys are reported", "[core][yaml]") {
  auto doc = YamlDocument::load_string(kDoc, "demo.yaml");
  CHECK_THROWS_WITH(doc.body().at("einsums"), Catch::Contains("missing required key 'einsums'"));
  CHECK_THROWS_WITH(doc.body().check_keys({"name", "ranks"}),
                    Catch::Contains("unknown key 'arrays'") && Catch::Contains("demo.yaml:6:"));
  auto dup = YamlDocument::load_string("workload:\n  ranks:\n    M: 4\n    M: 8\n", "d.yaml");
  CHECK_THROWS_WITH(dup.body().at("ranks").entries(),
                    Catch::Contains("d.yaml:4:5") && Catch::Contains("key 'M' is given twice"));
}

TEST_CASE("malformed YAML and missing files are SpecErrors with a position", "[core][yaml]") {
  CHECK_THROWS_WITH(YamlDocument::load_string("workload: [1, 2\n", "bad.yaml"),
                    Catch::StartsWith("bad.yaml:") && Catch::Contains("malformed YAML"));
  CHECK_THROWS_WITH(YamlDocument::load_file("/nonexistent/einsim.yaml"),
                    Catch::Contains("/nonexistent/einsim.yaml") && Catch::Contains("cannot open file"));
  auto unknown = YamlDocument::load_string("workloads:\n  a: 1\n", "k.yaml");
  CHECK_THROWS_WITH(unknown.kind(), Catch::Contains("unknown top-level key 'workloads'"));
  auto scalar = YamlDocument::load_string("42\n", "s.yaml");
  CHECK_THROWS_AS(scalar.kind(), SpecError);
}

TEST_CASE("set overrides follow dotted paths and list indices and item names", "[core][yaml]") {
  auto doc = YamlDocument::load_string(kDoc, "demo.yaml");
  doc.apply_override("ranks.M=4096");
  doc.apply_override("arrays.pe2d.rows=32");
  doc.apply_override("arrays[1].lanes=4");
  doc.apply_override("arrays.1.name=vector");
  SpecNode body = doc.body();
  CHECK(body.at("ranks").at("M").as_int() == 4096);
  CHECK(body.at("ranks").at("K").as_int() == 32);
  CHECK(body.at("arrays").items()[0].at("rows").as_int() == 32);
  CHECK(body.at("arrays").items()[1].at("lanes").as_int() == 4);
  CHECK(body.at("arrays").items()[1].at("name").as_string() == "vector");
  // A value that came from the command line says so in errors.
  auto loc = body.at("ranks").at("M").location();
  CHECK(loc.origin == "--set ranks.M=4096");
  CHECK(loc.line == 0);
}

TEST_CASE("a set override on a path that does not exist is an error", "[core][yaml]") {
  auto doc = YamlDocument::load_string(kDoc, "demo.yaml");
  CHECK_THROWS_WITH(doc.apply_override("ranks.N=3"), Catch::Contains("no key 'N' in workload.ranks"));
  CHECK_THROWS_WITH(doc.apply_override("arrays.nope.rows=3"), Catch::Contains("no item named 'nope'"));
  CHECK_THROWS_WITH(doc.apply_override("arrays[5].rows=3"), Catch::Contains("has 2 items"));
  CHECK_THROWS_WITH(doc.apply_override("name.x=3"), Catch::Contains("it has no 'x'"));
  CHECK_THROWS_WITH(doc.apply_override("ranks.M"), Catch::Contains("expected PATH=VALUE"));
  CHECK_THROWS_WITH(doc.apply_override("ranks.M=[1,"), Catch::Contains("not valid YAML"));
}

TEST_CASE("an override may add the keys it is missing when asked to", "[core][yaml]") {
  auto doc = YamlDocument::load_string("workload:\n  name: child\n  extends: base.yaml\n", "child.yaml");
  CHECK_THROWS_WITH(doc.apply_override("ranks.P=16"), Catch::Contains("no key 'ranks'"));
  doc.apply_override("ranks.P=16", true);
  doc.apply_override("ranks.B=1", true);
  CHECK(doc.body().at("ranks").at("P").as_int() == 16);
  CHECK(doc.body().at("ranks").at("B").as_int() == 1);
  // Other errors stay errors: a path through a scalar, a list item that is not there.
  CHECK_THROWS_WITH(doc.apply_override("name.x=3", true), Catch::Contains("it has no 'x'"));
}

TEST_CASE("integers accept underscores and exact exponents and doubles accept infinities",
          "[core][yaml]") {
  auto doc = YamlDocument::load_string("workload:\n  a: 1_048_576\n  b: 1e6\n  c: 1.5\n  d: -.inf\n");
  auto b = doc.body();
  CHECK(b.at("a").as_int() == 1048576);
  CHECK(b.at("b").as_int() == 1000000);
  CHECK_THROWS_WITH(b.at("c").as_int(), Catch::Contains("expected an integer"));
  CHECK(b.at("c").as_double() == 1.5);
  CHECK(b.at("d").as_double() == -HUGE_VAL);
  CHECK(b.as_int_or("missing", 7) == 7);
}

TEST_CASE("YAML inputs: one document, bounded depth and size, valid UTF-8", "[core][yaml][hardening]") {
  using einsim::YamlDocument;
  CHECK_THROWS_WITH(YamlDocument::load_string("workload: {}\n---\nworkload: {}\n", "f.yaml"),
                    Catch::Contains("f.yaml:3:1") && Catch::Contains("2 YAML documents"));
  CHECK_THROWS_WITH(YamlDocument::load_string("workload:\n  name: \"a\xFFz\"\n", "f.yaml"),
                    Catch::Contains("f.yaml:2:11") && Catch::Contains("invalid UTF-8"));
  // 100 levels of nested lists: deeper than the 64 allowed.
  std::string deep = "workload: " + std::string(100, '[') + std::string(100, ']') + "\n";
  CHECK_THROWS_WITH(YamlDocument::load_string(deep, "f.yaml"), Catch::Contains("nested too deeply"));
  // "Billion laughs": 9 levels of 10 aliases expand to 10^9 nodes.
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += (k ? ", *a" : "*a") + std::to_string(i - 1);
    laughs += "]\n";
  }
  CHECK_THROWS_WITH(YamlDocument::load_string(laughs, "f.yaml"), Catch::Contains("aliases"));
}

// Found by fuzz_arch (tests/fuzz/regressions/arch_timeout_stray_comma.yaml): a ',' outside any
// [ ] or { } made yaml-cpp 0.7's LoadAll loop forever, allocating a null document per turn.
TEST_CASE("YAML inputs: a stray comma is malformed YAML, not a hang", "[core][yaml][hardening]") {
  using einsim::YamlDocument;
  CHECK_THROWS_WITH(YamlDocument::load_string(",", "f.yaml"),
                    Catch::Contains("f.yaml:1:1") && Catch::Contains("malformed YAML"));
  CHECK_THROWS_WITH(YamlDocument::load_string("# a comment\n, a 25\n", "f.yaml"),
                    Catch::Contains("f.yaml:2:1") && Catch::Contains("malformed YAML"));
  CHECK_THROWS_WITH(YamlDocument::load_string("[a]\n,\n", "f.yaml"), Catch::Contains("malformed YAML"));
  CHECK_THROWS_WITH(YamlDocument::load_string("\"x\" ,\n", "f.yaml"), Catch::Contains("malformed YAML"));
  CHECK_THROWS_WITH(YamlDocument::load_string("--- ,\n", "f.yaml"), Catch::Contains("malformed YAML"));
  CHECK_THROWS_AS(YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) +
                                          "/tests/fuzz/regressions/arch_timeout_stray_comma.yaml"),
                  einsim::SpecError);
  // Documents that parse still do, and an empty stream is an empty document.
  CHECK(YamlDocument::load_string("workload: {a: [1, 2]}\n", "f.yaml").kind() == "workload");
  CHECK(YamlDocument::load_string("--- \nworkload: {}\n...\n", "f.yaml").kind() == "workload");
  CHECK(YamlDocument::load_string("", "f.yaml").root().is_null());
}

// Found by fuzz_technology (tests/fuzz/regressions/technology_crash_empty_map.yaml): kind() read
// the first entry of an empty top-level map.
TEST_CASE("YAML inputs: an empty top-level map has no kind", "[core][yaml][hardening]") {
  using einsim::YamlDocument;
  CHECK_THROWS_WITH(YamlDocument::load_string("#-\n{}", "f.yaml").kind(),
                    Catch::Contains("f.yaml:2:1") && Catch::Contains("empty map"));
  CHECK_THROWS_AS(YamlDocument::load_file(std::string(EINSIM_SOURCE_DIR) +
                                          "/tests/fuzz/regressions/technology_crash_empty_map.yaml")
                      .body(),
                  einsim::SpecError);
  auto doc = YamlDocument::load_string("{}", "f.yaml");
  CHECK_THROWS_AS(doc.apply_override("a=1"), einsim::SpecError);
}

TEST_CASE("set overrides: a value is one bounded YAML document", "[core][yaml][hardening]") {
  auto doc = einsim::YamlDocument::load_string("workload:\n  ranks: {M: 4}\n", "f.yaml");
  CHECK_THROWS_WITH(doc.apply_override("ranks.M=,"), Catch::Contains("not valid YAML"));
  CHECK_THROWS_WITH(doc.apply_override("ranks.M=1\n---\n2"), Catch::Contains("2 YAML documents"));
  CHECK_THROWS_WITH(doc.apply_override("ranks.M=" + std::string(100, '[') + std::string(100, ']')),
                    Catch::Contains("--set ranks.M=") && Catch::Contains("nested too deeply"));
  std::string laughs = "[&a0 [x, x, x, x, x, x, x, x, x, x]";
  for (int i = 1; i <= 9; ++i) {
    laughs += ", &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += (k ? ", *a" : "*a") + std::to_string(i - 1);
    laughs += "]";
  }
  CHECK_THROWS_WITH(doc.apply_override("ranks.M=" + laughs + "]"), Catch::Contains("aliases"));
  doc.apply_override("ranks.M=8");
  CHECK(doc.body().at("ranks").at("M").as_int() == 8);
}

TEST_CASE("set overrides: list indices are plain numbers and messages keep the typed prefix", "[core][yaml][hardening]") {
  auto doc = einsim::YamlDocument::load_string("workload:\n  einsums: [a, b]\n", "f.yaml");
  CHECK_THROWS_WITH(doc.apply_override("einsums[-1]=c"), Catch::Contains("bad list index '[-1]'"));
  CHECK_THROWS_WITH(doc.apply_override("einsums[99999999999999999999]=c"), Catch::Contains("bad list index"));
  CHECK_THROWS_WITH(doc.apply_override("nokey=1", false, "workload.nokey=1"),
                    Catch::Contains("--set workload.nokey=1"));
}

// fuzz_set parses its base documents once and overrides a deep copy per input:
// nothing one input sets may reach the next.
TEST_CASE("a deep copy is independent of the document it was copied from", "[core][yaml]") {
  auto doc = YamlDocument::load_string(kDoc, "demo.yaml");
  YamlDocument copy = doc.deep_copy();
  copy.apply_override("ranks.M=4096");
  copy.apply_override("arrays.vec.lanes=[1, 2]");
  copy.apply_override("ranks.N=7", true);
  CHECK(copy.body().at("ranks").at("M").as_int() == 4096);
  CHECK(copy.body().at("ranks").at("N").as_int() == 7);
  CHECK(copy.body().at("ranks").at("M").location().origin == "--set ranks.M=4096");

  CHECK(doc.body().at("ranks").at("M").as_int() == 64);
  CHECK_FALSE(doc.body().at("ranks").has("N"));
  CHECK(doc.body().at("arrays").items()[1].at("lanes").as_int() == 8);
  CHECK(doc.body().at("ranks").at("M").location().origin.empty());
  CHECK(doc.body().at("ranks").at("M").location().line == 4);

  // And the other way: overriding the original leaves an earlier copy alone.
  YamlDocument second = doc.deep_copy();
  doc.apply_override("ranks.K=1");
  CHECK(second.body().at("ranks").at("K").as_int() == 32);
  CHECK(second.kind() == "workload");
  CHECK(second.file() == "demo.yaml");
}
