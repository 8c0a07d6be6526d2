// The workload grammar: every construct of the YAML format and of the Einsum strings.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/workloads/workload_test_util.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/evaluator.hpp"

using namespace einsim;
using einsim::testing::load_text;
using einsim::testing::op_count;

namespace {

std::map<std::string, TensorValues> run(const EinsumCascade& c, const EvalOptions& o = {}) {
  CascadeGraph g(c);
  return evaluate_cascade(c, g, o);
}

}  // namespace

TEST_CASE("a GEMM Einsum infers iteration and reduced ranks", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  name: g
  ranks: {M: 2, K: 3, N: 4}
  tensors:
    A: {ranks: [M, K]}
    B: {ranks: [K, N]}
  einsums:
    - Z[m,n] = A[m,k] * B[k,n]
)");
  REQUIRE(c.einsums.size() == 1);
  const Einsum& e = c.einsums[0];
  CHECK(e.name == "Z");
  CHECK(e.reduce == ReduceOp::sum);
  REQUIRE(e.iteration_ranks.size() == 3);
  CHECK(c.ranks[e.iteration_ranks[0]].name == "M");
  CHECK(c.ranks[e.iteration_ranks[1]].name == "N");
  CHECK(c.ranks[e.iteration_ranks[2]].name == "K");
  REQUIRE(e.reduced_ranks.size() == 1);
  CHECK(c.ranks[e.reduced_ranks[0]].name == "K");
  CHECK(e.iteration_points == 2 * 3 * 4);
  CHECK(e.output_points == 2 * 4);
  // Outputs default to the tensors no Einsum reads; intermediates get the default format.
  REQUIRE(c.outputs.size() == 1);
  CHECK(c.tensors[c.outputs[0]].name == "Z");
  CHECK(c.tensors[c.outputs[0]].format == NumberFormat::fp32);
  CHECK(c.name == "g");
}

TEST_CASE("map-form Einsums take a name and a reduce operator", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 4, N: 3}
  tensors:
    A: {ranks: [M, N]}
  einsums:
    - {name: rowmax, expr: "MX[m] = A[m,n]", reduce: max, description: the max of each row}
    - {expr: "MN[m] = A[m,n]", reduce: min}
    - {expr: "PR[m] = A[m,n]", reduce: prod}
    - SM[m] = A[m,n]
)");
  CHECK(c.einsums[0].name == "rowmax");
  CHECK(c.einsums[0].description == "the max of each row");
  CHECK(c.einsums[0].reduce == ReduceOp::max);
  CHECK(c.einsums[1].reduce == ReduceOp::min);
  CHECK(c.einsums[2].reduce == ReduceOp::prod);
  CHECK(c.einsums[3].reduce == ReduceOp::sum);
  CHECK(c.name == "test");  // no name: the file's stem
  auto v = run(c);
  const auto& a = v.at("A");
  for (int64_t m = 0; m < 4; ++m) {
    double mx = -1e300, mn = 1e300, pr = 1, sm = 0;
    for (int64_t n = 0; n < 3; ++n) {
      double x = a.at({m, n});
      mx = std::max(mx, x);
      mn = std::min(mn, x);
      pr *= x;
      sm += x;
    }
    CHECK(v.at("MX").at({m}) == mx);
    CHECK(v.at("MN").at({m}) == mn);
    CHECK(v.at("PR").at({m}) == Approx(pr).epsilon(1e-14));
    CHECK(v.at("SM").at({m}) == Approx(sm).epsilon(1e-14));
  }
}

TEST_CASE("expressions follow the usual precedence with unary minus and literals", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 3}
  tensors:
    A: {ranks: [M]}
    B: {ranks: [M]}
    C: {ranks: [M]}
  einsums:
    - Z[m] = A[m] + B[m] * C[m] - -2.5 / (A[m] - 1e1) * 2
)");
  EvalOptions o;
  o.inputs["A"] = {1, 2, 3};
  o.inputs["B"] = {4, 5, 6};
  o.inputs["C"] = {7, 8, 9};
  auto v = run(c, o);
  for (int64_t m = 0; m < 3; ++m) {
    double a = o.inputs["A"][m], b = o.inputs["B"][m], cc = o.inputs["C"][m];
    CHECK(v.at("Z").at({m}) == Approx(a + b * cc - -2.5 / (a - 10.0) * 2).epsilon(1e-15));
  }
  // Ops: add, mul, sub (twice), neg, div, mul: each counted once per point.
  const Einsum& e = c.einsums[0];
  CHECK(op_count(e.map_ops, Op::add) == 3);
  CHECK(op_count(e.map_ops, Op::mul) == 6);
  CHECK(op_count(e.map_ops, Op::sub) == 6);
  CHECK(op_count(e.map_ops, Op::neg) == 3);
  CHECK(op_count(e.map_ops, Op::div) == 3);
}

TEST_CASE("every function computes its documented value", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 4}
  tensors:
    X: {ranks: [M]}
    W: {ranks: [M]}
  einsums:
    - E1[m] = exp(X[m])
    - E2[m] = max(X[m], W[m])
    - E3[m] = min(X[m], W[m])
    - E4[m] = abs(X[m])
    - E5[m] = sqrt(abs(X[m]))
    - E6[m] = relu(X[m])
    - E7[m] = gelu(X[m])
    - E8[m] = shift_add(X[m], W[m])
    - E9[m] = dequant(X[m], W[m], 0.5)
)");
  EvalOptions o;
  o.inputs["X"] = {-1.5, 0.25, 2, -0.125};
  o.inputs["W"] = {3, -1, 0.5, -0.25};
  auto v = run(c, o);
  for (int64_t m = 0; m < 4; ++m) {
    double x = o.inputs["X"][m], w = o.inputs["W"][m];
    CHECK(v.at("E1").at({m}) == std::exp(x));
    CHECK(v.at("E2").at({m}) == std::max(x, w));
    CHECK(v.at("E3").at({m}) == std::min(x, w));
    CHECK(v.at("E4").at({m}) == std::fabs(x));
    CHECK(v.at("E5").at({m}) == std::sqrt(std::fabs(x)));
    CHECK(v.at("E6").at({m}) == (x > 0 ? x : 0));
    CHECK(v.at("E7").at({m}) == Approx(0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))).epsilon(1e-15));
    CHECK(v.at("E8").at({m}) == x * w);
    CHECK(v.at("E9").at({m}) == (x - 0.5) * w);
  }
  CHECK(op_count(c.einsums[7].map_ops, Op::shift_add) == 4);
  CHECK(op_count(c.einsums[8].map_ops, Op::dequant) == 4);
  CHECK(op_count(c.einsums[4].map_ops, Op::sqrt) == 4);
  CHECK(op_count(c.einsums[4].map_ops, Op::abs) == 4);
}

TEST_CASE("affine indices read shifted and strided coordinates", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  parameters: {stride: 2}
  ranks:
    P: 3
    R: 2
    H: (P - 1) * stride + R
  tensors:
    I: {ranks: [H]}
    F: {ranks: [R]}
  einsums:
    - O[p] = I[stride*p + r] * F[r]
    - D[p] = I[2*p+1] - I[p+r-1+1]
)");
  CHECK(c.ranks[c.find_rank("H")].size == 6);
  const IndexExpr& ix = c.einsums[0].inputs[0].indices[0];
  REQUIRE(ix.terms.size() == 2);
  CHECK(ix.terms[0].coef == 2);
  CHECK(ix.terms[1].coef == 1);
  EvalOptions o;
  o.inputs["I"] = {1, 2, 3, 4, 5, 6};
  o.inputs["F"] = {10, 100};
  auto v = run(c, o);
  for (int64_t p = 0; p < 3; ++p) {
    CHECK(v.at("O").at({p}) == o.inputs["I"][2 * p] * 10 + o.inputs["I"][2 * p + 1] * 100);
  }
  // D reduces r: sum over r of I[2p+1] - I[p+r].
  for (int64_t p = 0; p < 3; ++p) {
    double want = 0;
    for (int64_t r = 0; r < 2; ++r) want += o.inputs["I"][2 * p + 1] - o.inputs["I"][p + r];
    CHECK(v.at("D").at({p}) == want);
  }
}

TEST_CASE("a partitioned rank is read by its pair of parts or by itself", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 6, N: 2}
  partitions:
    M: {into: [M1, M0], M0: 3}
  tensors:
    A: {ranks: [N, M]}
  einsums:
    - T[n,m1,m0] = A[n,m1,m0]
    - S[n] = T[n,m1,m0] - A[n,m]
)");
  CHECK(c.ranks[c.find_rank("M1")].size == 2);
  CHECK(c.ranks[c.find_rank("M0")].size == 3);
  CHECK(c.ranks[c.find_rank("M1")].parent == c.find_rank("M"));
  const Access& a = c.einsums[0].inputs[0];
  REQUIRE(a.dims.size() == 2);
  CHECK(a.dims[1].inner.has_value());
  CHECK(a.dims[1].inner_size == 3);
  auto v = run(c);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t m = 0; m < 6; ++m) CHECK(v.at("T").at({n, m / 3, m % 3}) == v.at("A").at({n, m}));
  for (int64_t n = 0; n < 2; ++n) CHECK(std::fabs(v.at("S").at({n})) < 1e-12);
}

TEST_CASE("a padded partition rounds the outer part up and reads zeros past the end", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 7}
  partitions:
    M: {into: [M1, M0], M0: 3, remainder: pad}
  tensors:
    A: {ranks: [M]}
  einsums:
    - T[m1] = A[m1,m0]
)");
  CHECK(c.ranks[c.find_rank("M1")].size == 3);  // ceil(7 / 3)
  EvalOptions o;
  o.inputs["A"] = {1, 2, 3, 4, 5, 6, 7};
  auto v = run(c, o);
  CHECK(v.at("T").at({0}) == 6);
  CHECK(v.at("T").at({1}) == 15);
  CHECK(v.at("T").at({2}) == 7);
}

TEST_CASE("a recurrence over x+1 starts from init and its final value is read with the rank name",
          "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {N: 5}
  tensors:
    X: {ranks: [N]}
    R: {init: 1.5}
  einsums:
    - R[n+1] = R[n] * 2 + X[n]
    - F[] = R[N] + 0
)");
  const Tensor& r = c.tensors[c.find_tensor("R")];
  CHECK(r.recurrent_dim == 0);
  CHECK(r.extents[0] == 6);
  REQUIRE(r.init.has_value());
  CHECK(*r.init == 1.5);
  CHECK(c.einsums[0].recurrent_rank == c.find_rank("N"));
  CHECK(c.einsums[0].inputs[0].loop_carried);
  CHECK_FALSE(c.einsums[0].inputs[1].loop_carried);
  EvalOptions o;
  o.inputs["X"] = {1, 2, 3, 4, 5};
  auto v = run(c, o);
  double want = 1.5;
  CHECK(v.at("R").at({0}) == want);
  for (int64_t n = 0; n < 5; ++n) {
    want = want * 2 + o.inputs["X"][n];
    CHECK(v.at("R").at({n + 1}) == want);
  }
  CHECK(v.at("F").at({}) == want);
}

TEST_CASE("bare parameter and rank names are constants in expressions", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  parameters: {scale: 3, base: 2, big: base * 10}
  ranks: {M: 4}
  tensors:
    A: {ranks: [M]}
  einsums:
    - Z[m] = A[m] * scale + M + big
)");
  CHECK(c.parameters.size() == 3);
  CHECK(c.parameters[2].second == 20);
  EvalOptions o;
  o.inputs["A"] = {1, 2, 3, 4};
  auto v = run(c, o);
  CHECK(v.at("Z").at({2}) == 3 * 3 + 4 + 20);
}

TEST_CASE("formats are the file default or per tensor and set tensor bytes", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 3, K: 5}
  format: int8
  tensors:
    A: {ranks: [M, K], format: int4}
    B: {ranks: [K]}
    Z: {format: bf16}
  einsums:
    - Z[m] = A[m,k] * B[k]
)");
  const Tensor& a = c.tensors[c.find_tensor("A")];
  CHECK(a.format == NumberFormat::int4);
  CHECK(a.bytes() == (15 * 4 + 7) / 8);  // 15 int4 values: 7.5 bytes -> 8
  CHECK(c.tensors[c.find_tensor("B")].format == NumberFormat::int8);
  CHECK(c.tensors[c.find_tensor("B")].bytes() == 5);
  CHECK(c.tensors[c.find_tensor("Z")].format == NumberFormat::bf16);
  CHECK(c.tensors[c.find_tensor("Z")].bytes() == 3 * 2);
}

TEST_CASE("rank sizes are expressions over parameters and other ranks", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  parameters: {seq: 8, heads: 2}
  ranks:
    D: heads * E
    E: 4
    P: seq
    M: seq / 2 - (1 - 1)
  tensors:
    A: {ranks: [D, P, M]}
  einsums:
    - Z[d] = A[d,p,m]
)");
  CHECK(c.ranks[c.find_rank("D")].size == 8);
  CHECK(c.ranks[c.find_rank("P")].size == 8);
  CHECK(c.ranks[c.find_rank("M")].size == 4);
}

TEST_CASE("set overrides change ranks and partitions", "[workloads][grammar]") {
  auto doc = YamlDocument::load_string(R"(workload:
  ranks: {M: 8, N: 2}
  partitions:
    M: {into: [M1, M0], M0: 4}
  tensors:
    A: {ranks: [M, N]}
  einsums:
    - Z[n] = A[m1,m0,n]
)",
                                       "test.yaml");
  doc.apply_override("ranks.M=64");
  doc.apply_override("partitions.M.M0=16");
  auto c = load_workload(doc);
  CHECK(c.ranks[c.find_rank("M")].size == 64);
  CHECK(c.ranks[c.find_rank("M1")].size == 4);
  CHECK(c.ranks[c.find_rank("M0")].size == 16);
}

TEST_CASE("extends: loads a base file and overrides its parameters", "[workloads][grammar]") {
  const std::string dir = std::string("/tmp/einsim_extends_") + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  {
    std::ofstream base(dir + "/base.yaml");
    base << "workload:\n  name: base\n  parameters: {rows: 4, cols: 2}\n  ranks: {N: rows, K: cols}\n"
            "  tensors:\n    A: {ranks: [N, K]}\n  einsums:\n    - Z[n] = A[n,k]\n";
    std::ofstream child(dir + "/child.yaml");
    child << "workload:\n  name: child\n  extends: base.yaml\n  parameters: {rows: 16}\n";
  }
  auto c = load_workload(YamlDocument::load_file(dir + "/child.yaml"));
  CHECK(c.name == "child");
  CHECK(c.ranks[c.find_rank("N")].size == 16);
  CHECK(c.ranks[c.find_rank("K")].size == 2);
  CHECK(c.einsums.size() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("explicit outputs replace the default", "[workloads][grammar]") {
  auto c = load_text(R"(workload:
  ranks: {M: 2}
  tensors:
    A: {ranks: [M]}
  einsums:
    - B[m] = A[m] + 1
    - C[m] = B[m] * 2
  outputs: [B, C]
)");
  REQUIRE(c.outputs.size() == 2);
  CHECK(c.tensors[c.outputs[0]].name == "B");
  CHECK(c.tensors[c.outputs[1]].name == "C");
}

TEST_CASE("a recurrence only it reads is an output by default", "[workloads][grammar]") {
  // R reads its own earlier slices and nothing else reads R: its last state is the result.
  auto own = load_text(R"(workload:
  ranks: {M: 4, P: 2}
  tensors: {A: {ranks: [M, P]}, R: {init: 0}}
  einsums: [ "R[m+1,p] = R[m,p] + A[m,p]" ]
)");
  REQUIRE(own.outputs.size() == 1);
  CHECK(own.tensors[own.outputs[0]].name == "R");
  // Read by another Einsum it is an intermediate; that Einsum's result is the output.
  auto read = load_text(R"(workload:
  ranks: {M: 4, P: 2}
  tensors: {A: {ranks: [M, P]}, R: {init: 0}}
  einsums: [ "R[m+1,p] = R[m,p] + A[m,p]", "S[p] = R[M,p] * 2" ]
)");
  REQUIRE(read.outputs.size() == 1);
  CHECK(read.tensors[read.outputs[0]].name == "S");
}

TEST_CASE("tensor files hold row-major numbers with commas and comments", "[workloads][grammar]") {
  const std::string path = std::string("/tmp/einsim_tensor_") + std::to_string(::getpid()) + ".txt";
  {
    std::ofstream f(path);
    f << "# a 2 x 3 tensor\n1, 2.5, -3\n4e-1 5 6  # last row\n";
  }
  auto v = read_tensor_file(path);
  REQUIRE(v.size() == 6);
  CHECK(v[1] == 2.5);
  CHECK(v[3] == 0.4);
  CHECK(v[5] == 6);
  {
    std::ofstream f(path);
    f << "1 2\n3 x4\n";
  }
  try {
    read_tensor_file(path);
    FAIL("a bad number must throw");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(":2: bad number 'x4'") != std::string::npos);
  }
  std::remove(path.c_str());
  CHECK_THROWS_AS(read_tensor_file(path), Error);
}

TEST_CASE("random inputs are uniform between -1 and 1 from the documented bits", "[workloads][grammar]") {
  auto v = random_tensor_values(42, "Q", 1000);
  double lo = 1, hi = -1, sum = 0;
  for (double x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    sum += x;
  }
  CHECK(lo >= -1.0);
  CHECK(hi < 1.0);
  CHECK(std::fabs(sum / 1000) < 0.1);
  CHECK(random_tensor_values(42, "Q", 10) == random_tensor_values(42, "Q", 10));
  CHECK(random_tensor_values(42, "Q", 10) != random_tensor_values(42, "K", 10));
  CHECK(random_tensor_values(42, "Q", 10) != random_tensor_values(43, "Q", 10));
  // The first value from the formula itself: (word >> 11) * 2^-53 * 2 - 1.
  uint64_t h = 1469598103934665603ull;
  h ^= static_cast<unsigned char>('Q');
  h *= 1099511628211ull;
  std::mt19937_64 gen(42 ^ h);
  CHECK(v[0] == static_cast<double>(gen() >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}
