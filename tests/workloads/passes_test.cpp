// Passes per rank of every library cascade, derived by hand from the rules
// in workloads/pass_analysis.hpp, and the tensors live between passes.

#include <catch2/catch.hpp>
#include <map>

#include "tests/workloads/workload_test_util.hpp"
#include "workloads/pass_analysis.hpp"

using namespace einsim;
using einsim::testing::load_library;
using einsim::testing::load_text;

namespace {

std::map<std::string, int> passes_of(const EinsumCascade& c) {
  CascadeGraph g(c);
  std::map<std::string, int> out;
  for (const auto& rp : analyze_passes(c, g)) out[c.ranks[rp.rank].name] = rp.passes;
  return out;
}

// Live tensors over rank `rank`: name -> bytes.
std::map<std::string, int64_t> live_of(const EinsumCascade& c, const std::string& rank) {
  CascadeGraph g(c);
  std::map<std::string, int64_t> out;
  for (const auto& rp : analyze_passes(c, g))
    if (c.ranks[rp.rank].name == rank)
      for (const auto& lt : rp.live) out[c.tensors[lt.tensor].name] = lt.bytes;
  return out;
}

}  // namespace

TEST_CASE("GEMM makes one pass over each rank", "[workloads][passes]") {
  CHECK(passes_of(load_library("gemm.yaml")) == std::map<std::string, int>{{"M", 1}, {"K", 1}, {"N", 1}});
}

TEST_CASE("conv2d makes one pass over each iterated rank and none over H and W", "[workloads][passes]") {
  // H and W size the input but no Einsum iterates them (it iterates p, q, r, s).
  CHECK(passes_of(load_library("conv2d.yaml")) ==
        std::map<std::string, int>{
            {"N", 1}, {"K", 1}, {"C", 1}, {"P", 1}, {"Q", 1}, {"R", 1}, {"S", 1}, {"H", 0}, {"W", 0}});
}

TEST_CASE("classic attention makes 3 passes over M and keeps QK and SN between them", "[workloads][passes]") {
  auto c = load_library("attention_3pass.yaml");
  // QK, GM in pass 1; SN (needs GM after pass 1), SD in pass 2; A (needs SD) and AV in pass 3.
  CHECK(passes_of(c) == std::map<std::string, int>{{"B", 1}, {"H", 1}, {"P", 1}, {"M", 3}, {"E", 1}, {"F", 1}});
  const int64_t B = 64, H = 12, P = 1024, M = 1024, fp16 = 2;
  CHECK(live_of(c, "M") == std::map<std::string, int64_t>{{"QK", B * H * M * P * fp16},
                                                          {"GM", B * H * P * fp16},
                                                          {"SN", B * H * M * P * fp16},
                                                          {"SD", B * H * P * fp16}});
}

TEST_CASE("the 2-pass attention cascade makes 2 passes over M", "[workloads][passes]") {
  auto c = load_library("attention_2pass.yaml");
  // Pass 1: QK, LM, SLN, SLD (GM too: it reads the streaming LM over M1 only).
  // Between: PRM (needs GM complete), SPD, SD over M1 only. Pass 2: SN, A, AV.
  CHECK(passes_of(c) == std::map<std::string, int>{{"B", 1}, {"H", 1}, {"P", 1}, {"M", 2}, {"E", 1}, {"F", 1}});
  const int64_t B = 64, H = 12, P = 1024, M = 1024, M1 = 4, fp16 = 2;
  CHECK(live_of(c, "M") == std::map<std::string, int64_t>{{"SLN", B * H * M * P * fp16},
                                                          {"PRM", B * H * M1 * P * fp16},
                                                          {"SD", B * H * P * fp16}});
}

TEST_CASE("FuseMax's cascade makes 1 pass over M and keeps nothing between passes", "[workloads][passes]") {
  auto c = load_library("attention_fusemax.yaml");
  CHECK(passes_of(c) == std::map<std::string, int>{{"B", 1}, {"H", 1}, {"P", 1}, {"M", 1}, {"E", 1}, {"F", 1}});
  CHECK(live_of(c, "M").empty());
  // Still one pass at a long sequence.
  auto longc = load_library("attention_fusemax.yaml", {"ranks.M=65536"});
  CHECK(passes_of(longc).at("M") == 1);
  CHECK(longc.ranks[longc.find_rank("M1")].size == 65536 / 256);
}

TEST_CASE("the group-wise quantized GEMM makes one pass over K", "[workloads][passes]") {
  // WZ and PS traverse K1 and K0; Out traverses K1 only and reads PS while it streams.
  CHECK(passes_of(load_library("gemm_groupwise_quant.yaml")) ==
        std::map<std::string, int>{{"M", 1}, {"K", 1}, {"N", 1}});
}

TEST_CASE("every transformer layer makes 1 pass over M and 3 over D", "[workloads][passes]") {
  // D: the Q/K/V projections reduce D (pass 1), the output projection O needs
  // AV complete (pass 2, keeps D), U reduces the streaming O (pass 2), GELU
  // runs between passes, and the FFN down projection Y needs it (pass 3).
  const std::map<std::string, int> want{{"B", 1}, {"P", 1}, {"M", 1}, {"D", 3}, {"H", 1}, {"E", 1}, {"F", 1}, {"G", 1}};
  for (const char* f : {"transformer_layer.yaml", "bert_base.yaml", "trxl.yaml", "t5.yaml", "xlm.yaml", "vit_b.yaml",
                        "vit_h.yaml", "opt_6_7b.yaml", "llama2_7b.yaml", "llama2_13b.yaml"}) {
    INFO(f);
    auto c = load_library(f);
    CHECK(passes_of(c) == want);
    CHECK(live_of(c, "M").empty());
  }
}

TEST_CASE("pass rules: full partial and no traversal", "[workloads][passes]") {
  auto c = load_text(R"(workload:
  ranks: {M: 8, P: 2}
  partitions:
    M: {into: [M1, M0], M0: 4}
  tensors:
    A: {ranks: [M, P]}
  einsums:
    - T[m1,p] = A[m1,m0,p]
    - S[p] = T[m1,p]
    - U[m1,p] = T[m1,p] / S[p]
    - V[m1,m0,p] = A[m1,m0,p] * U[m1,p]
    - W[p] = S[p] * 2
)");
  CascadeGraph g(c);
  auto rp = analyze_passes(c, g);
  REQUIRE(rp.size() == 2);
  CHECK(c.ranks[rp[0].rank].name == "M");
  CHECK(rp[0].passes == 2);
  std::map<std::string, EinsumPass> by;
  for (const auto& ep : rp[0].einsums) by[c.einsums[ep.einsum].name] = ep;
  CHECK(by["T"].traversal == Traversal::full);
  CHECK((by["T"].in_pass && by["T"].pass == 1));
  CHECK(by["S"].traversal == Traversal::partial);
  CHECK((by["S"].in_pass && by["S"].pass == 1));  // reads the streaming T
  CHECK(by["U"].traversal == Traversal::partial);
  CHECK((!by["U"].in_pass && by["U"].pass == 1));  // needs S complete: between passes
  CHECK((by["V"].in_pass && by["V"].pass == 2));   // full, needs U after pass 1
  CHECK(by["W"].traversal == Traversal::none);
  CHECK((!by["W"].in_pass && by["W"].pass == 1));
}

TEST_CASE("a subset of a cascade makes its own passes, reading the rest as inputs", "[workloads][passes]") {
  // The 3-pass softmax cut at its passes over M (FLAT's groups when it spills): each part
  // passes over M once, since what earlier parts computed is complete before it starts.
  EinsumCascade c = load_library("attention_3pass.yaml");
  CascadeGraph g(c);
  auto passes_over_m = [&](const std::vector<std::string>& names) {
    std::vector<int> subset;
    for (const auto& n : names)
      for (size_t e = 0; e < c.einsums.size(); ++e)
        if (c.einsums[e].name == n) subset.push_back(static_cast<int>(e));
    REQUIRE(subset.size() == names.size());
    for (const auto& rp : analyze_passes(c, g, subset)) {
      if (c.ranks[rp.rank].name != "M") continue;
      CHECK(rp.einsums.size() == subset.size());  // only the subset's Einsums are listed
      return rp.passes;
    }
    return -1;
  };
  CHECK(passes_over_m({"QK", "GM"}) == 1);
  CHECK(passes_over_m({"SN", "SD"}) == 1);
  CHECK(passes_over_m({"A", "AV"}) == 1);
  CHECK(passes_over_m({"QK", "GM", "SN", "SD"}) == 2);
  CHECK(passes_over_m({"SN", "SD", "A", "AV"}) == 2);
  CHECK(passes_over_m({"QK", "GM", "SN", "SD", "A", "AV"}) == 3);
  // What the subset reads from outside (QK, GM) is an input, never live between its passes.
  const std::vector<int> two = {2, 3, 4, 5};  // SN SD A AV
  for (const auto& rp : analyze_passes(c, g, two)) {
    if (c.ranks[rp.rank].name != "M") continue;
    std::vector<std::string> live;
    for (const auto& lt : rp.live) live.push_back(c.tensors[lt.tensor].name);
    CHECK(live == std::vector<std::string>{"SN", "SD"});
  }
}
