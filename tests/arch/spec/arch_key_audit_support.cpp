// Helpers of the architecture key audit: bundled files with edits, evaluated through the library.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "mappings/mapping.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/cycle/simulate.hpp"
#include "tests/arch/spec/arch_key_audit.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::audit {
namespace {

std::string source(const std::string& rel) { return std::string(EINSIM_SOURCE_DIR) + "/" + rel; }

YamlDocument arch_doc(const std::string& file, const std::vector<std::string>& sets,
                      const std::vector<std::pair<std::string, std::string>>& edits) {
  const std::string path = source("arch/library/" + file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  REQUIRE_FALSE(s.empty());
  for (const auto& [from, to] : edits) {
    const size_t at = s.find(from);
    INFO(file << ": edit of '" << from << "'");
    REQUIRE(at != std::string::npos);
    REQUIRE(s.find(from, at + 1) == std::string::npos);
    s.replace(at, from.size(), to);
  }
  YamlDocument doc = YamlDocument::load_string(s, path);
  for (const auto& set : sets) doc.apply_override(set, /*create_missing=*/true);
  return doc;
}

}  // namespace

ArchSpec arch(const std::string& file, const std::vector<std::string>& sets,
              const std::vector<std::pair<std::string, std::string>>& edits) {
  return load_architecture(arch_doc(file, sets, edits));
}

SimulationReport run(const ArchSpec& a, const std::string& workload, const std::vector<std::string>& wsets,
                     const std::string& dataflow) {
  YamlDocument w = YamlDocument::load_file(source("workloads/library/" + workload));
  for (const auto& set : wsets) w.apply_override(set);
  const EinsumCascade c = load_workload(w);
  return evaluate(c, a, preset_mapping(dataflow, c, a), evaluate_options(Fidelity::analytical));
}

std::string load_error(const std::string& file, const std::vector<std::string>& sets,
                       const std::vector<std::pair<std::string, std::string>>& edits) {
  try {
    arch(file, sets, edits);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string run_error(const ArchSpec& a, const std::string& workload, const std::vector<std::string>& wsets,
                      const std::string& dataflow) {
  try {
    run(a, workload, wsets, dataflow);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const LevelReport& level(const SimulationReport& r, const std::string& name) {
  for (const auto& l : r.levels)
    if (l.name == name) return l;
  FAIL("no level " << name);
  throw;
}

const ArrayReport& array(const SimulationReport& r, const std::string& name) {
  for (const auto& a : r.arrays)
    if (a.name == name) return a;
  FAIL("no array " << name);
  throw;
}

}  // namespace einsim::audit
