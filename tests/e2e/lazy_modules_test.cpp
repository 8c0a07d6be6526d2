// The einsim executable loads SystemC, OpenMPI and protobuf only for the commands that need
// them (sim/core/module_loader.hpp). Checked from the dynamic loader's own account of the
// files it maps (LD_DEBUG=files), not from timings.

#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include "tests/e2e/run_einsim.hpp"

using einsim::testing::run_launched;
using einsim::testing::run_program;

namespace {

const std::string kGemm = "-w workloads/library/gemm.yaml -a arch/library/systolic.yaml --dataflow ws";
// An 8x8 array and a 16^3 GEMM: small enough for the Detailed fidelity.
const std::string kSmallGemm = kGemm +
                               " --set workload.ranks.M=16 --set workload.ranks.K=16 --set workload.ranks.N=16"
                               " --set arch.arrays.pe2d.rows=8 --set arch.arrays.pe2d.cols=8";

// The base names of the files the dynamic loader mapped, from LD_DEBUG=files output.
std::set<std::string> loaded_files(const std::string& ld_debug) {
  std::set<std::string> files;
  std::istringstream in(ld_debug);
  std::string line;
  while (std::getline(in, line)) {
    const size_t at = line.find("file=");
    if (at == std::string::npos) continue;
    std::string path = line.substr(at + 5);
    path = path.substr(0, path.find_first_of(" \t"));
    files.insert(path.substr(path.rfind('/') + 1));
  }
  return files;
}

bool loads(const std::set<std::string>& files, const std::string& prefix) {
  for (const std::string& f : files) {
    if (f.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

struct Traced {
  einsim::testing::RunResult run;
  std::set<std::string> files;
};

Traced traced(const std::string& args) {
  Traced t{run_launched("LD_DEBUG=files ", args), {}};
  t.files = loaded_files(t.run.err);
  return t;
}

}  // namespace

TEST_CASE("the version, check, pe and the Analytical fidelity load neither SystemC nor OpenMPI nor protobuf",
          "[e2e][startup]") {
  for (const std::string& args : {std::string("--version"), std::string("check workloads/library/gemm.yaml"),
                                 "simulate " + kGemm + " --fidelity analytical", std::string("pe mac_int8")}) {
    INFO(args);
    const Traced t = traced(args);
    REQUIRE(t.run.status == 0);
    CHECK(loads(t.files, "libc.so"));  // the trace is there
    CHECK_FALSE(loads(t.files, "libsystemc"));
    CHECK_FALSE(loads(t.files, "libmpi"));
    CHECK_FALSE(loads(t.files, "libprotobuf"));
    CHECK_FALSE(loads(t.files, "libeinsim_"));
  }
}

TEST_CASE("the Cycle fidelity loads the SystemC module, not OpenMPI, and its results are unchanged",
          "[e2e][startup]") {
  const Traced t = traced("simulate " + kGemm);
  REQUIRE(t.run.status == 0);
  CHECK(loads(t.files, "libeinsim_systemc.so"));
  CHECK(loads(t.files, "libsystemc"));
  CHECK_FALSE(loads(t.files, "libmpi"));
  CHECK_FALSE(loads(t.files, "libprotobuf"));
  // The cycles of the default GEMM, as the binary that linked SystemC reported them.
  CHECK(t.run.out.find("\ncycles        142218  (203 us)\n") != std::string::npos);
  CHECK(run_launched("", "simulate " + kGemm).out == t.run.out);
}

TEST_CASE("the Detailed fidelity loads the SystemC module and gives the same cycles", "[e2e][startup][detailed]") {
  const Traced t = traced("simulate " + kSmallGemm + " --fidelity detailed --values");
  REQUIRE(t.run.status == 0);
  CHECK(loads(t.files, "libsystemc"));
  CHECK_FALSE(loads(t.files, "libmpi"));
  CHECK(t.run.out.find("\ncycles        152  (217 ns)\n") != std::string::npos);
}

TEST_CASE("import onnx loads the ONNX module, and SystemC not", "[e2e][startup][import]") {
  const std::string out = "/tmp/einsim_lazy_" + std::to_string(::getpid()) + ".yaml";
  const Traced t = traced("import onnx workloads/library/onnx/mlp.onnx -o " + out + " --set batch=4");
  std::remove(out.c_str());
  REQUIRE(t.run.status == 0);
  CHECK(loads(t.files, "libeinsim_onnx.so"));
  CHECK(loads(t.files, "libprotobuf"));
  CHECK_FALSE(loads(t.files, "libsystemc"));
  CHECK_FALSE(loads(t.files, "libmpi"));
}

TEST_CASE("without its module next to the executable, a command that needs it is an error naming the module",
          "[e2e][startup]") {
  // A copy of the executable alone in a directory (a hard link when possible).
  const std::string dir = "/tmp/einsim_lonely_" + std::to_string(::getpid());
  const std::string copy = dir + "/einsim";
  const std::string make = "mkdir -p '" + dir + "' && (ln -f '" + std::string(EINSIM_BINARY) + "' '" + copy +
                           "' 2>/dev/null || cp '" + std::string(EINSIM_BINARY) + "' '" + copy + "')";
  REQUIRE(std::system(make.c_str()) == 0);
  const auto cycle = run_program("", copy, "simulate " + kGemm);
  const auto analytical = run_program("", copy, "simulate " + kGemm + " --fidelity analytical");
  CHECK(std::system(("rm -rf '" + dir + "'").c_str()) == 0);
  CHECK(cycle.status == 2);
  CHECK(cycle.err.find("einsim: error: ") != std::string::npos);
  CHECK(cycle.err.find("libeinsim_systemc.so") != std::string::npos);
  CHECK(analytical.status == 0);
  CHECK(analytical.out.find("cycles") != std::string::npos);
}
