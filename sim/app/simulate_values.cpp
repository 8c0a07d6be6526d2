#include "sim/app/simulate_values.hpp"

#include <random>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/app/interrupt.hpp"
#include "sim/core/error.hpp"
#include "sim/detailed/detailed_systolic.hpp"
#include "sim/eval/capacity_check.hpp"
#include "sim/engine/gemm_values.hpp"

namespace einsim::app {
namespace {

std::vector<double> uniform_operands(std::mt19937_64& rng, int64_t n) {
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
  return v;
}

struct Operands {
  std::vector<double> in, w;  // real values
  QuantizedGemmOperands q;    // in the PE's formats
};

Operands make_operands(const PeKind& kind, const GemmShape& g, const ValueOptions& o) {
  Operands ops;
  std::mt19937_64 rng(o.seed);
  ops.in = uniform_operands(rng, g.m * g.k);
  ops.w = uniform_operands(rng, g.k * g.n);
  ops.q = quantize_gemm_operands(kind, g, ops.in, ops.w);
  return ops;
}

ErrorMetrics against_reference(const GemmShape& g, const Operands& ops, std::vector<double> out) {
  for (auto& x : out) x *= ops.q.out_scale();
  // The float64 GEMM of the operands before quantization: the error includes the operand
  // formats' quantization and the PE's rounding, what a user trading formats wants to see.
  return error_metrics(out, gemm_reference(g, ops.in, ops.w));
}

}  // namespace

MappedGemm single_gemm(const EinsumCascade& c, const ArchSpec& arch, const Mapping& m, const char* what) {
  if (m.groups.size() != 1 || m.groups[0].kind != GroupKind::systolic) {
    throw Error(
        fmt::format("{} runs one GEMM on a systolic array: map the workload with --dataflow ws, os or is "
                    "(this mapping has {} group(s))",
                    what, m.groups.size()));
  }
  MappedGemm mg;
  mg.group = &m.groups[0];
  mg.array = &arch.array(mg.group->array);
  GemmView v;
  if (!as_gemm(c, c.einsums[mg.group->einsums[0]], v)) throw Error(fmt::format("{}: the Einsum is not a GEMM", what));
  if (v.batch_size != 1) {
    throw Error(fmt::format("{} runs one GEMM; this one has a batch of {} (ranks shared by both operands)", what,
                            v.batch_size));
  }
  mg.shape = {v.m_size, v.k_size, v.n_size};
  return mg;
}

void check_gemm_value_limits(const EinsumCascade& c, const MappedGemm& g, const ValueOptions& o) {
  const Einsum& e = c.einsums[static_cast<size_t>(g.group->einsums[0])];
  // Its operands and result, as the values path holds them in memory (several copies each).
  std::vector<int> tensors;
  for (const auto& in : e.inputs) tensors.push_back(in.tensor);
  tensors.push_back(e.output.tensor);
  for (int tensor : tensors) {
    const int64_t elements = c.tensors[static_cast<size_t>(tensor)].elements();
    if (elements <= o.max_elements) continue;
    throw Error(fmt::format("--values: tensor {} has {} elements, more than the limit of {} (raise it with "
                            "--values-elements N, or shrink the workload, e.g. --set workload.ranks.M=...)",
                            c.tensors[static_cast<size_t>(tensor)].name, elements, o.max_elements));
  }
}

ErrorMetrics cycle_values(const EinsumCascade& c, const ArchSpec& arch, const Mapping& m, const ValueOptions& o) {
  const MappedGemm g = single_gemm(c, arch, m, "--values");
  check_gemm_value_limits(c, g, o);
  const Operands ops = make_operands(g.array->pe, g.shape, o);
  return against_reference(g.shape, ops,
                           gemm_values(g.array->pe, g.group->dataflow, g.array->rows, g.shape, ops.q.in, ops.q.w));
}

bool is_single_gemm(const EinsumCascade& c, const ArchSpec& arch, const Mapping& m) {
  try {
    single_gemm(c, arch, m, "--values");
    return true;
  } catch (const Error&) {
    return false;
  }
}

MappedCascadeValues mapped_cascade_values(
    const EinsumCascade& c, const ArchSpec& arch, const Mapping& m, const ValueOptions& o,
    const std::function<EinsumCascade(const std::vector<std::string>& extra_sets)>& reload) {
  const std::vector<EinsumPe> pes = einsum_pe_kinds(c, arch, m);
  CascadeValueOptions vo;
  vo.seed = o.seed;
  vo.max_points = o.max_points;
  MappedCascadeValues out;
  if (fits_value_limits(c, vo)) {
    out.result = cascade_values(c, pes, vo);
    return out;
  }
  std::vector<std::string> sets, sample;
  std::optional<EinsumCascade> cut;
  // The workload with one more rank size set; nullopt for a rank the file sets through parameters.
  auto with_size = [&](const std::string& rank, int64_t size) -> std::optional<EinsumCascade> {
    std::vector<std::string> s = sets;
    s.push_back(fmt::format("ranks.{}={}", rank, size));
    try {
      return reload(s);
    } catch (const Error&) {
      return std::nullopt;
    }
  };
  for (int r : value_sample_ranks(c)) {
    const std::string& name = c.ranks[static_cast<size_t>(r)].name;
    const int64_t size = c.ranks[static_cast<size_t>(r)].size;
    if (size <= 1) continue;
    std::optional<EinsumCascade> one = with_size(name, 1);
    if (!one) continue;
    if (!fits_value_limits(*one, vo)) {  // still too large at 1: keep it at 1 and cut the next rank too
      sets.push_back(fmt::format("ranks.{}=1", name));
      sample.push_back(fmt::format("{} 1 of {}", name, size));
      continue;
    }
    // The largest divisor of the size that still fits (1 does).
    int64_t best = 1;
    cut = std::move(one);
    for (int64_t d = size; d > 1; --d) {
      if (size % d != 0) continue;
      std::optional<EinsumCascade> candidate = with_size(name, d);
      if (candidate && fits_value_limits(*candidate, vo)) {
        best = d;
        cut = std::move(candidate);
        break;
      }
    }
    sample.push_back(fmt::format("{} {} of {}", name, best, size));
    break;
  }
  out.sample = fmt::format("{}", fmt::join(sample, ", "));
  if (!cut) {
    throw Error(
        fmt::format("--values: '{}' is too large for the reference evaluator even on a sample ({}); "
                    "reduce its sizes with --set workload.ranks.X=... (in a model file: workload.parameters.X=...)",
                    c.name, sample.empty() ? std::string("no rank can be cut") : out.sample));
  }
  out.result = cascade_values(*cut, pes, vo);
  return out;
}

SimulationReport simulate_detailed(const EinsumCascade& c, const ArchSpec& arch, const Mapping& m,
                                   const DetailedRunOptions& run, const ValueOptions& o,
                                   std::optional<ErrorMetrics>& error) {
  const bool values = run.values;
  const MappedGemm g = single_gemm(c, arch, m, "the detailed fidelity");
  check_mapping_capacity(c, arch, m);  // before the PE array runs
  DetailedConfig cfg = detailed_config(*g.array, g.group->dataflow, g.shape);
  cfg.values = values;
  cfg.vcd_path = run.vcd_file;
  cfg.max_seconds = run.max_seconds;
  cfg.progress = run.progress;
  cfg.clock_hz = arch.clock_hz;
  Operands ops;
  if (values) {
    check_gemm_value_limits(c, g, o);
    ops = make_operands(g.array->pe, g.shape, o);
    cfg.in = ops.q.in;
    cfg.w = ops.q.w;
  }
  cfg.stop = &app::sigint_flag();
  const SigintGuard on_ctrl_c;  // Ctrl-C: stops the run between steps (Interrupted, exit status 130)
  const DetailedResult d = run_detailed_systolic(cfg);
  if (values) error = against_reference(g.shape, ops, d.out);

  // The same pipeline as the other fidelities; only the timing stage is the PE array's.
  // Its compute is the whole time: operands are pre-staged on chip, so DRAM never stalls it.
  EvaluateOptions eo = evaluate_options(Fidelity::detailed);
  const uint64_t cycles = static_cast<uint64_t>(d.cycles);
  const int array_index = static_cast<int>(g.array - arch.arrays.data());
  eo.timer = [&](const LoweredGroup& lg, bool) {
    TimingResult t;
    t.cycles = cycles;
    t.simulated_steps = lg.program.steps;
    for (size_t u = 0; u < lg.program.units.size(); ++u) {
      UnitStats st;
      st.name = lg.program.units[u].name;
      if (lg.unit_array[u] == array_index) {
        st.busy_cycles = st.last_end = cycles;
      } else {
        st.idle_cycles = cycles;
      }
      t.units.push_back(st);
    }
    for (const TileBuffer& b : lg.program.buffers) t.buffers.push_back({b.name, b.capacity_bytes, 0});
    return t;
  };
  SimulationReport r = evaluate(c, arch, m, eo);
  if (r.arrays[static_cast<size_t>(array_index)].actions[PeAction::mac] != static_cast<uint64_t>(d.macs)) {
    throw InternalError("detailed fidelity: the PE array's MACs differ from the lowered mapping's");
  }
  r.notes.push_back(fmt::format("detailed fidelity: {} x {} PE modules, operands pre-staged on chip (cycles without DRAM "
                                "stalls; traffic, actions and energy of the mapping), {} PE-cycles simulated in {:.3f} s",
                                g.array->rows, g.array->cols, d.pe_cycles, d.wall_seconds));
  if (!d.vcd_file.empty()) r.notes.push_back("waveform written to " + d.vcd_file);
  return r;
}

}  // namespace einsim::app
