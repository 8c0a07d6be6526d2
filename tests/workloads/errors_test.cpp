// Every error of the workload format: its message, file, line, column and YAML path.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/workloads/workload_test_util.hpp"

using namespace einsim;
using einsim::testing::load_error;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Column (1-based) of `token` inside `line` of the text.
int column_of(const std::string& line, const std::string& token) { return static_cast<int>(line.find(token)) + 1; }

}  // namespace

TEST_CASE("a missing workload file is an error naming it", "[workloads][errors]") {
  try {
    load_workload(YamlDocument::load_file("no/such/workload.yaml"));
    FAIL("must throw");
  } catch (const SpecError& e) {
    CHECK(contains(e.what(), "no/such/workload.yaml: cannot open file"));
  }
}

TEST_CASE("malformed YAML is an error with its line", "[workloads][errors]") {
  std::string err = load_error("workload:\n  ranks: {M: 4\n  einsums: []\n");
  CHECK(contains(err, "test.yaml:"));
  CHECK(contains(err, "malformed YAML"));
}

TEST_CASE("an unknown index names its column in the Einsum string", "[workloads][errors]") {
  const std::string line = "    - Z[m] = A[m,x]";
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M, M]}\n  einsums:\n" + line + "\n");
  CHECK(contains(err, "unknown rank for index 'x'"));
  CHECK(contains(err, "test.yaml:6:" + std::to_string(column_of(line, "x]")) + ": at workload.einsums[0]"));
}

TEST_CASE("an unknown rank in a tensor declaration or as a rank name is an error", "[workloads][errors]") {
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M, Q]}\n  einsums:\n    - Z[m] = A[m,m]\n");
  CHECK(contains(err, "test.yaml:4:"));
  CHECK(contains(err, "unknown rank 'Q'"));
  err = load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[Q]\n");
  CHECK(contains(err, "unknown rank 'Q'"));
}

TEST_CASE("an unknown tensor is an error at its column", "[workloads][errors]") {
  const std::string line = "    - Z[m] = A[m] * Bogus[m]";
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" + line + "\n");
  CHECK(contains(err, "unknown tensor 'Bogus'"));
  CHECK(contains(err, "test.yaml:6:" + std::to_string(column_of(line, "Bogus")) + ":"));
}

TEST_CASE("an unknown function or reduce operator is an error", "[workloads][errors]") {
  const std::string line = "    - Z[m] = tanh(A[m])";
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" + line + "\n");
  CHECK(contains(err, "unknown function 'tanh'"));
  CHECK(contains(err, "test.yaml:6:" + std::to_string(column_of(line, "tanh")) + ":"));
  err = load_error(
      "workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - {expr: \"Z[] = A[m]\", reduce: "
      "avg}\n");
  CHECK(contains(err, "unknown reduce operator 'avg'"));
  CHECK(contains(err, "test.yaml:6:"));
  CHECK(contains(err, "workload.einsums[0].reduce"));
  err = load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = max(A[m])\n");
  CHECK(contains(err, "max takes 2 arguments, found 1"));
  err = load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m] % 2\n");
  CHECK(contains(err, "unexpected character '%'"));
}

TEST_CASE("a quoted Einsum string still gets the column of the offending token", "[workloads][errors]") {
  const std::string line = "    - {expr: \"Z[m] = A[m] + Nope[m]\"}";
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" + line + "\n");
  // Strings parsed from text (not a file) fall back to the node's position.
  CHECK(contains(err, "unknown tensor 'Nope'"));
  CHECK(contains(err, "test.yaml:6:"));
}

TEST_CASE("an unknown number format is an error listing the known ones", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M], format: fp9}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "unknown number format 'fp9'"));
  CHECK(contains(err, "fp8_e4m3"));
  CHECK(contains(err, "test.yaml:4:"));
  CHECK(contains(err, "workload.tensors.A.format"));
  err = load_error(
      "workload:\n  format: int3\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "test.yaml:2:"));
  CHECK(contains(err, "unknown number format 'int3'"));
}

TEST_CASE("a rank given two sizes is an error", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks:\n    M: 4\n    M: 8\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "test.yaml:4:"));
  CHECK(contains(err, "key 'M' is given twice"));
  err = load_error(
      "workload:\n  ranks: {M: 8, M0: 2}\n  partitions:\n    M: {into: [M1, M0], M0: 4}\n  tensors:\n    A: {ranks: "
      "[M]}\n"
      "  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "test.yaml:4:"));
  CHECK(contains(err, "rank M0 is given two sizes: 2 under ranks: and 4 by the partition of M"));
}

TEST_CASE("a tensor written by two Einsums is an error", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n    - Z[m] = A[m] * "
      "2\n");
  CHECK(contains(err, "tensor 'Z' is written by two Einsums (einsums[0] and einsums[1])"));
  CHECK(contains(err, "test.yaml:7:7: at workload.einsums[1]"));
}

TEST_CASE("a cycle in the cascade is an error naming it", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - B[m] = A[m] + C[m]\n"
      "    - C[m] = B[m] * 2\n");
  CHECK(contains(err, "cycle in the cascade: B -> C -> B"));
  CHECK(contains(err, "test.yaml:6:"));
  // A tensor read at its own point is a cycle too (only x -> x+1 is a recurrence).
  err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - B[m] = A[m] + B[m]\n");
  CHECK(contains(err, "cycle in the cascade: B -> B"));
}

TEST_CASE("an output index that appears nowhere on the right is an error", "[workloads][errors]") {
  const std::string line = "    - Z[m,n] = A[m]";
  std::string err =
      load_error("workload:\n  ranks: {M: 4, N: 2}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" + line + "\n");
  CHECK(contains(err, "output index 'n' appears nowhere on the right-hand side"));
  CHECK(contains(err, "test.yaml:6:" + std::to_string(column_of(line, "n]")) + ":"));
  err = load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m+2] = A[m]\n");
  CHECK(contains(err, "output index 'm+2' must be a plain index (m) or a recurrence (m+1)"));
}

TEST_CASE("a partition that does not divide its rank is an error unless padded", "[workloads][errors]") {
  const std::string yaml =
      "workload:\n  ranks: {M: 10}\n  partitions:\n    M: {into: [M1, M0], M0: 4}\n  tensors:\n    A: {ranks: [M]}\n"
      "  einsums:\n    - Z[m1] = A[m1,m0]\n";
  std::string err = load_error(yaml);
  CHECK(contains(err, "partition of M (size 10) into M1 x M0 with M0 = 4 leaves a remainder of 2"));
  CHECK(contains(err, "test.yaml:4:"));
  CHECK(contains(err, "workload.partitions.M.M0"));
  std::string padded = yaml;
  padded.replace(padded.find("M0: 4}"), 6, "M0: 4, remainder: pad}");
  CHECK(load_error(padded).empty());
}

TEST_CASE("an access with the wrong number of indices is an error", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks: {M: 4, K: 2}\n  tensors:\n    A: {ranks: [M, K]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "tensor A has 2 ranks [M, K] but is accessed with 1 index"));
  CHECK(contains(err, "test.yaml:6:14:"));
}

TEST_CASE("an index outside its tensor is an error", "[workloads][errors]") {
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m+1]\n");
  CHECK(contains(err, "reaches coordinates 1 to 4, outside rank M of size 4"));
}

TEST_CASE("a zero or negative rank size is an error", "[workloads][errors]") {
  std::string err =
      load_error("workload:\n  ranks: {M: 0}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "rank M has size 0: sizes must be positive"));
  CHECK(contains(err, "test.yaml:2:"));
  err = load_error("workload:\n  ranks: {M: 3 - 5}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "rank M has size -2"));
  err = load_error("workload:\n  ranks: {M: 4 / 0}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "division by zero"));
}

TEST_CASE("integer overflow in sizes is an error", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks: {M: 4000000000 * 4000000000}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = "
      "A[m]\n");
  CHECK(contains(err, "integer overflow"));
  CHECK(contains(err, "test.yaml:2:"));
  err = load_error(
      "workload:\n  ranks: {M: 4000000000, N: 4000000000, K: 4000000000}\n  tensors:\n    A: {ranks: [M, N]}\n"
      "    B: {ranks: [N, K]}\n  einsums:\n    - Z[m,k] = A[m,n] * B[n,k]\n");
  CHECK(contains(err, "integer overflow"));
}

TEST_CASE("a recurrent tensor needs init and init needs a recurrence", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  ranks: {N: 4}\n  tensors:\n    X: {ranks: [N]}\n  einsums:\n    - R[n+1] = R[n] + X[n]\n");
  CHECK(contains(err, "tensor R is written at n+1 (a recurrence over N) and needs an initial value"));
  err = load_error(
      "workload:\n  ranks: {N: 4}\n  tensors:\n    X: {ranks: [N], init: 0}\n  einsums:\n    - R[n] = X[n]\n");
  CHECK(contains(err, "init: is for recurrent tensors"));
}

TEST_CASE("an undeclared input or an unused declaration is an error", "[workloads][errors]") {
  std::string err = load_error("workload:\n  ranks: {N: 4}\n  tensors:\n    X: {}\n  einsums:\n    - R[n] = X[n]\n");
  CHECK(contains(err, "input tensor 'X' needs its ranks:"));
  err = load_error(
      "workload:\n  ranks: {N: 4}\n  tensors:\n    X: {ranks: [N]}\n    Y: {ranks: [N]}\n  einsums:\n    - R[n] = "
      "X[n]\n");
  CHECK(contains(err, "tensor 'Y' is declared but no Einsum reads or writes it"));
  CHECK(contains(err, "test.yaml:5:"));
}

TEST_CASE("a typo in a key is an error naming the allowed keys", "[workloads][errors]") {
  std::string err = load_error("workload:\n  rank: {N: 4}\n  einsums:\n    - R[n] = X[n]\n");
  CHECK(contains(err, "unknown key 'rank'"));
  CHECK(contains(err, "test.yaml:2:"));
}

TEST_CASE("syntax errors in an Einsum point at the token", "[workloads][errors]") {
  const std::string line = "    - Z[m] = A[m] * (A[m] + 1";
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" + line + "\n");
  CHECK(contains(err, "expected ')' to close '('"));
  std::string deep = "    - Z[m] = " + std::string(200, '(') + "A[m]" + std::string(200, ')');
  err = load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" + deep + "\n");
  CHECK(contains(err, "expression nested too deeply"));
  err = load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] A[m]\n");
  CHECK(contains(err, "expected '=' after the output"));
}

TEST_CASE("a cycle of extends is an error", "[workloads][errors]") {
  const std::string dir = std::string("/tmp/einsim_extends_cycle_") + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  {
    std::ofstream a(dir + "/a.yaml");
    a << "workload:\n  extends: b.yaml\n";
    std::ofstream b(dir + "/b.yaml");
    b << "workload:\n  extends: a.yaml\n";
  }
  try {
    load_workload(YamlDocument::load_file(dir + "/a.yaml"));
    FAIL("must throw");
  } catch (const SpecError& e) {
    CHECK(contains(e.what(), "cycle of extends: a.yaml -> b.yaml -> a.yaml"));
    CHECK(contains(e.what(), "b.yaml:2:"));
  }
  try {
    std::ofstream c(dir + "/c.yaml");
    c << "workload:\n  extends: missing.yaml\n";
    c.close();
    load_workload(YamlDocument::load_file(dir + "/c.yaml"));
    FAIL("must throw");
  } catch (const SpecError& e) {
    CHECK(contains(e.what(), "extends: cannot open file"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("Einsum errors in a file get the exact column", "[workloads][errors]") {
  const std::string dir = std::string("/tmp/einsim_cols_") + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string line = "    - {expr: \"Z[m] = A[m] + Nope[m]\"}";
  {
    std::ofstream f(dir + "/w.yaml");
    f << "workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n" << line << "\n";
  }
  try {
    load_workload(YamlDocument::load_file(dir + "/w.yaml"));
    FAIL("must throw");
  } catch (const SpecError& e) {
    CHECK(e.location().line == 6);
    CHECK(e.location().column == column_of(line, "Nope"));
    CHECK(e.location().yaml_path == "workload.einsums[0].expr");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a parameter named like an index is an error", "[workloads][errors]") {
  std::string err = load_error(
      "workload:\n  parameters: {n: 4}\n  ranks: {N: n}\n  tensors:\n    X: {ranks: [N]}\n  einsums:\n    - R[n] = "
      "X[n]\n");
  CHECK(contains(err, "parameter 'n' has the name of the index of rank N"));
  CHECK(contains(err, "test.yaml:2:"));
}

TEST_CASE("overlong expressions and deep size definitions are errors", "[workloads][errors]") {
  std::string sum = "A[m]";
  for (int i = 0; i < 5000; ++i) sum += " + A[m]";
  std::string err =
      load_error("workload:\n  ranks: {M: 4}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = " + sum + "\n");
  CHECK(contains(err, "expression too long (more than 4096 operators)"));
  // p0 = p1 + 1, p1 = p2 + 1, ...: resolving p0 nests 200 definitions.
  std::string params = "  parameters:\n";
  for (int i = 0; i < 199; ++i) params += "    p" + std::to_string(i) + ": p" + std::to_string(i + 1) + " + 1\n";
  params += "    p199: 1\n";
  err = load_error("workload:\n" + params + "  ranks: {M: p199}\n  tensors:\n    A: {ranks: [M]}\n  einsums:\n    - Z[m] = A[m]\n");
  CHECK(contains(err, "definitions of sizes nest too deeply"));
}
