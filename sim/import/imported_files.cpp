#include "sim/import/imported_files.hpp"

#include <cctype>

namespace einsim::import {

std::string identifier(const std::string& name, const std::string& fallback) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) && u < 128 ? c : '_';
  }
  while (out.size() > 1 && out.back() == '_') out.pop_back();
  if (out.empty() || out == "_") return fallback;
  if (std::isdigit(static_cast<unsigned char>(out[0]))) out = "L" + out;
  return out;
}

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    out += c;
  }
  return out + "\"";
}

}  // namespace einsim::import
