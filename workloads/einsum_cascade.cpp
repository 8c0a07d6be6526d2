#include "workloads/einsum_cascade.hpp"

#include <fmt/format.h>

namespace einsim {

std::string_view op_name(Op op) {
  switch (op) {
    case Op::add:
      return "add";
    case Op::sub:
      return "sub";
    case Op::mul:
      return "mul";
    case Op::div:
      return "div";
    case Op::neg:
      return "neg";
    case Op::max:
      return "max";
    case Op::min:
      return "min";
    case Op::exp:
      return "exp";
    case Op::sqrt:
      return "sqrt";
    case Op::abs:
      return "abs";
    case Op::relu:
      return "relu";
    case Op::gelu:
      return "gelu";
    case Op::shift_add:
      return "shift_add";
    case Op::dequant:
      return "dequant";
  }
  throw InternalError("op_name: unknown Op");
}

std::string_view reduce_name(ReduceOp r) {
  switch (r) {
    case ReduceOp::sum:
      return "sum";
    case ReduceOp::max:
      return "max";
    case ReduceOp::min:
      return "min";
    case ReduceOp::prod:
      return "prod";
  }
  throw InternalError("reduce_name: unknown ReduceOp");
}

Op reduce_action(ReduceOp r) {
  switch (r) {
    case ReduceOp::sum:
      return Op::add;
    case ReduceOp::max:
      return Op::max;
    case ReduceOp::min:
      return Op::min;
    case ReduceOp::prod:
      return Op::mul;
  }
  throw InternalError("reduce_action: unknown ReduceOp");
}

int64_t checked_mul(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw Error(fmt::format("integer overflow in {}", what));
  return r;
}

int64_t checked_add(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw Error(fmt::format("integer overflow in {}", what));
  return r;
}

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (int64_t e : extents) n = checked_mul(n, e, "the element count of tensor " + name);
  return n;
}

int64_t Tensor::bytes() const {
  const int64_t bits = format_bits(format);
  const int64_t n = elements();
  // ceil(n * bits / 8) without overflowing n * bits.
  const int64_t whole = checked_mul(n / 8, bits, "the size of tensor " + name);
  return checked_add(whole, ((n % 8) * bits + 7) / 8, "the size of tensor " + name);
}

int EinsumCascade::find_rank(std::string_view n) const {
  for (size_t i = 0; i < ranks.size(); ++i)
    if (ranks[i].name == n) return static_cast<int>(i);
  return -1;
}

int EinsumCascade::find_tensor(std::string_view n) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == n) return static_cast<int>(i);
  return -1;
}

std::vector<int> EinsumCascade::base_ranks() const {
  std::vector<int> out;
  for (size_t i = 0; i < ranks.size(); ++i)
    if (ranks[i].parent < 0) out.push_back(static_cast<int>(i));
  return out;
}

std::vector<std::pair<Op, int64_t>> EinsumCascade::total_ops() const {
  constexpr int kOps = static_cast<int>(Op::dequant) + 1;
  std::vector<int64_t> sum(kOps, 0);
  std::vector<bool> seen(kOps, false);
  for (const Einsum& e : einsums) {
    for (const auto& [op, n] : e.map_ops) {
      sum[static_cast<int>(op)] = checked_add(sum[static_cast<int>(op)], n, "the operation count");
      seen[static_cast<int>(op)] = true;
    }
    if (e.reduce_ops > 0) {
      int i = static_cast<int>(reduce_action(e.reduce));
      sum[i] = checked_add(sum[i], e.reduce_ops, "the operation count");
      seen[i] = true;
    }
  }
  std::vector<std::pair<Op, int64_t>> out;
  for (int i = 0; i < kOps; ++i)
    if (seen[i]) out.emplace_back(static_cast<Op>(i), sum[i]);
  return out;
}

}  // namespace einsim
