// Evaluations per second of the Analytical fidelity through the whole pipeline
// (lower + time + account + cost), on one thread and on N threads.
//   build/tests/bench/bench_evaluate [seconds per case] [threads] [only the cases whose name holds this]
// With EINSIM_BENCH_EVALUATIONS=N each thread makes exactly N evaluations per case instead (for
// counting instructions per evaluation under a profiler).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "sim/core/allocator.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/cycle/simulate.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

struct Case {
  const char* name;
  std::string workload, arch, dataflow;
  std::vector<std::string> wsets;
};

double rate(const EinsumCascade& c, const ArchSpec& a, const Mapping& m, double seconds, int threads) {
  // As the mapper evaluates: the workload's graph and the architecture's cost tables made once.
  const EvaluateOptions o = evaluate_options(Fidelity::analytical, true, &a);
  const CascadeGraph graph(c);
  std::vector<long> counts(static_cast<size_t>(threads), 0);
  const auto start = std::chrono::steady_clock::now();
  const char* fixed = std::getenv("EINSIM_BENCH_EVALUATIONS");
  const long exactly = fixed ? std::atol(fixed) : 0;
  auto work = [&](int t) {
    long n = 0;
    if (exactly > 0) {
      for (long k = 0; k < exactly; ++k) n += evaluate(c, graph, a, m, o).cycles > 0;
    }
    while (exactly <= 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
      for (int k = 0; k < 16; ++k) n += evaluate(c, graph, a, m, o).cycles > 0;
    }
    counts[static_cast<size_t>(t)] = n;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (auto& th : pool) th.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long total = 0;
  for (long n : counts) total += n;
  return static_cast<double>(total) / wall;
}

}  // namespace

int bench_main(int argc, char** argv) {
  retain_freed_memory();  // as the einsim binary does (sim/core/allocator.hpp)
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const std::string only = argc > 3 ? argv[3] : "";
  const std::string src = EINSIM_SOURCE_DIR;
  const std::vector<Case> cases = {
      {"GEMM 512^3 on a 256x256 systolic array (ws)", "workloads/library/gemm.yaml", "arch/library/systolic.yaml", "ws",
       {"ranks.M=512", "ranks.K=512", "ranks.N=512"}},
      {"FuseMax attention, 12 Einsums, 64K keys", "workloads/library/attention_fusemax.yaml",
       "arch/library/fusemax_cloud.yaml", "fusemax", {"ranks.M=65536", "ranks.P=65536"}},
      {"transformer layer", "workloads/library/transformer_layer.yaml", "arch/library/fusemax_cloud.yaml", "fusemax",
       {}},
  };
  for (const Case& k : cases) {
    if (std::string(k.name).find(only) == std::string::npos) continue;
    try {
      YamlDocument w = YamlDocument::load_file(src + "/" + k.workload);
      for (const auto& s : k.wsets) w.apply_override(s);
      const EinsumCascade c = load_workload(w);
      const ArchSpec a = load_architecture(YamlDocument::load_file(src + "/" + k.arch));
      const Mapping m = preset_mapping(k.dataflow, c, a);
      const double one = rate(c, a, m, seconds, 1);
      const double many = rate(c, a, m, seconds, threads);
      std::printf("%-48s %10.0f evaluations/s on 1 thread, %10.0f on %d threads\n", k.name, one, many, threads);
    } catch (const std::exception& e) {
      std::printf("%-48s skipped: %s\n", k.name, e.what());
    }
  }
  return 0;
}
