// The reference evaluator against loops written here: attention (3-, 2- and
// 1-pass cascades all equal softmax(QK^T)V), GEMM, convolution, quantized GEMM.

#include "workloads/evaluator.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "tests/workloads/workload_test_util.hpp"
#include "workloads/cascade_graph.hpp"

using namespace einsim;
using einsim::testing::load_library;

namespace {

std::map<std::string, TensorValues> run(const EinsumCascade& c, uint64_t seed = 1) {
  CascadeGraph g(c);
  EvalOptions o;
  o.seed = seed;
  return evaluate_cascade(c, g, o);
}

// softmax(Q^T K) V per batch and head, directly: AV[b,h,f,p].
std::vector<double> reference_attention(const std::map<std::string, TensorValues>& v, int64_t B, int64_t H, int64_t P,
                                        int64_t M, int64_t E, int64_t F) {
  const auto& Q = v.at("Q");
  const auto& K = v.at("K");
  const auto& V = v.at("V");
  std::vector<double> out(static_cast<size_t>(B * H * F * P));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t p = 0; p < P; ++p) {
        std::vector<double> s(static_cast<size_t>(M));
        double mx = -INFINITY;
        for (int64_t m = 0; m < M; ++m) {
          double dot = 0;
          for (int64_t e = 0; e < E; ++e) dot += Q.at({b, h, e, p}) * K.at({b, h, e, m});
          s[m] = dot;
          mx = std::max(mx, dot);
        }
        double den = 0;
        for (double& x : s) {
          x = std::exp(x - mx);
          den += x;
        }
        for (int64_t f = 0; f < F; ++f) {
          double num = 0;
          for (int64_t m = 0; m < M; ++m) num += s[m] * V.at({b, h, f, m});
          out[((b * H + h) * F + f) * P + p] = num / den;
        }
      }
  return out;
}

// max |a - b| / max |b|
double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

const std::vector<std::string> kSmallAttention = {"ranks.B=2",  "ranks.H=2", "ranks.P=5",
                                                  "ranks.M=12", "ranks.E=3", "ranks.F=4"};

}  // namespace

TEST_CASE("the 3-pass 2-pass and 1-pass attention cascades all equal softmax(QK^T)V", "[workloads][evaluator]") {
  const int64_t B = 2, H = 2, P = 5, M = 12, E = 3, F = 4;
  std::vector<std::string> tiled = kSmallAttention;
  tiled.push_back("partitions.M.M0=4");
  auto three = run(load_library("attention_3pass.yaml", kSmallAttention), 7);
  auto two = run(load_library("attention_2pass.yaml", tiled), 7);
  auto one = run(load_library("attention_fusemax.yaml", tiled), 7);
  // Same seed and tensor names: the same inputs.
  CHECK(three.at("Q").data == one.at("Q").data);
  CHECK(two.at("K").data == one.at("K").data);
  const auto ref = reference_attention(one, B, H, P, M, E, F);
  REQUIRE(one.at("AV").data.size() == ref.size());
  CHECK(relative_error(three.at("AV").data, ref) < 1e-12);
  CHECK(relative_error(two.at("AV").data, ref) < 1e-12);
  CHECK(relative_error(one.at("AV").data, ref) < 1e-12);
}

TEST_CASE("FuseMax's running max ends at the global max and tiles of one key still agree", "[workloads][evaluator]") {
  std::vector<std::string> sets = kSmallAttention;
  sets.push_back("partitions.M.M0=1");  // M1 = 12 tiles of one key
  auto v = run(load_library("attention_fusemax.yaml", sets), 3);
  const auto& QK = v.at("QK");
  const auto& RM = v.at("RM");
  for (int64_t p = 0; p < 5; ++p) {
    double mx = -INFINITY;
    for (int64_t m1 = 0; m1 < 12; ++m1) mx = std::max(mx, QK.at({1, 0, m1, 0, p}));
    CHECK(RM.at({1, 0, 12, p}) == mx);
    CHECK(RM.at({1, 0, 0, p}) == -INFINITY);
  }
  CHECK(relative_error(v.at("AV").data, reference_attention(v, 2, 2, 5, 12, 3, 4)) < 1e-12);
}

TEST_CASE("the GEMM cascade equals the triple loop", "[workloads][evaluator]") {
  const int64_t M = 3, K = 4, N = 5;
  auto v = run(load_library("gemm.yaml", {"ranks.M=3", "ranks.K=4", "ranks.N=5"}), 11);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double z = 0;
      for (int64_t k = 0; k < K; ++k) z += v.at("A").at({m, k}) * v.at("B").at({k, n});
      CHECK(v.at("Z").at({m, n}) == Approx(z).epsilon(1e-14));
    }
}

TEST_CASE("the conv2d cascade equals the loop nest with strides", "[workloads][evaluator]") {
  for (int64_t stride : {1, 2}) {
    INFO("stride " << stride);
    const int64_t N = 1, K = 2, C = 3, P = 4, Q = 3, R = 2, S = 3;
    auto c = load_library("conv2d.yaml", {"ranks.N=1", "ranks.K=2", "ranks.C=3", "ranks.P=4", "ranks.Q=3", "ranks.R=2",
                                          "ranks.S=3", "parameters.Hstride=" + std::to_string(stride),
                                          "parameters.Wstride=" + std::to_string(stride)});
    CHECK(c.ranks[c.find_rank("H")].size == (P - 1) * stride + R);
    CHECK(c.ranks[c.find_rank("W")].size == (Q - 1) * stride + S);
    auto v = run(c, 5);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t p = 0; p < P; ++p)
          for (int64_t q = 0; q < Q; ++q) {
            double o = 0;
            for (int64_t ch = 0; ch < C; ++ch)
              for (int64_t r = 0; r < R; ++r)
                for (int64_t s = 0; s < S; ++s)
                  o += v.at("I").at({n, ch, p * stride + r, q * stride + s}) * v.at("F").at({k, ch, r, s});
            CHECK(v.at("O").at({n, k, p, q}) == Approx(o).epsilon(1e-13));
          }
  }
}

TEST_CASE("the group-wise quantized GEMM equals dequantize-then-multiply", "[workloads][evaluator]") {
  const int64_t M = 2, K = 8, N = 3, K0 = 4;
  auto v =
      run(load_library("gemm_groupwise_quant.yaml", {"ranks.M=2", "ranks.K=8", "ranks.N=3", "partitions.K.K0=4"}), 9);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double z = 0;
      for (int64_t k = 0; k < K; ++k) {
        double w = (v.at("W").at({k, n}) - v.at("Zp").at({k / K0, n})) * v.at("S").at({k / K0, n});
        z += v.at("A").at({m, k}) * w;
      }
      CHECK(v.at("Out").at({m, n}) == Approx(z).epsilon(1e-13));
    }
}

TEST_CASE("a small transformer layer equals its computation written out", "[workloads][evaluator]") {
  auto c = load_library("bert_base.yaml",
                        {"parameters.batch=1", "parameters.seq=4", "parameters.d_model=6", "parameters.heads=2",
                         "parameters.head_dim=3", "parameters.ffn=5", "parameters.tile=2"});
  auto v = run(c, 2);
  const int64_t P = 4, D = 6, H = 2, E = 3, G = 5;
  const auto& X = v.at("X");
  // Attention per head from the layer's own Q, K, V projections.
  std::vector<double> o(static_cast<size_t>(D * P), 0.0);
  for (int64_t h = 0; h < H; ++h) {
    auto proj = [&](const char* w, int64_t e, int64_t s) {
      double x = 0;
      for (int64_t d = 0; d < D; ++d) x += X.at({0, d, s}) * v.at(w).at({d, h, e});
      return x;
    };
    for (int64_t p = 0; p < P; ++p) {
      std::vector<double> sc(P);
      double mx = -INFINITY, den = 0;
      for (int64_t m = 0; m < P; ++m) {
        double dot = 0;
        for (int64_t e = 0; e < E; ++e) dot += proj("WQ", e, p) * proj("WK", e, m);
        sc[m] = dot;
        mx = std::max(mx, dot);
      }
      for (double& x : sc) {
        x = std::exp(x - mx);
        den += x;
      }
      for (int64_t f = 0; f < E; ++f) {
        double av = 0;
        for (int64_t m = 0; m < P; ++m) av += sc[m] * proj("WV", f, m);
        av /= den;
        for (int64_t d = 0; d < D; ++d) o[d * P + p] += av * v.at("WO").at({h, f, d});
      }
    }
  }
  for (int64_t p = 0; p < P; ++p)
    for (int64_t d = 0; d < D; ++d) {
      double y = 0;
      for (int64_t g = 0; g < G; ++g) {
        double u = 0;
        for (int64_t d2 = 0; d2 < D; ++d2) u += o[d2 * P + p] * v.at("W1").at({d2, g});
        y += 0.5 * u * (1 + std::erf(u / std::sqrt(2.0))) * v.at("W2").at({g, d});
      }
      CHECK(v.at("Y").at({0, d, p}) == Approx(y).epsilon(1e-11));
    }
}

TEST_CASE("the evaluator refuses shapes above its element limit", "[workloads][evaluator]") {
  auto c = load_library("attention_fusemax.yaml");
  CascadeGraph g(c);
  try {
    evaluate_cascade(c, g);
    FAIL("must throw");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("the reference evaluator is for small shapes") != std::string::npos);
    CHECK(std::string(e.what()).find("more than the limit of 4194304") != std::string::npos);
  }
  auto small = load_library("gemm.yaml", {"ranks.M=2", "ranks.K=2", "ranks.N=2"});
  CascadeGraph gs(small);
  EvalOptions o;
  o.max_points = 7;  // 8 points
  CHECK_THROWS_AS(evaluate_cascade(small, gs, o), Error);
}

TEST_CASE("given inputs replace random ones and are checked", "[workloads][evaluator]") {
  auto c = load_library("gemm.yaml", {"ranks.M=1", "ranks.K=2", "ranks.N=2"});
  CascadeGraph g(c);
  EvalOptions o;
  o.inputs["A"] = {1, 2};
  o.inputs["B"] = {3, 4, 5, 6};
  auto v = evaluate_cascade(c, g, o);
  CHECK(v.at("Z").at({0, 0}) == 1 * 3 + 2 * 5);
  CHECK(v.at("Z").at({0, 1}) == 1 * 4 + 2 * 6);
  o.inputs["A"] = {1};
  CHECK_THROWS_WITH(evaluate_cascade(c, g, o), Catch::Contains("input A has 2 elements but 1 values were given"));
  o.inputs.erase("A");
  o.inputs["Z"] = {0, 0};
  CHECK_THROWS_WITH(evaluate_cascade(c, g, o), Catch::Contains("'Z' is not an input tensor"));
}
