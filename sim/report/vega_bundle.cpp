#include "sim/report/vega_bundle.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::report {

namespace {

// Module name and file, each after the modules it needs.
const std::vector<std::pair<const char*, const char*>> kModules = {
    {"vega-util", "vega-util.min.js"},
    {"vega-time", "vega-time.min.js"},
    {"vega-format", "vega-format.min.js"},
    {"vega-statistics", "vega-statistics.min.js"},
    {"vega-scale", "vega-scale.min.js"},
    {"topojson-client", "../topojson-client/topojson-client.min.js"},
    {"vega-loader", "vega-loader.browser.js"},
    {"vega-dataflow", "vega-dataflow.min.js"},
    {"vega-canvas", "vega-canvas.browser.js"},
    {"vega-scenegraph", "vega-scenegraph.min.js"},
    {"vega-expression", "vega-expression.min.js"},
    {"vega-selections", "vega-selection.min.js"},
    {"vega-functions", "vega-functions.min.js"},
    {"vega-event-selector", "vega-event-selector.min.js"},
    {"vega-parser", "vega-parser.min.js"},
    {"vega-runtime", "vega-runtime.min.js"},
    {"vega-transforms", "vega-transforms.min.js"},
    {"vega-view-transforms", "vega-view-transforms.min.js"},
    {"vega-encode", "vega-encode.min.js"},
    {"vega-view", "vega-view.min.js"},
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("cannot read {}: the report page needs Vega (Debian package libjs-vega, or set "
                            "EINSIM_VEGA_DIR)",
                            path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A script's text must not close its <script> element early.
std::string script_safe(std::string s) {
  for (size_t p = 0; (p = s.find("</script", p)) != std::string::npos; p += 3) s.replace(p, 2, "<\\/");
  return s;
}

}  // namespace

std::string vega_dir() {
  const char* env = std::getenv("EINSIM_VEGA_DIR");
  return env && *env ? env : "/usr/share/javascript/vega";
}

std::string vega_scripts() {
  const std::string dir = vega_dir();
  // Each module is a UMD wrapper that calls define(deps, factory) when define.amd is set.
  std::string out =
      "<script>var einsimModules={},einsimCurrent;"
      "function define(deps,factory){var exports={};factory.apply(null,deps.map(function(n){"
      "if(n==='exports')return exports;if(!(n in einsimModules))throw new Error('Vega module '+n+' missing');"
      "return einsimModules[n];}));einsimModules[einsimCurrent]=exports;}define.amd=true;</script>\n";
  for (const auto& [name, file] : kModules) {
    out += fmt::format("<script>einsimCurrent='{}';</script><script>{}</script>\n", name,
                       script_safe(read_file(dir + "/" + file)));
  }
  out +=
      "<script>var vega={};for(var m in einsimModules)Object.assign(vega,einsimModules[m]);"
      "Object.assign(einsimModules['vega-dataflow'].transforms,einsimModules['vega-transforms'],"
      "einsimModules['vega-view-transforms'],einsimModules['vega-encode']);</script>\n";
  return out;
}

}  // namespace einsim::report
