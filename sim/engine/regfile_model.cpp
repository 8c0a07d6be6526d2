#include "sim/engine/regfile_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "sim/core/error.hpp"

namespace einsim {
namespace {

uint64_t mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) throw Error("a register-file access count overflows 64 bits");
  return a * b;
}

uint64_t add(uint64_t a, uint64_t b) {
  if (b > UINT64_MAX - a) throw Error("a register-file access count overflows 64 bits");
  return a + b;
}

uint64_t bytes_of_bits(uint64_t bits) { return (bits + 7) / 8; }

// A value a PE keeps, for the capacity message: "a weight (int8, 1 B)", "2 of operand Q (fp16,
// 4 B)". Its words are only put together when the message is written.
struct Held {
  const char* role;                     // "a weight", or "operand" / "result" of `tensor`
  const std::string* tensor = nullptr;  // the tensor's name, for an operand or a result
  int64_t count = 1;                    // values of it kept at once
  NumberFormat format;
  int64_t bits;

  std::string what() const {
    if (!tensor) return role;
    return count > 1 ? fmt::format("{} of {} {}", count, role, *tensor) : fmt::format("{} {}", role, *tensor);
  }
};

std::string describe(const std::vector<Held>& held) {
  std::string s;
  for (size_t i = 0; i < held.size(); ++i) {
    if (i > 0) s += i + 1 == held.size() ? " and " : ", ";
    s += fmt::format("{} ({}, {})", held[i].what(), format_name(held[i].format),
                     format_bytes(static_cast<double>(held[i].bits) / 8.0));
  }
  return s;
}

// The counts of one level being gathered.
class LevelCounts {
 public:
  explicit LevelCounts(size_t level) { out_.level = level; }

  void add_traffic(int64_t bits, uint64_t reads, uint64_t writes) {
    auto& t = by_bits_[bits];
    t.first = add(t.first, reads);
    t.second = add(t.second, writes);
  }

  // A PE keeps `held` at once: checked against the level's capacity. `who()` names what keeps
  // it, for the message.
  template <class Who>
  void hold(const StorageLevel& level, const std::vector<Held>& held, const Who& who) {
    uint64_t bits = 0;
    for (const auto& h : held) bits += static_cast<uint64_t>(h.bits);
    out_.peak_bits_per_pe = std::max(out_.peak_bits_per_pe, bits);
    const uint64_t capacity_bits = static_cast<uint64_t>(level.capacity_bytes.value_or(0)) * 8;
    if (bits <= capacity_bits) return;
    const std::string total =
        held.size() > 1 ? fmt::format(", {} in all", format_bytes(static_cast<double>(bits) / 8.0)) : "";
    const std::string msg = fmt::format(
        "register file '{}' holds {} per PE, but {} keeps {} in each PE{}; give '{}' a capacity of at least {}",
        level.name, format_bytes(static_cast<double>(capacity_bits) / 8.0), who(), describe(held), total, level.name,
        format_bytes(static_cast<double>(bytes_of_bits(bits))));
    if (level.capacity_location.file.empty()) throw Error(msg);
    throw SpecError(level.capacity_location, msg);
  }

  RegfileGroupCounts finish() {
    for (const auto& [bits, rw] : by_bits_) out_.traffic.push_back({bits, rw.first, rw.second});
    return out_;
  }

 private:
  RegfileGroupCounts out_;
  std::map<int64_t, std::pair<uint64_t, uint64_t>> by_bits_;
};

int array_index(const ArchSpec& arch, const std::string& name) {
  for (size_t a = 0; a < arch.arrays.size(); ++a)
    if (arch.arrays[a].name == name) return static_cast<int>(a);
  throw Error(fmt::format("unknown array '{}'", name));
}

size_t level_index(const ArchSpec& arch, const StorageLevel* level) {
  return static_cast<size_t>(level - arch.storage.data());
}

LevelCounts& counts_for(std::map<size_t, LevelCounts>& m, size_t level) {
  return m.try_emplace(level, level).first->second;
}

// A systolic GEMM (see the header for the formulas).
void count_systolic(const EinsumCascade& c, const ArchSpec& arch, const MappingGroup& g,
                    std::map<size_t, LevelCounts>& levels) {
  const int ai = array_index(arch, g.array);
  const StorageLevel* rf = arch.regfile_of(static_cast<size_t>(ai));
  if (!rf) return;
  const Einsum& e = c.einsums[g.einsums.front()];
  GemmView v;
  if (!as_gemm(c, e, v)) throw Error(fmt::format("Einsum {} is not a GEMM", e.name));
  const ComputeArray& a = arch.arrays[ai];
  const NumberFormat in_f = c.tensors[e.inputs[e.expr.args[0].access].tensor].format;
  const NumberFormat w_f = c.tensors[e.inputs[e.expr.args[1].access].tensor].format;
  const NumberFormat o_f = c.tensors[e.output.tensor].format;
  // Partial sums and accumulators in the wider of the output's and the PE's accumulator format.
  const NumberFormat acc_f = format_bits(o_f) >= format_bits(a.pe.acc) ? o_f : a.pe.acc;
  const int64_t in_b = format_bits(in_f), w_b = format_bits(w_f), acc_b = format_bits(acc_f);
  const uint64_t batch = static_cast<uint64_t>(v.batch_size);
  const uint64_t M = static_cast<uint64_t>(v.m_size), K = static_cast<uint64_t>(v.k_size),
                 N = static_cast<uint64_t>(v.n_size);
  const uint64_t macs = mul(batch, mul(mul(M, K), N));
  LevelCounts& lc = counts_for(levels, level_index(arch, rf));
  auto who = [&] { return fmt::format("the {} dataflow of Einsum {} on {}", dataflow_name(g.dataflow), e.name, a.name); };
  switch (g.dataflow) {
    case Dataflow::weight_stationary:
      lc.add_traffic(w_b, macs, mul(batch, mul(K, N)));  // the weight: written once per fold, read per MAC
      lc.add_traffic(in_b, macs, macs);                  // inputs hop along the rows
      lc.add_traffic(acc_b, macs, macs);                 // partial sums hop down the columns
      lc.hold(*rf, {{"a weight", nullptr, 1, w_f, w_b}}, who);
      break;
    case Dataflow::output_stationary:
      lc.add_traffic(acc_b, macs, macs);  // the accumulator: one read and one write per MAC
      lc.add_traffic(in_b, macs, macs);   // inputs hop along the rows
      lc.add_traffic(w_b, macs, macs);    // weights hop down the columns
      lc.hold(*rf, {{"an accumulator", nullptr, 1, acc_f, acc_b}}, who);
      break;
    case Dataflow::input_stationary:
      lc.add_traffic(in_b, macs, mul(batch, mul(M, K)));  // the input: written once per fold, read per MAC
      lc.add_traffic(w_b, macs, macs);                    // weights hop along the rows
      lc.add_traffic(acc_b, macs, macs);                  // partial sums hop down the columns
      lc.hold(*rf, {{"an input", nullptr, 1, in_f, in_b}}, who);
      break;
  }
}

// The Einsums of a fused group (see the header).
void count_fused(const EinsumCascade& c, const ArchSpec& arch, const MappingGroup& g,
                 std::map<size_t, LevelCounts>& levels) {
  for (const auto& pl : g.placements) {
    const int ai = array_index(arch, pl.array);
    const StorageLevel* rf = arch.regfile_of(static_cast<size_t>(ai));
    if (!rf) continue;
    const Einsum& e = c.einsums[pl.einsum];
    const ComputeArray& a = arch.arrays[ai];
    const uint64_t points = static_cast<uint64_t>(e.iteration_points);
    LevelCounts& lc = counts_for(levels, level_index(arch, rf));
    std::vector<Held> held;
    held.reserve(e.inputs.size() + 1);
    for (const auto& in : e.inputs) {
      const Tensor& t = c.tensors[in.tensor];
      // Filled on arrival (once per `reuse` points under the group's register-file loops), read by
      // the datapath at every point; the register file holds its tile of the operand.
      const PeReuse u = pe_reuse(c, g, pl, in);
      lc.add_traffic(format_bits(t.format), points, points / static_cast<uint64_t>(u.reuse));
      held.push_back({"operand", &t.name, u.held, t.format, format_bits(t.format) * u.held});
    }
    // The result; a reduction accumulates in the wider of the output's and the PE's accumulator format.
    const NumberFormat o_f = c.tensors[e.output.tensor].format;
    const NumberFormat r_f = !e.reduced_ranks.empty() && format_bits(a.pe.acc) > format_bits(o_f) ? a.pe.acc : o_f;
    lc.add_traffic(format_bits(r_f), points, points);
    const int64_t out_held = pe_reuse(c, g, pl, e.output).held;
    held.push_back({"result", &c.tensors[e.output.tensor].name, out_held, r_f, format_bits(r_f) * out_held});
    lc.hold(*rf, held, [&] { return fmt::format("Einsum {} on {}", e.name, a.name); });
  }
}

}  // namespace

uint64_t RegfileGroupCounts::reads() const {
  uint64_t n = 0;
  for (const auto& t : traffic) n = add(n, t.reads);
  return n;
}

uint64_t RegfileGroupCounts::writes() const {
  uint64_t n = 0;
  for (const auto& t : traffic) n = add(n, t.writes);
  return n;
}

std::vector<RegfileGroupCounts> regfile_counts(const EinsumCascade& c, const ArchSpec& arch, const MappingGroup& g) {
  std::map<size_t, LevelCounts> levels;
  if (g.kind == GroupKind::systolic) {
    count_systolic(c, arch, g, levels);
  } else {
    count_fused(c, arch, g, levels);
  }
  std::vector<RegfileGroupCounts> out;
  for (auto& [level, lc] : levels) out.push_back(lc.finish());
  return out;
}

}  // namespace einsim
