// A child process for the Detailed tests (SystemC elaborates once per process):
// runs one configuration with deterministic int8 operands and prints what it
// measured as one JSON object.
//
//   einsim_detailed_probe DATAFLOW ROWS COLS M K N [SEED]
//
// Output: {"cycles":..., "fold_cycles":[...], "macs":..., "values_equal_gemm_values":true|false}

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "sim/core/error.hpp"
#include "sim/detailed/detailed_systolic.hpp"
#include "sim/engine/gemm_values.hpp"
#include "tests/sim/detailed/random_operands.hpp"

extern "C" int sc_main(int argc, char** argv) {
  using namespace einsim;
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s DATAFLOW ROWS COLS M K N [SEED]\n", argv[0]);
    return 2;
  }
  try {
    DetailedConfig c;
    auto d = parse_dataflow(argv[1]);
    if (!d) throw Error(std::string("unknown dataflow ") + argv[1]);
    c.dataflow = *d;
    c.rows = std::atoll(argv[2]);
    c.cols = std::atoll(argv[3]);
    c.gemm = {std::atoll(argv[4]), std::atoll(argv[5]), std::atoll(argv[6])};
    std::mt19937_64 rng(argc > 7 ? std::strtoull(argv[7], nullptr, 10) : 1);
    c.pe_kind = "mac_int8";
    c.in = test::random_int8(rng, c.gemm.m * c.gemm.k);
    c.w = test::random_int8(rng, c.gemm.k * c.gemm.n);
    DetailedResult r = run_detailed_systolic(c);
    const std::vector<double> expected =
        gemm_values(*parse_pe_kind("mac_int8"), c.dataflow, c.rows, c.gemm, c.in, c.w);
    nlohmann::json j;
    j["cycles"] = r.cycles;
    j["macs"] = r.macs;
    j["fold_cycles"] = nlohmann::json::array();
    for (const auto& f : r.folds) j["fold_cycles"].push_back(f.cycles);
    j["values_equal_gemm_values"] = r.out == expected;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "einsim_detailed_probe: %s\n", e.what());
    return 2;
  }
}
