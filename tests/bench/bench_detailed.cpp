// Throughput of the Detailed fidelity: PE-cycles simulated per second (rows x
// cols x clock cycles / wall time, elaboration excluded). SystemC elaborates once
// per process, so one run per invocation.
//
//   build/tests/bench/bench_detailed [rows cols M K N dataflow pe_kind values [vcd_path]]
//   defaults: 16 16 2048 64 64 ws mac_fp16 1   (values 0: timing only)
//
// The "digest" line hashes the cycles, the fold cycles and the bits of every output, so
// that two builds can be checked to compute the same results.

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "arch/formats/codec.hpp"
#include "arch/pe/pe_kind.hpp"
#include "sim/detailed/detailed_systolic.hpp"

using namespace einsim;

int bench_main(int argc, char** argv) {
  DetailedConfig c;
  c.rows = argc > 1 ? std::atoll(argv[1]) : 16;
  c.cols = argc > 2 ? std::atoll(argv[2]) : 16;
  c.gemm = {argc > 3 ? std::atoll(argv[3]) : 2048, argc > 4 ? std::atoll(argv[4]) : 64,
            argc > 5 ? std::atoll(argv[5]) : 64};
  auto d = parse_dataflow(argc > 6 ? argv[6] : "ws");
  if (!d) {
    std::fprintf(stderr, "bench_detailed: unknown dataflow\n");
    return 2;
  }
  c.dataflow = *d;
  c.pe_kind = argc > 7 ? argv[7] : "mac_fp16";
  c.values = argc > 8 ? std::atoi(argv[8]) != 0 : true;
  if (argc > 9) c.vcd_path = argv[9];
  auto kind = parse_pe_kind(c.pe_kind);
  if (!kind) {
    std::fprintf(stderr, "bench_detailed: unknown PE kind\n");
    return 2;
  }
  if (c.values) {
    std::mt19937_64 rng(1);
    auto fill = [&](std::vector<double>& v, int64_t n, NumberFormat f) {
      v.resize(static_cast<size_t>(n));
      for (double& x : v) x = quantize(f, static_cast<double>(rng() >> 11) * 0x1.0p-52 - 1.0);
    };
    fill(c.in, c.gemm.m * c.gemm.k, kind->a);
    fill(c.w, c.gemm.k * c.gemm.n, kind->b);
    if (!format_info(kind->a).is_float) {
      for (double& x : c.in) x = static_cast<double>(static_cast<int64_t>(rng() % 255) - 127);
      for (double& x : c.w) x = static_cast<double>(static_cast<int64_t>(rng() % 255) - 127);
    }
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    DetailedResult r = run_detailed_systolic(c);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%lldx%lld %s %s M=%lld K=%lld N=%lld values=%d\n", (long long)c.rows, (long long)c.cols,
                std::string(dataflow_name(c.dataflow)).c_str(), c.pe_kind.c_str(), (long long)c.gemm.m,
                (long long)c.gemm.k, (long long)c.gemm.n, c.values ? 1 : 0);
    std::printf("cycles %lld  simulated %lld  PE-cycles %lld  MACs %lld\n", (long long)r.cycles,
                (long long)r.simulated_cycles, (long long)r.pe_cycles, (long long)r.macs);
    std::printf("simulation %.3f s (with elaboration %.3f s)  %.2e PE-cycles/s  %.2e MACs/s\n",
                r.wall_seconds, total, static_cast<double>(r.pe_cycles) / r.wall_seconds,
                static_cast<double>(r.macs) / r.wall_seconds);
    uint64_t h = 14695981039346656037ull;  // FNV-1a over 64-bit words
    auto mix = [&h](uint64_t x) {
      for (int b = 0; b < 64; b += 8) h = (h ^ ((x >> b) & 0xFF)) * 1099511628211ull;
    };
    mix(static_cast<uint64_t>(r.cycles));
    mix(static_cast<uint64_t>(r.last_output_cycle));
    for (const DetailedFold& f : r.folds) mix(static_cast<uint64_t>(f.cycles));
    for (double x : r.out) mix(std::bit_cast<uint64_t>(x));
    std::printf("digest %016llx (%zu outputs)\n", static_cast<unsigned long long>(h), r.out.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_detailed: %s\n", e.what());
    return 2;
  }
  return 0;
}
