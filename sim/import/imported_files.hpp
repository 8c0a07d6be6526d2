#pragma once
// What an importer produces: einsim YAML documents as text, plus notes for the user.

#include <string>
#include <vector>

namespace einsim::import {

struct ImportedFile {
  std::string name;  // file name to write: "workload.yaml", ...
  std::string text;  // the YAML document
};

struct ImportResult {
  std::vector<ImportedFile> files;
  std::vector<std::string> notes;  // what the importer assumed or skipped
};

// A name another tool gave (a layer, a node) as an einsim identifier:
// letters, digits and '_', not starting with a digit; `fallback` when empty.
std::string identifier(const std::string& name, const std::string& fallback);

// Quotes a string for YAML (double quotes, with \ and " escaped).
std::string yaml_quote(const std::string& s);

}  // namespace einsim::import
