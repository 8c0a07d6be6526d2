// einsim check FILE...: validates any einsim YAML file, whatever its kind.

#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/app/commands.hpp"
#include "mappings/mapping.hpp"
#include "sim/app/document_checks.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

namespace einsim::app {
namespace {

// One line of summary for a valid document; throws for an invalid one.
std::string check_document(const YamlDocument& doc) {
  const std::string kind = doc.kind();
  if (kind == "architecture") return check_architecture(doc);
  if (kind == "workload") return check_workload_document(doc);
  if (kind == "technology") return check_technology(doc);
  if (kind == "mapping") return check_mapping_document(doc);
  if (kind == "sweep") return check_sweep_document(doc);
  doc.body().fail(fmt::format("this einsim version cannot validate '{}:' files yet", kind));
}

}  // namespace

void register_check(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "check", "Validate einsim YAML files (workload, architecture, mapping, sweep, technology)");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "YAML files to validate")->required();
  cmd->callback([files] {
    std::vector<std::string> errors;
    for (const auto& file : *files) {
      try {
        YamlDocument doc = YamlDocument::load_file(file);
        std::cout << fmt::format("ok    {}: {}\n", file, check_document(doc));
      } catch (const Error& e) {
        std::cout << fmt::format("FAIL  {}\n", file);
        errors.push_back(e.what());
      }
    }
    std::cout.flush();
    if (!errors.empty()) {
      std::string all;
      for (size_t i = 0; i < errors.size(); ++i) all += (i ? "\neinsim: error: " : "") + errors[i];
      throw Error(all);
    }
  });
}

}  // namespace einsim::app
