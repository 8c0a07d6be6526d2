// One home for a PE family's traits (arch/pe/pe_traits.hpp): the timing (cycles per point of a
// fused tile), the action counts the energy model multiplies, and the PE arithmetic all read it.
// Table-driven: every operator on a kind of every family, checked against a hand-written table.

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "arch/pe/vector_pe.hpp"
#include "tests/sim/lower/lower_test_support.hpp"

using namespace einsim;

namespace {

// Z[m] = <expr> over A, B, C of 4 elements each: one application of the operator per point.
Einsum one_op(const std::string& expr) {
  static std::vector<EinsumCascade> keep;
  std::string tensors;  // the operands the expression reads
  for (const char* t : {"A", "B", "C"})
    if (expr.find(std::string(t) + "[") != std::string::npos) tensors += fmt::format("    {}: {{ranks: [M]}}\n", t);
  keep.push_back(load_workload(YamlDocument::load_string(fmt::format(R"(workload:
  name: op
  ranks: {{M: 4}}
  format: fp16
  tensors:
{}  einsums:
    - Z[m] = {}
)", tensors, expr), "op.yaml")));
  return keep.back().einsums.back();
}

struct Row {
  PeOp op;
  const char* expr;
  // Expected cycles per application on mac, lmul, vector (taylor), vector (dedicated), mixpe
  // (0: the family lacks the operator); the action it counts.
  int mac, lmul, vec_taylor, vec_dedicated, mixpe;
  PeAction action;
};

// The hand table: FuseMax's costs (1 cycle per element-wise operator, exp a 6-step Taylor series
// unless a vector lane has a dedicated unit, div/sqrt/gelu only on vector lanes, MixPE's
// dequantization unit for add/sub/mul, one shift-and-add per weight bit: 4 for W4).
const Row kRows[] = {
    {PeOp::add, "A[m] + B[m]", 1, 1, 1, 1, 1, PeAction::add},
    {PeOp::sub, "A[m] - B[m]", 1, 1, 1, 1, 1, PeAction::sub},
    {PeOp::mul, "A[m] * B[m]", 1, 1, 1, 1, 1, PeAction::mul},
    {PeOp::div, "A[m] / B[m]", 0, 0, 1, 1, 0, PeAction::div},
    {PeOp::max, "max(A[m], B[m])", 1, 1, 1, 1, 0, PeAction::max},
    {PeOp::min, "min(A[m], B[m])", 1, 1, 1, 1, 0, PeAction::max},
    {PeOp::exp, "exp(A[m])", 6, 6, 6, 1, 0, PeAction::exp},
    {PeOp::sqrt, "sqrt(A[m])", 0, 0, 1, 1, 0, PeAction::div},
    {PeOp::abs, "abs(A[m])", 1, 1, 1, 1, 0, PeAction::add},
    {PeOp::relu, "relu(A[m])", 1, 1, 1, 1, 0, PeAction::add},
    {PeOp::gelu, "gelu(A[m])", 0, 0, 1, 1, 0, PeAction::exp},
    {PeOp::shift_add, "shift_add(A[m], B[m])", 0, 0, 0, 0, 4, PeAction::shift_add},
    {PeOp::dequant, "dequant(A[m], B[m], C[m])", 0, 0, 0, 0, 1, PeAction::dequant},
};

}  // namespace

TEST_CASE("timing, action counts and PE models agree with the PE traits for every operator", "[sim][lower][traits]") {
  struct Kind {
    const char* name;
    bool dedicated;
    int Row::*expected;
  };
  const Kind kinds[] = {{"mac_fp16", false, &Row::mac},          {"lmul_m10", false, &Row::lmul},
                        {"vector_fp16", false, &Row::vec_taylor}, {"vector_fp16", true, &Row::vec_dedicated},
                        {"mixpe_w4a16", false, &Row::mixpe}};
  for (const Kind& k : kinds) {
    const PeKind kind = *parse_pe_kind(k.name);
    for (const Row& row : kRows) {
      INFO(k.name << (k.dedicated ? " (dedicated exp)" : "") << ": " << row.expr);
      const PeOpTraits t = pe_op_traits(kind, row.op, k.dedicated);
      const int expected = row.*(k.expected);
      // The table.
      CHECK(t.supported == (expected > 0));
      if (expected == 0) {
        // Timing refuses what the family lacks.
        CHECK_THROWS_AS(cycles_per_point(one_op(row.expr), kind, k.dedicated), Error);
        continue;
      }
      CHECK(t.cycles == expected);
      // Timing: the cycles of one point.
      const Einsum e = one_op(row.expr);
      CHECK(cycles_per_point(e, kind, k.dedicated) == t.cycles);
      // Actions: 4 points, one application each (MixPE counts its dequantization unit).
      const PeAction action = kind.family == PeFamily::mixpe && row.op != PeOp::shift_add ? PeAction::dequant
                                                                                           : row.action;
      CHECK(t.action == action);
      const int per = row.op == PeOp::shift_add ? 4 : 1;
      CHECK(t.actions == per);
      CHECK(einsum_actions(e, kind)[action] == 4u * static_cast<uint64_t>(per));
      // The energy rule: a Taylor exp costs as many multiply-adds as it takes cycles.
      if (row.op == PeOp::exp && !k.dedicated) {
        CHECK(t.energy.energy_units == t.cycles);
        CHECK(t.energy.rule == (kind.family == PeFamily::vector ? EnergyRule::lane_mul_add
                                                                : EnergyRule::mac_equivalents));
      }
      // The vector lane's arithmetic and its SystemC module's occupancy.
      if (kind.family == PeFamily::vector) {
        const std::optional<VectorOp> vop = row.op == PeOp::add   ? VectorOp::add
                                            : row.op == PeOp::sub ? VectorOp::sub
                                            : row.op == PeOp::mul ? VectorOp::mul
                                            : row.op == PeOp::div ? VectorOp::div
                                            : row.op == PeOp::max ? VectorOp::max
                                            : row.op == PeOp::exp ? std::optional<VectorOp>(VectorOp::exp)
                                                                  : std::nullopt;
        if (vop) {
          VectorPe lane(kind, k.dedicated ? ExpUnit::dedicated : ExpUnit::taylor_on_mac);
          CHECK(lane.op_cycles(*vop) == t.cycles);
          lane.apply(*vop, 0.5, 0.25);
          CHECK(lane.counts()[t.action] == static_cast<uint64_t>(t.actions));
        }
      }
    }
  }
}
