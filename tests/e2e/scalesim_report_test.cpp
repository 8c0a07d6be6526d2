// einsim simulate --scalesim-report: SCALE-Sim's COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv
// from an imported SCALE-Sim topology, checked against SCALE-Sim's fold formulas written here.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "tests/e2e/run_einsim.hpp"

using namespace einsim::testing;

namespace {

std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("einsim_ssreport_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// SCALE-Sim's CSV: fields separated by ", ", every line ending in ",".
std::vector<std::vector<std::string>> read_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string f;
    std::istringstream ls(line);
    while (std::getline(ls, f, ',')) {
      const size_t a = f.find_first_not_of(' ');
      fields.push_back(a == std::string::npos ? "" : f.substr(a));
    }
    rows.push_back(fields);
  }
  return rows;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One convolution layer of a SCALE-Sim topology as SCALE-Sim lowers it to a GEMM:
// M = output pixels (ceil((H - R + s) / s) per side), K = R x S x C, N = filters.
struct Gemm {
  int64_t m, k, n;
};

Gemm conv_gemm(const std::vector<std::string>& f) {
  const int64_t h = std::stoll(f[1]), w = std::stoll(f[2]), r = std::stoll(f[3]), s = std::stoll(f[4]);
  const int64_t c = std::stoll(f[5]), k = std::stoll(f[6]), st = std::stoll(f[7]);
  return {ceil_div(h - r + st, st) * ceil_div(w - s + st, st), r * s * c, k};
}

}  // namespace

TEST_CASE("simulate --scalesim-report: the bundled ResNet-18 topology on google.cfg, cycles by the fold formula",
          "[e2e][import][scalesim]") {
  const std::string d = temp_dir("resnet18");
  auto r = run_einsim("import scalesim --topology workloads/library/scalesim/resnet18.csv --config "
                      "workloads/library/scalesim/google.cfg --out " + d + "/in");
  REQUIRE(r.status == 0);
  r = run_einsim("simulate -w " + d + "/in/workload.yaml -a " + d + "/in/architecture.yaml -m " + d +
                 "/in/mapping.yaml --scalesim-report " + d + "/out");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("SCALE-Sim reports (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv) written to " + d + "/out: 21 layers") !=
        std::string::npos);

  const std::string compute = slurp(d + "/out/COMPUTE_REPORT.csv");
  // SCALE-Sim v2's header, byte for byte.
  REQUIRE(compute.rfind("LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n", 0) ==
          0);
  const auto rows = read_rows(compute);
  const auto topology = read_rows(slurp(source_path("workloads/library/scalesim/resnet18.csv")));
  REQUIRE(topology.size() == 22);  // header + 21 layers
  REQUIRE(rows.size() == topology.size());

  // google.cfg: 128 x 128, weight stationary (Sr = K on the rows, Sc = N on the columns, T = M in
  // time), ideal DRAM. A fold lasts 2R + C + T - 2 cycles; SCALE-Sim's Total Cycles is the sum
  // over the folds minus one. Its compute utilization divides by 2R + 2C + T - 3 per fold.
  const int64_t R = 128, C = 128;
  for (size_t i = 1; i < rows.size(); ++i) {
    INFO("layer " << topology[i][0]);
    const Gemm g = conv_gemm(topology[i]);
    const int64_t folds = ceil_div(g.k, R) * ceil_div(g.n, C);
    const int64_t total = folds * (2 * R + C + g.m - 2) - 1;
    REQUIRE(rows[i].size() == 6);
    CHECK(rows[i][0] == std::to_string(i - 1));
    CHECK(std::stoll(rows[i][1]) == total);
    CHECK(rows[i][2] == "0");  // ideal DRAM: no stalls
    const double pes = static_cast<double>(R * C);
    CHECK(std::stod(rows[i][3]) == Approx(100.0 * g.m * g.k * g.n / (static_cast<double>(total) * pes)).epsilon(1e-12));
    CHECK(std::stod(rows[i][4]) == Approx(100.0 * g.k * g.n / (pes * folds)).epsilon(1e-12));
    CHECK(std::stod(rows[i][5]) ==
          Approx(100.0 * g.k * g.n * g.m / (pes * folds * (2 * R + 2 * C + g.m - 3))).epsilon(1e-12));
  }
  // By hand, Conv1: 230 x 230 ifmap, 7 x 7 x 3 filters, stride 2: ceil(225 / 2) = 113 -> M = 12769
  // pixels; K = 147 -> 2 row folds, N = 64 -> 1 column fold; 2 x (256 + 128 + 12769 - 2) - 1.
  CHECK(rows[1][1] == "26301");
  // Conv3_1b: K = 9 x 128 = 1152 and N = 128 fill the array: Python prints 100.0.
  CHECK(rows[7][4] == "100.0");

  // BANDWIDTH_REPORT.csv: SCALE-Sim's first four columns. ws reads the M x K ifmap once per
  // column fold, the K x N filters once, and writes M x N outputs once per row fold.
  const auto bw = read_rows(slurp(d + "/out/BANDWIDTH_REPORT.csv"));
  REQUIRE(bw.size() == rows.size());
  CHECK(bw[0] == std::vector<std::string>{"LayerID", "Avg IFMAP SRAM BW", "Avg FILTER SRAM BW", "Avg OFMAP SRAM BW"});
  for (size_t i = 1; i < bw.size(); ++i) {
    const Gemm g = conv_gemm(topology[i]);
    const double total = static_cast<double>(std::stoll(rows[i][1]));
    CHECK(std::stod(bw[i][1]) == Approx(static_cast<double>(g.m * g.k * ceil_div(g.n, C)) / total).epsilon(1e-12));
    CHECK(std::stod(bw[i][2]) == Approx(static_cast<double>(g.k * g.n) / total).epsilon(1e-12));
    CHECK(std::stod(bw[i][3]) == Approx(static_cast<double>(g.m * g.n * ceil_div(g.k, R)) / total).epsilon(1e-12));
  }
}

TEST_CASE("simulate --scalesim-report: output stationary GEMMs, utilization over the real fold", "[e2e][import][scalesim]") {
  const std::string d = temp_dir("os");
  write(d + "/g.csv", "Layer, M, N, K,\ng1, 40, 20, 30,\ng2, 16, 8, 4,\n");
  write(d + "/c.cfg", "[general]\nrun_name = t\n[architecture_presets]\nArrayHeight: 16\nArrayWidth: 8\n"
                      "IfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 64\nDataflow : os\n"
                      "[run_presets]\nInterfaceBandwidth: CALC\n");
  auto r = run_einsim("import scalesim --topology " + d + "/g.csv --config " + d + "/c.cfg --out " + d + "/in");
  REQUIRE(r.status == 0);
  r = run_einsim("simulate -w " + d + "/in/workload.yaml -a " + d + "/in/architecture.yaml -m " + d +
                 "/in/mapping.yaml --scalesim-report " + d + "/out");
  REQUIRE(r.status == 0);
  const auto rows = read_rows(slurp(d + "/out/COMPUTE_REPORT.csv"));
  REQUIRE(rows.size() == 3);
  // g1: os maps M = 40 on 16 rows (3 folds: 16, 16, 8) and N = 20 on 8 columns (3 folds: 8, 8, 4);
  // T = K = 30; a fold lasts R + C + T - 2 = 16 + 8 + 30 - 2 = 52 cycles; 9 folds.
  CHECK(rows[1][1] == std::to_string(9 * 52 - 1));
  // Mapping efficiency: 40 x 20 PEs used over 9 folds of 128 = 800 / 1152.
  CHECK(std::stod(rows[1][4]) == Approx(100.0 * 800 / 1152).epsilon(1e-12));
  // os: SCALE-Sim's utilization cycles are the fold's 52: 800 x 30 MACs / (128 x 52 x 9).
  CHECK(std::stod(rows[1][5]) == Approx(100.0 * 800 * 30 / (128.0 * 52 * 9)).epsilon(1e-12));
  // g2: one fold of 16 + 8 + 4 - 2 = 26 cycles that fills the array: 100.0 %.
  CHECK(rows[2][1] == "25");
  CHECK(rows[2][4] == "100.0");
  CHECK(std::stod(rows[2][3]) == Approx(100.0 * 16 * 8 * 4 / (25.0 * 128)).epsilon(1e-12));
}

TEST_CASE("simulate --scalesim-report: groups off the systolic array are left out with a note, errors exit 2",
          "[e2e][import][scalesim]") {
  const std::string d = temp_dir("mixed");
  auto r = run_einsim("import onnx workloads/library/onnx/mlp.onnx -o " + d + "/mlp.yaml --set batch=4");
  REQUIRE(r.status == 0);
  r = run_einsim("simulate -w " + d + "/mlp.yaml -a arch/library/fusemax_cloud.yaml --dataflow ws --scalesim-report " +
                 d + "/out");
  REQUIRE(r.status == 0);
  // fc1 and fc2 run on the 2D array; bias, relu and softmax on the vector array.
  CHECK(read_rows(slurp(d + "/out/COMPUTE_REPORT.csv")).size() == 3);
  CHECK(r.out.find("groups not on a systolic array left out") != std::string::npos);

  r = run_einsim("simulate -w workloads/library/attention_fusemax.yaml -a arch/library/fusemax_cloud.yaml "
                 "--dataflow fusemax --scalesim-report " + d + "/none");
  CHECK(r.status == 2);
  CHECK(r.err.find("no group of the mapping runs on a systolic array") != std::string::npos);

  write(d + "/afile", "x");
  r = run_einsim("simulate -w " + d + "/mlp.yaml -a arch/library/fusemax_cloud.yaml --dataflow ws --scalesim-report " +
                 d + "/afile");
  CHECK(r.status == 2);
  CHECK(r.err.find(d + "/afile: cannot create the directory") != std::string::npos);
}
