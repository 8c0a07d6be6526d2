#include "sim/detailed/detailed_systolic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <systemc>

#include "arch/spec/arch_spec.hpp"
#include "sim/core/error.hpp"
#include "sim/core/progress.hpp"
#include "sim/detailed/systolic_modules.hpp"
#include "sim/engine/gemm_values.hpp"

namespace einsim {
namespace {

std::atomic<bool> g_elaborated{false};

void check_config(const DetailedConfig& c, const PeKind& kind) {
  for (auto [v, name] : {std::pair{c.rows, "array rows"}, std::pair{c.cols, "array columns"}}) {
    if (v <= 0 || v > kMaxDetailedSide) {
      throw Error(fmt::format("detailed fidelity: {} must be in 1..{}, got {}", name, kMaxDetailedSide, v));
    }
  }
  // The closed form checks M, K, N and gives the run length the estimate needs.
  if (!(c.max_seconds >= 0)) throw Error("detailed fidelity: the time limit must not be negative");
  const DetailedEstimate e = detailed_estimate(c);
  if (c.max_seconds > 0 && e.seconds > c.max_seconds) {
    throw Error(fmt::format(
        "detailed fidelity: {} {}x{}x{} on {}x{} PEs needs {} cycles x {} PEs = {} PE-cycles, estimated at "
        "{} (rates of a 2-core machine), over the limit of {} s; raise the limit with --detailed-limit "
        "SECONDS (0: none), or use the cycle fidelity or a smaller GEMM",
        dataflow_name(c.dataflow), c.gemm.m, c.gemm.k, c.gemm.n, c.rows, c.cols, e.cycles, c.rows * c.cols,
        e.pe_cycles == INT64_MAX ? std::string("more than 2^63") : fmt::format("{}", e.pe_cycles),
        format_duration(e.seconds), c.max_seconds));
  }
  if (kind.family != PeFamily::mac && kind.family != PeFamily::lmul) {
    throw Error(
        fmt::format("detailed fidelity: PE kind '{}' ({}) is not supported: use a mac_* or lmul_* kind",
                    kind.name, family_name(kind.family)));
  }
  if (c.values) {
    check_gemm_operands(c.gemm, c.in, c.w);
    for (const std::vector<double>* v : {&c.in, &c.w}) {
      for (double x : *v) {
        if (!std::isfinite(x)) throw Error("detailed fidelity: the operands hold a non-finite value");
      }
    }
  }
  if (c.vcd_side < 0) throw Error("detailed fidelity: vcd_side must not be negative");
  (void)detailed_clock_period_ps(c.clock_hz);
}

}  // namespace

DetailedResult run_detailed_systolic(const DetailedConfig& config) {
  const std::optional<PeKind> kind = parse_pe_kind(config.pe_kind);
  if (!kind) throw Error(fmt::format("detailed fidelity: unknown PE kind '{}'", config.pe_kind));
  check_config(config, *kind);
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) {
    throw Error("detailed fidelity: SystemC has already simulated in this process (one elaboration per process)");
  }
  if (g_elaborated.exchange(true)) {
    throw Error(
        "detailed fidelity: SystemC allows one elaboration per process; run_detailed_systolic was already "
        "called");
  }

  detailed::FoldPlan plan(config);
  detailed::ArrayMonitor monitor;
  monitor.plan = &plan;
  monitor.folds.resize(static_cast<size_t>(plan.folds));
  for (int64_t f = 0; f < plan.folds; ++f) {
    DetailedFold& d = monitor.folds[static_cast<size_t>(f)];
    d.index = f;
    d.row_fold = plan.row_fold(f);
    d.col_fold = plan.col_fold(f);
    d.start_cycle = f * plan.fold_rows;
  }

  // Library code prints nothing: SystemC's informational messages (such as a trace file's
  // time unit) are dropped.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  detailed::SystolicArrayTop top("systolic", config, plan, monitor);
  sc_core::sc_trace_file* tf = nullptr;
  DetailedResult result;
  // SystemC appends ".vcd" to the name it is given: it writes a temporary name next to the
  // file asked for, renamed to exactly that name once the run succeeded (no partial file).
  std::string vcd_tmp;
  if (!config.vcd_path.empty()) {
    const std::string base = config.vcd_path + ".partial";
    vcd_tmp = base + ".vcd";
    if (std::FILE* probe = std::fopen(vcd_tmp.c_str(), "w")) {
      std::fclose(probe);
    } else {
      throw Error(fmt::format("detailed fidelity: cannot write the VCD file '{}' (next to it: '{}')",
                              config.vcd_path, vcd_tmp));
    }
    tf = sc_core::sc_create_vcd_trace_file(base.c_str());
    tf->set_time_unit(1, sc_core::SC_PS);  // the clock's edges fall on whole picoseconds
    top.trace_corner(tf, config.vcd_side);
  }

  const auto t0 = std::chrono::steady_clock::now();
  const sc_core::sc_time period(static_cast<double>(detailed_clock_period_ps(config.clock_hz)), sc_core::SC_PS);
  const int64_t planned = plan.folds * plan.fold_rows;
  // The feeder's rows, then a watchdog for the drain (os results queue down the columns).
  // In steps of about 2^22 PE cycles, so that a stop request is seen within a fraction of a second.
  const auto stopped = [&] { return config.stop && config.stop->load(); };
  const int64_t step = std::max<int64_t>(1, (int64_t{1} << 22) / (plan.rows * plan.cols));
  int64_t simulated = 0;
  while (simulated < planned + 2 && !stopped()) {
    const int64_t n = std::min(step, planned + 2 - simulated);
    sc_core::sc_start(period * static_cast<double>(n));
    simulated += n;
    if (config.progress) config.progress(simulated, planned + 2);
  }
  const int64_t limit = planned + 4 * (plan.rows + plan.cols) + 64;
  while (!stopped() && !monitor.done() && monitor.error.empty() && simulated < limit) {
    sc_core::sc_start(period);
    ++simulated;
  }
  if (stopped()) {
    if (tf) {
      sc_core::sc_close_vcd_trace_file(tf);
      std::remove(vcd_tmp.c_str());
    }
    throw Interrupted(fmt::format("detailed fidelity stopped after {} of {} cycles", simulated, planned + 2));
  }
  if (tf) {
    sc_core::sc_close_vcd_trace_file(tf);
    if (!monitor.error.empty() || !monitor.done()) {
      std::remove(vcd_tmp.c_str());
    } else if (std::rename(vcd_tmp.c_str(), config.vcd_path.c_str()) != 0) {
      std::remove(vcd_tmp.c_str());
      throw Error(fmt::format("detailed fidelity: cannot write the VCD file '{}'", config.vcd_path));
    } else {
      result.vcd_file = config.vcd_path;
    }
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!monitor.error.empty()) throw InternalError("detailed fidelity: " + monitor.error);
  if (!monitor.done()) {
    throw InternalError(fmt::format("detailed fidelity: {} of {} outputs after {} cycles", monitor.outputs,
                                    plan.expected_outputs, simulated));
  }

  // Fold cycles: from a fold's first demand row to the next fold's; the last fold ends at
  // its last demand row or its last MAC, whichever is later.
  for (int64_t f = 0; f < plan.folds; ++f) {
    DetailedFold& d = monitor.folds[static_cast<size_t>(f)];
    const int64_t expected = plan.rows_used(f) * plan.cols_used(f) * plan.t;
    if (d.macs != expected) {
      throw InternalError(
          fmt::format("detailed fidelity: fold {} did {} MACs, expected {}", f, d.macs, expected));
    }
    const int64_t end = f + 1 < plan.folds ? monitor.folds[static_cast<size_t>(f + 1)].start_cycle
                                           : std::max(monitor.fed_cycles, d.last_mac_cycle + 1);
    if (d.last_mac_cycle >= end) {
      throw InternalError(fmt::format(
          "detailed fidelity: fold {} still computing in cycle {}, after it ended", f, d.last_mac_cycle));
    }
    d.cycles = end - d.start_cycle;
    result.cycles += d.cycles;
    result.macs += d.macs;
  }
  result.last_output_cycle = monitor.last_output_cycle;
  result.simulated_cycles = simulated;
  result.pe_cycles = simulated * plan.rows * plan.cols;
  result.folds = std::move(monitor.folds);
  if (config.values) {
    result.out = std::move(top.drain().out());
    for (const auto& pe : top.pes()) result.counts += pe->arith().counts();
  }
  return result;
}

}  // namespace einsim
