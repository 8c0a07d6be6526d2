#include "sim/core/error.hpp"

#include <fmt/format.h>

namespace einsim {

std::string SourceLocation::position() const {
  if (file.empty()) return "<input>";
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

static std::string describe(const SourceLocation& loc, const std::string& message) {
  std::string out = loc.position() + ": ";
  if (!loc.yaml_path.empty()) out += "at " + loc.yaml_path + ": ";
  out += message;
  if (!loc.origin.empty()) out += " (value set by " + loc.origin + ")";
  return out;
}

SpecError::SpecError(SourceLocation location, const std::string& message)
    : Error(describe(location, message)), location_(std::move(location)), message_(message) {}

}  // namespace einsim
