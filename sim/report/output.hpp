#pragma once
// Where machine-readable output goes: every command's `--json FILE` and `--csv FILE`
// take a path, or `-` for standard output.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace einsim::report {

// Writes `text` to `target` (a path, or "-" for standard output); throws Error naming the
// path when it cannot be written.
void write_output(const std::string& target, const std::string& text);
// Throws Error when more than one of the (option, target) pairs is "-": their outputs would mix
// on standard output.
void check_one_standard_output(const std::vector<std::pair<std::string, std::string>>& targets);
// True when one of the targets is "-": the command's text then goes to standard error.
bool any_standard_output(const std::vector<std::string>& targets);
// The JSON, indented by 2, and a newline.
void write_json(const std::string& target, const nlohmann::ordered_json& j);

}  // namespace einsim::report
