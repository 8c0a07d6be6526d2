// Hostile and odd inputs, driven through the real binary under an address-space
// limit (ulimit -v) and a time limit (timeout): each is refused with exit 2 and
// a located message, never a crash (exit 3 or a signal), a hang or a runaway
// allocation. The bound einsim guarantees for any rejected input: 256 MiB of
// address space beyond what the binary maps at start-up, and a few seconds.

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <string>
#include <unistd.h>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_einsim;
using einsim::testing::run_einsim_limited;

namespace {

// Runs einsim under `ulimit -v` (256 MiB; dropped under ASan) and `timeout`.
einsim::testing::RunResult run_limited(const std::string& args, int seconds = 20) {
  return run_einsim_limited(args, 262144, seconds);
}

std::string temp_file(const std::string& tag, const std::string& text) {
  std::string path = "/tmp/einsim_harden_" + tag + "_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("class 1: devices, directories and pipes are refused up front", "[e2e][hardening]") {
  for (const char* args : {"check /dev/zero", "check /dev/urandom", "check /tmp", "workload /dev/zero",
                           "simulate -w /dev/zero -a arch/library/systolic.yaml --dataflow ws"}) {
    auto r = run_limited(args);
    INFO(args << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK((r.err.find("character device") != std::string::npos || r.err.find("directory") != std::string::npos));
  }
  auto r = run_limited("workload workloads/library/gemm.yaml --set ranks.M=2 --set ranks.N=2 --set ranks.K=2 "
                      "--eval --input A=/dev/zero");
  CHECK(r.status == 2);
  CHECK(r.err.find("/dev/zero: the tensor file is a character device") != std::string::npos);
}

TEST_CASE("class 2: invalid UTF-8 is refused with its position; no partial JSON is left", "[e2e][hardening]") {
  const std::string w = temp_file("utf8", "workload:\n  name: \"g\xC3\x28\"\n");
  auto r = run_limited("workload " + w + " --json -");
  CHECK(r.status == 2);
  CHECK(r.err.find(w + ":2:11: invalid UTF-8") != std::string::npos);
  const std::string json = "/tmp/einsim_harden_out_" + std::to_string(::getpid()) + ".json";
  std::remove(json.c_str());
  r = run_limited("simulate -w " + w + " -a arch/library/systolic.yaml --dataflow ws --json " + json);
  CHECK(r.status == 2);
  CHECK_FALSE(std::filesystem::exists(json));
  std::remove(w.c_str());
}

TEST_CASE("class 3: a 50 MB input is refused before it is parsed", "[e2e][hardening]") {
  std::string text = "workload:\n  name: big\n  einsums:\n";
  const std::string line = "    - \"Z[m] = A[m] * B[m]\"\n";
  while (text.size() < (size_t{50} << 20)) text += line;
  const std::string w = temp_file("big", text);
  auto r = run_limited("check " + w);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("more than the 16 MiB einsim reads") != std::string::npos);
  std::remove(w.c_str());
}

TEST_CASE("class 3: a workload of the most Einsums loads in linear time; one more is refused",
          "[e2e][hardening]") {
  // T1 = T0 * B, T2 = T1 * B, ...: every Einsum reads the previous one's output and the
  // shared B, the shape that made tensor lookup and B's consumer list quadratic (a 4.5 MB
  // file of 128,000 Einsums took 50 s). Linear loading takes about 25 us per Einsum
  // (BENCHMARKS.md), so 65,536 Einsums load in a few seconds: 30 s is a generous bound
  // that a quadratic loader (n^2 / 2 = 2.1e9 name comparisons per lookup pass) misses.
  auto chain = [](size_t n) {
    std::string text = "workload:\n  name: chain\n  ranks: {M: 16}\n  tensors:\n    T0: {ranks: [M]}\n"
                       "    B: {ranks: [M]}\n  einsums:\n";
    for (size_t i = 1; i <= n; ++i)
      text += "    - T" + std::to_string(i) + "[m] = T" + std::to_string(i - 1) + "[m] * B[m]\n";
    return text;
  };
  const size_t most = 65536;  // kMaxEinsums
  std::string w = temp_file("chain", chain(most));
  auto r = einsim::testing::run_einsim_limited("check " + w, 1048576, 30);
  INFO(r.err);
  CHECK(r.status == 0);
  // n Einsums, n + 1 results (T0..Tn) plus B.
  CHECK(r.out.find("65536 einsums, 65538 tensors") != std::string::npos);
  std::remove(w.c_str());
  w = temp_file("chain1", chain(most + 1));
  r = run_limited("check " + w);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find(":8:5: at workload.einsums: 65537 Einsums, more than the 65536 one workload may hold") !=
        std::string::npos);
  std::remove(w.c_str());
}

TEST_CASE("class 3: FuseMax attention at 2^30 keys runs in bounded memory and seconds, in both fidelities",
          "[e2e][hardening]") {
  // In the steady state every further key tile costs the same cycles (the slowest array's
  // time per step), so the cycles are affine in the key count: the slope comes from 2^16 and
  // 2^17 keys, whose periods (256 and 512 steps) the engines extrapolate directly. At 2^30
  // keys a query tile's period is 2^22 steps: only folding the key loop keeps it within a
  // 256 MiB address-space limit and a few seconds.
  auto cycles = [](const std::string& keys, const std::string& fidelity) {
    auto r = run_limited("simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
                         "--dataflow fusemax --no-progress --fidelity " + fidelity + " --set workload.ranks.M=" + keys +
                             " --json -",
                         60);
    INFO(keys << " keys, " << fidelity << ": " << r.err);
    REQUIRE(r.status == 0);
    const auto at = r.out.find("\"cycles\":");
    REQUIRE(at != std::string::npos);
    return std::stoull(r.out.substr(at + 9));
  };
  const uint64_t c16 = cycles("65536", "analytical"), c17 = cycles("131072", "analytical");
  const uint64_t per_key = (c17 - c16) / 65536;
  CHECK((c17 - c16) % 65536 == 0);
  const uint64_t expected = c16 + ((uint64_t{1} << 30) - 65536) * per_key;
  CHECK(cycles("1073741824", "analytical") == expected);
  CHECK(cycles("1073741824", "cycle") == expected);
}

TEST_CASE("class 6: a technology table that does not exist is an error at its key", "[e2e][hardening]") {
  std::ifstream in(std::string(EINSIM_SOURCE_DIR) + "/arch/library/systolic.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [from, to, expect] :
       {std::tuple<std::string, std::string, std::string>{"horowitz45", "horowitz54", "architecture.technology.table"},
        {"horowitz45", "/etc/passwd", "architecture.technology.table"},
        {"horowitz45", "/tmp/", "architecture.technology.table"},
        {"node_nm: 28", "node_nm: 1", "architecture.technology.node_nm"}}) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    const std::string a = temp_file("tech", t);
    auto r = run_limited("check " + a);
    INFO(to << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(expect) != std::string::npos);
    std::remove(a.c_str());
  }
}

TEST_CASE("class 8: a second document, deep nesting, bad --set indices and options are refused",
          "[e2e][hardening]") {
  const std::string two = temp_file("two", "workload:\n  name: a\n---\nworkload:\n  name: b\n");
  auto r = run_limited("check " + two);
  CHECK(r.status == 2);
  CHECK(r.err.find(":4:1: the file holds 2 YAML documents") != std::string::npos);
  const std::string deep = temp_file("deep", "workload: " + std::string(5000, '[') + std::string(5000, ']') + "\n");
  r = run_limited("check " + deep);
  CHECK(r.status == 2);
  CHECK(r.err.find("nested too deeply") != std::string::npos);
  std::remove(two.c_str());
  std::remove(deep.c_str());
  r = run_limited("workload workloads/library/gemm.yaml --eval --max-elements -1");
  CHECK(r.status == 2);
  r = run_limited("simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws "
                 "--set arch.arrays[-1].rows=4");
  CHECK(r.status == 2);
  CHECK(r.err.find("--set arch.arrays[-1].rows=4: bad list index") != std::string::npos);
  r = run_limited("simulate -w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws "
                 "--set arch.nokey=4");
  CHECK(r.status == 2);
  CHECK(r.err.find("--set arch.nokey=4") != std::string::npos);
}
