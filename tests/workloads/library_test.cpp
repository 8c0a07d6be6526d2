// The library workloads: they load, and their tensor sizes and operation
// counts match formulas written here. Counting convention: each operator of
// an Einsum's expression counts once per point of its iteration space; a
// reduction over R ranks counts (points - output points) reduce actions
// (K values are combined with K-1 steps), under the reduce operator's action
// (sum -> add, max -> max, min -> min, prod -> mul).

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/workloads/workload_test_util.hpp"

using namespace einsim;
using einsim::testing::library_path;
using einsim::testing::load_library;
using einsim::testing::op_count;

TEST_CASE("every library file loads and names itself after its file", "[workloads][library]") {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(library_path(""))) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    auto c = load_library(entry.path().filename().string());
    CHECK(c.name == entry.path().stem().string());
    CHECK_FALSE(c.description.empty());
    CHECK_FALSE(c.outputs.empty());
    ++n;
  }
  CHECK(n == 17);
}

TEST_CASE("GEMM op counts and sizes follow M K N", "[workloads][library]") {
  auto c = load_library("gemm.yaml", {"ranks.M=64", "ranks.K=32", "ranks.N=16"});
  const int64_t M = 64, K = 32, N = 16;
  auto ops = c.total_ops();
  CHECK(op_count(ops, Op::mul) == M * K * N);
  CHECK(op_count(ops, Op::add) == M * (K - 1) * N);
  CHECK(ops.size() == 2);
  CHECK(c.tensors[c.find_tensor("A")].bytes() == M * K * 2);
  CHECK(c.tensors[c.find_tensor("B")].bytes() == K * N * 2);
  CHECK(c.tensors[c.find_tensor("Z")].bytes() == M * N * 4);
}

TEST_CASE("conv2d op counts and input size follow the Timeloop formulas", "[workloads][library]") {
  auto c = load_library("conv2d.yaml");
  const int64_t N = 1, K = 64, C = 64, P = 56, Q = 56, R = 3, S = 3;
  const int64_t H = (P - 1) + R, W = (Q - 1) + S;
  auto ops = c.total_ops();
  CHECK(op_count(ops, Op::mul) == N * K * C * P * Q * R * S);
  CHECK(op_count(ops, Op::add) == N * K * P * Q * (C * R * S - 1));
  CHECK(c.tensors[c.find_tensor("I")].bytes() == N * C * H * W);  // int8
  CHECK(c.tensors[c.find_tensor("O")].bytes() == N * K * P * Q * 4);
}

TEST_CASE("FuseMax attention op counts follow the cascade", "[workloads][library]") {
  auto c = load_library("attention_fusemax.yaml", {"ranks.M=4096"});
  const int64_t B = 64, H = 12, P = 1024, M = 4096, E = 64, F = 64, M0 = 256, M1 = M / M0;
  auto ops = c.total_ops();
  // mul: QK (BHMPE), SPD (BH M1 P), SLNV (BHFMP), SPNV (BHF M1 P).
  CHECK(op_count(ops, Op::mul) == B * H * M * P * E + B * H * M1 * P + B * H * F * M * P + B * H * F * M1 * P);
  // exp: SLN (BHMP) and PRM (BH M1 P).
  CHECK(op_count(ops, Op::exp) == B * H * M * P + B * H * M1 * P);
  // max: LM reduces M0 (BH M1 P (M0-1)), RM maps (BH M1 P).
  CHECK(op_count(ops, Op::max) == B * H * M1 * P * (M0 - 1) + B * H * M1 * P);
  // div: one per output element of AV.
  CHECK(op_count(ops, Op::div) == B * H * F * P);
  // RM, RD, RNV hold M1 + 1 slices.
  CHECK(c.tensors[c.find_tensor("RNV")].extents == std::vector<int64_t>{B, H, F, M1 + 1, P});
  CHECK(c.tensors[c.find_tensor("QK")].bytes() == B * H * M * P * 2);
}

TEST_CASE("the quantized GEMM stores int4 weights in half a byte each", "[workloads][library]") {
  auto c = load_library("gemm_groupwise_quant.yaml", {"partitions.K.K0=64"});
  const int64_t M = 1024, K = 4096, N = 4096, K0 = 64, K1 = K / K0;
  CHECK(c.tensors[c.find_tensor("W")].bytes() == K * N / 2);
  CHECK(c.tensors[c.find_tensor("Zp")].bytes() == K1 * N / 2);
  CHECK(c.tensors[c.find_tensor("S")].bytes() == K1 * N * 2);
  auto ops = c.total_ops();
  CHECK(op_count(ops, Op::shift_add) == M * K * N);
  CHECK(op_count(ops, Op::sub) == K * N);
  // Scale once per group: M N K1 multiplies, not M N K.
  CHECK(op_count(ops, Op::mul) == M * N * K1);
  CHECK(op_count(ops, Op::add) == M * N * K1 * (K0 - 1) + M * N * (K1 - 1));
}

TEST_CASE("transformer layers take their shapes from the model parameters", "[workloads][library]") {
  struct Model {
    const char* file;
    int64_t batch, seq, d_model, heads, head_dim, ffn;
  };
  const Model models[] = {
      {"bert_base.yaml", 64, 1024, 768, 12, 64, 3072},
      {"trxl.yaml", 64, 1024, 1024, 16, 64, 4096},
      {"t5.yaml", 64, 1024, 512, 8, 64, 2048},
      {"xlm.yaml", 64, 1024, 2048, 16, 128, 8192},
      {"vit_b.yaml", 1, 197, 768, 12, 64, 3072},
      {"vit_h.yaml", 1, 257, 1280, 16, 80, 5120},
      {"opt_6_7b.yaml", 1, 2048, 4096, 32, 128, 16384},
      {"llama2_7b.yaml", 1, 4096, 4096, 32, 128, 11008},
      {"llama2_13b.yaml", 1, 4096, 5120, 40, 128, 13824},
  };
  for (const Model& m : models) {
    INFO(m.file);
    auto c = load_library(m.file);
    auto size = [&](const char* r) { return c.ranks[c.find_rank(r)].size; };
    CHECK(size("B") == m.batch);
    CHECK(size("P") == m.seq);
    CHECK(size("M") == m.seq);
    CHECK(size("D") == m.d_model);
    CHECK(size("H") == m.heads);
    CHECK(size("E") == m.head_dim);
    CHECK(size("G") == m.ffn);
    CHECK(c.einsums.size() == 19);
    // FFN weights: 2 * d_model * ffn fp16 values.
    CHECK(c.tensors[c.find_tensor("W1")].bytes() + c.tensors[c.find_tensor("W2")].bytes() == 2 * m.d_model * m.ffn * 2);
    // Projection multiplies: Q, K, V and O are each batch * seq * d_model * heads * head_dim.
    const Einsum& q = c.einsums[0];
    CHECK(op_count(q.map_ops, Op::mul) == m.batch * m.seq * m.d_model * m.heads * m.head_dim);
  }
  // One parameter changes the sequence length everywhere.
  auto c = load_library("bert_base.yaml", {"parameters.seq=65536"});
  CHECK(c.ranks[c.find_rank("M")].size == 65536);
  CHECK(c.ranks[c.find_rank("M1")].size == 65536 / 256);
}
