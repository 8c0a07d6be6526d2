#include "sim/core/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace einsim {
namespace {

using UnitTable = std::vector<std::pair<const char*, double>>;

double parse_with(const std::string& text, const UnitTable& units, const char* what, const char* example) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const char* begin = text.c_str() + i;
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value) || value < 0) {
    throw Error(fmt::format("'{}' is not a {} (expected a non-negative number and a unit)", text, what));
  }
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  if (unit.empty()) {
    // A bare number is ambiguous (100: bytes? kilobytes? bits?): the unit is required.
    throw Error(fmt::format("'{}' has no unit; write the {} with its unit, e.g. '{}'", text, what, example));
  }
  for (const auto& [name, scale] : units)
    if (unit == name) return value * scale;
  std::string known;
  for (const auto& [name, scale] : units) known += (known.empty() ? "" : ", ") + std::string(name);
  throw Error(fmt::format("'{}': unknown unit '{}' for a {} (known: {})", text, unit, what, known));
}

const UnitTable kBytes = {
    {"B", 1.0},          {"byte", 1.0},         {"bytes", 1.0},        {"KB", 1e3},
    {"MB", 1e6},         {"GB", 1e9},           {"KiB", 1024.0},       {"MiB", 1048576.0},
    {"GiB", 1073741824.0}, {"bit", 0.125},      {"bits", 0.125},       {"b", 0.125},
    {"Kib", 128.0},      {"Mib", 131072.0},     {"kB", 1e3},
};

const UnitTable kBandwidth = {
    {"B/s", 1.0},     {"KB/s", 1e3},       {"kB/s", 1e3},          {"MB/s", 1e6},
    {"GB/s", 1e9},    {"TB/s", 1e12},      {"KiB/s", 1024.0},      {"MiB/s", 1048576.0},
    {"GiB/s", 1073741824.0}, {"bit/s", 0.125}, {"Gbit/s", 1.25e8}, {"Gb/s", 1.25e8},
};

const UnitTable kFrequency = {
    {"Hz", 1.0}, {"kHz", 1e3}, {"KHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9},
};

template <typename F>
double read_with(const SpecNode& node, F parse) {
  try {
    return parse(node.as_string());
  } catch (const SpecError&) {
    throw;
  } catch (const Error& e) {
    node.fail(e.what());
  }
}

}  // namespace

double parse_bytes(const std::string& text) { return parse_with(text, kBytes, "size in bytes", "64 KiB"); }
double parse_bandwidth(const std::string& text) { return parse_with(text, kBandwidth, "bandwidth", "400 GB/s"); }
double parse_frequency(const std::string& text) { return parse_with(text, kFrequency, "frequency", "940 MHz"); }

double read_bytes(const SpecNode& node) { return read_with(node, parse_bytes); }
double read_bandwidth(const SpecNode& node) { return read_with(node, parse_bandwidth); }
double read_frequency(const SpecNode& node) { return read_with(node, parse_frequency); }

}  // namespace einsim
