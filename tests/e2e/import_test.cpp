// einsim import: each importer end to end, expected numbers from formulas written here.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/run_einsim.hpp"

using namespace einsim::testing;

namespace {

std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("einsim_import_" + name + "_" + std::to_string(getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// SCALE-Sim v2's cycles per fold (docs/architecture_yaml.md), summed over ceil(Sr/R) x ceil(Sc/C) folds.
int64_t fold_cycles(const std::string& df, int64_t M, int64_t N, int64_t K, int64_t R, int64_t C) {
  int64_t sr = K, sc = N, t = M, per = 2 * R + C + M - 2;
  if (df == "os") sr = M, sc = N, t = K, per = R + C + K - 2;
  if (df == "is") sr = K, sc = M, t = N, per = 2 * R + C + N - 2;
  (void)t;
  return ((sr + R - 1) / R) * ((sc + C - 1) / C) * per;
}

}  // namespace

TEST_CASE("import scalesim: topology + config round trip gives SCALE-Sim's fold cycles per layer", "[e2e][import]") {
  const std::string d = temp_dir("scalesim");
  write(d + "/t.csv",
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "Conv1, 30, 30, 3, 3, 3, 40, 2,\n"
        "Conv2, 14, 14, 1, 1, 40, 20, 1,\n");
  for (std::string df : {"ws", "os", "is"}) {
    write(d + "/t.cfg", "[general]\nrun_name = t\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 16\n"
                        "IfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 64\nDataflow : " + df +
                        "\nBandwidth : 10\n[run_presets]\nInterfaceBandwidth: CALC\n");
    auto r = run_einsim("import scalesim --topology " + d + "/t.csv --config " + d + "/t.cfg --out " + d + "/o");
    REQUIRE(r.status == 0);
    r = run_einsim("simulate -w " + d + "/o/workload.yaml -a " + d + "/o/architecture.yaml -m " + d +
                   "/o/mapping.yaml --json " + d + "/o.json");
    REQUIRE(r.status == 0);
    auto j = nlohmann::json::parse(slurp(d + "/o.json"));
    REQUIRE(j["groups"].size() == 2);
    // Conv1: ofmap ceil((30 - 3 + 2) / 2) = 15 -> M = 225, K = 3*3*3 = 27, N = 40.
    CHECK(j["groups"][0]["cycles"].get<int64_t>() == fold_cycles(df, 225, 40, 27, 8, 16));
    // Conv2: 14 x 14 = 196 pixels, K = 40, N = 20.
    CHECK(j["groups"][1]["cycles"].get<int64_t>() == fold_cycles(df, 196, 20, 40, 8, 16));
  }
}

TEST_CASE("import scalesim: the GEMM form", "[e2e][import]") {
  const std::string d = temp_dir("scalesim_gemm");
  write(d + "/g.csv", "Layer, M, N, K,\ng1, 64, 32, 48,\n");
  auto r = run_einsim("import scalesim --topology " + d + "/g.csv --out " + d + "/o");
  REQUIRE(r.status == 0);
  r = run_einsim("simulate -w " + d + "/o/workload.yaml -a " + d + "/o/architecture.yaml -m " + d +
                 "/o/mapping.yaml --json " + d + "/o.json");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(slurp(d + "/o.json"));
  // SCALE-Sim's defaults: 32 x 32, os.
  CHECK(j["groups"][0]["cycles"].get<int64_t>() == fold_cycles("os", 64, 32, 48, 32, 32));
}

TEST_CASE("import scalesim: bad files exit 2 naming file and line", "[e2e][import]") {
  const std::string d = temp_dir("scalesim_bad");
  write(d + "/bad.csv", "Layer, M, N, K,\ng1, 64, x, 48,\n");
  auto r = run_einsim("import scalesim --topology " + d + "/bad.csv --out " + d + "/o");
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.csv:2: column 'N': 'x' is not an integer") != std::string::npos);
  write(d + "/short.csv", "Layer, M, N, K,\ng1, 64, 32,\n");
  r = run_einsim("import scalesim --topology " + d + "/short.csv --out " + d + "/o");
  CHECK(r.status == 2);
  CHECK(r.err.find("short.csv:2: 3 of 4 columns; missing 'K'") != std::string::npos);
  write(d + "/g.csv", "Layer, M, N, K,\ng1, 64, 32, 48,\n");
  write(d + "/nosec.cfg", "[general]\nrun_name = x\n");
  r = run_einsim("import scalesim --topology " + d + "/g.csv --config " + d + "/nosec.cfg --out " + d + "/o");
  CHECK(r.status == 2);
  CHECK(r.err.find("nosec.cfg: section [architecture_presets] is missing") != std::string::npos);
}

TEST_CASE("import onnx: the MLP's operation counts equal a hand count, batch set with --set", "[e2e][import]") {
  const std::string d = temp_dir("onnx_mlp");
  auto r = run_einsim("import onnx workloads/library/onnx/mlp.onnx -o " + d + "/mlp.yaml --set batch=4");
  REQUIRE(r.status == 0);
  r = run_einsim("workload " + d + "/mlp.yaml");
  REQUIRE(r.status == 0);
  // fc1: 4 x 64 x 128 products; fc2: 4 x 128 x 10; softmax over 10: 4 x 10 exp.
  const int64_t mul = 4 * 64 * 128 + 4 * 128 * 10;
  CHECK(r.out.find("mul " + std::to_string(mul)) != std::string::npos);
  CHECK(r.out.find("exp 40") != std::string::npos);
  CHECK(r.out.find("relu 512") != std::string::npos);  // 4 x 128
}

TEST_CASE("import onnx: whole networks import and pass check", "[e2e][import]") {
  const std::string d = temp_dir("onnx_nets");
  for (std::string m : {"resnet18", "mobilenet_v2", "bert_base", "llama_block"}) {
    auto r = run_einsim("import onnx workloads/library/onnx/" + m + ".onnx -o " + d + "/" + m + ".yaml");
    INFO(m << ": " << r.err);
    REQUIRE(r.status == 0);
    CHECK(run_einsim("check " + d + "/" + m + ".yaml").status == 0);
  }
}

TEST_CASE("import onnx: a truncated or non-ONNX file exits 2", "[e2e][import]") {
  const std::string d = temp_dir("onnx_bad");
  std::string bytes = slurp(source_path("workloads/library/onnx/mlp.onnx"));
  write(d + "/cut.onnx", bytes.substr(0, bytes.size() / 2));
  auto r = run_einsim("import onnx " + d + "/cut.onnx -o " + d + "/x.yaml");
  CHECK(r.status == 2);
  CHECK(r.err.find("cut.onnx") != std::string::npos);
  r = run_einsim("import onnx workloads/library/onnx/mlp.onnx -o " + d + "/x.yaml --set nosuch=3");
  CHECK(r.status == 2);
  CHECK(r.err.find("no symbolic dimension 'nosuch'") != std::string::npos);
}

TEST_CASE("import timeloop: a CNN layer with strides", "[e2e][import]") {
  const std::string d = temp_dir("timeloop");
  write(d + "/p.yaml",
        "problem:\n  shape:\n    name: CNN-Layer\n    dimensions: [C, M, R, S, N, P, Q]\n"
        "    coefficients:\n      - {name: Wstride, default: 1}\n      - {name: Hstride, default: 1}\n"
        "    data-spaces:\n"
        "      - {name: Weights, projection: [[[C]], [[M]], [[R]], [[S]]]}\n"
        "      - {name: Inputs, projection: [[[N]], [[C]], [[R], [P, Wstride]], [[S], [Q, Hstride]]]}\n"
        "      - {name: Outputs, projection: [[[N]], [[M]], [[Q]], [[P]]], read-write: true}\n"
        "  instance: {C: 3, M: 8, R: 3, S: 3, N: 1, P: 5, Q: 4, Wstride: 2, Hstride: 2}\n");
  auto r = run_einsim("import timeloop " + d + "/p.yaml -o " + d + "/w.yaml");
  REQUIRE(r.status == 0);
  r = run_einsim("workload " + d + "/w.yaml");
  REQUIRE(r.status == 0);
  // M C P Q R S products; the input reaches (P-1)*2 + R = 11 and (Q-1)*2 + S = 9.
  CHECK(r.out.find("mul " + std::to_string(8 * 3 * 5 * 4 * 3 * 3)) != std::string::npos);
  CHECK(r.out.find("[1, 3, 11, 9]") != std::string::npos);
}

TEST_CASE("import accelergy: ERT and ART become a table that costs a MAC as the einsim table does",
          "[e2e][import]") {
  const std::string d = temp_dir("accelergy");
  // fusemax45's MAC row: 17.1645 pJ per mac, 1545 um^2 (arch/tech/tables/fusemax45.yaml).
  write(d + "/ERT.yaml", "ERT:\n  version: 0.4\n  tables:\n    - name: system.PE[0..255].mac\n"
                         "      actions:\n        - {name: compute, arguments: null, energy: 17.1645}\n"
                         "    - name: system.DRAM\n      actions:\n        - {name: read, energy: 249.6}\n");
  write(d + "/ART.yaml", "ART:\n  version: 0.4\n  tables:\n    - {name: \"system.PE[0..255].mac\", area: 1545}\n");
  auto r = run_einsim("import accelergy " + d + "/ERT.yaml " + d + "/ART.yaml -o " + d +
                      "/acc45.yaml --attr mac.kind=mac_fp16_acc16");
  REQUIRE(r.status == 0);
  auto a = run_einsim("pe mac_fp16_acc16 --table " + d + "/acc45.yaml --json -");
  auto b = run_einsim("pe mac_fp16_acc16 --table fusemax45 --json -");
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  CHECK(ja[0]["energy_pj"]["mac"] == jb[0]["energy_pj"]["mac"]);
  CHECK(ja[0]["area_um2"] == jb[0]["area_um2"]);
  // A component einsim needs an attribute for, without it: exit 2 naming the component and key.
  r = run_einsim("import accelergy " + d + "/ERT.yaml -o " + d + "/x.yaml");
  CHECK(r.status == 2);
  CHECK(r.err.find("--attr mac.kind=VALUE") != std::string::npos);
}
