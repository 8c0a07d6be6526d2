#pragma once
// Where machine-readable output goes: every command's `--json FILE` and `--csv FILE`
// take a path, or `-` for standard output.

#include <string>

#include <nlohmann/json.hpp>

namespace einsim::report {

// Writes `text` to `target` (a path, or "-" for standard output); throws Error naming the
// path when it cannot be written.
void write_output(const std::string& target, const std::string& text);
// The JSON, indented by 2, and a newline.
void write_json(const std::string& target, const nlohmann::ordered_json& j);

}  // namespace einsim::report
