#include "sim/import/text_tables.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::import {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

}  // namespace

std::string read_text_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the file", file));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<int64_t> parse_int(const std::string& text) {
  const std::string t = trim(text);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

std::string CsvTable::where(const CsvCell& cell) const {
  const auto c = static_cast<size_t>(cell.column);
  const std::string name = c >= 1 && c <= header.size() ? header[c - 1].text : fmt::format("#{}", c);
  return fmt::format("{}:{}: column '{}'", file, cell.line, name);
}

int64_t CsvTable::positive_int(const CsvCell& cell) const {
  auto v = parse_int(cell.text);
  if (!v) throw Error(fmt::format("{}: '{}' is not an integer", where(cell), cell.text));
  if (*v <= 0) throw Error(fmt::format("{}: {} must be positive", where(cell), *v));
  return *v;
}

CsvTable parse_csv(const std::string& text, const std::string& file) {
  CsvTable t;
  t.file = file;
  if (text.find('\0') != std::string::npos) throw Error(fmt::format("{}: not a text file (it holds NUL bytes)", file));
  const std::vector<std::string> lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    std::vector<CsvCell> row;
    std::string field;
    std::istringstream in(lines[i]);
    int col = 0;
    while (std::getline(in, field, ',')) row.push_back({trim(field), static_cast<int>(i + 1), ++col});
    if (!lines[i].empty() && lines[i].back() == ',') row.push_back({"", static_cast<int>(i + 1), ++col});
    while (!row.empty() && row.back().text.empty()) row.pop_back();  // SCALE-Sim's trailing comma
    if (t.header.empty()) {
      t.header = row;
    } else {
      t.rows.push_back(row);
    }
  }
  if (t.header.empty()) throw Error(fmt::format("{}: empty file (expected a header row)", file));
  return t;
}

CsvTable read_csv_file(const std::string& file) { return parse_csv(read_text_file(file), file); }

IniFile IniFile::parse(const std::string& text, const std::string& file) {
  IniFile ini;
  ini.file_ = file;
  if (text.find('\0') != std::string::npos) throw Error(fmt::format("{}: not a text file (it holds NUL bytes)", file));
  std::string section;
  const std::vector<std::string> lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line = static_cast<int>(i + 1);
    std::string l = lines[i];
    const size_t comment = l.find_first_of("#;");
    if (comment != std::string::npos) l = l.substr(0, comment);
    l = trim(l);
    if (l.empty()) continue;
    if (l.front() == '[') {
      if (l.back() != ']' || l.size() < 3)
        throw Error(fmt::format("{}:{}: a section header is written [name]", file, line));
      section = lower(trim(l.substr(1, l.size() - 2)));
      ini.sections_[section];
      ini.section_lines_.emplace(section, line);
      continue;
    }
    const size_t eq = l.find_first_of("=:");
    if (eq == std::string::npos) throw Error(fmt::format("{}:{}: expected 'key = value'", file, line));
    if (section.empty()) throw Error(fmt::format("{}:{}: 'key = value' before any [section]", file, line));
    const std::string key = lower(trim(l.substr(0, eq)));
    if (key.empty()) throw Error(fmt::format("{}:{}: a key is missing before '{}'", file, line, l[eq]));
    ini.sections_[section][key] = {trim(l.substr(eq + 1)), line};
  }
  return ini;
}

IniFile IniFile::read_file(const std::string& file) { return parse(read_text_file(file), file); }

bool IniFile::has_section(const std::string& section) const { return sections_.count(lower(section)) > 0; }

std::optional<IniValue> IniFile::find(const std::string& section, const std::string& key) const {
  auto s = sections_.find(lower(section));
  if (s == sections_.end()) throw Error(fmt::format("{}: section [{}] is missing", file_, section));
  auto k = s->second.find(lower(key));
  if (k == s->second.end()) return std::nullopt;
  return k->second;
}

IniValue IniFile::at(const std::string& section, const std::string& key) const {
  auto v = find(section, key);
  if (!v) {
    throw Error(fmt::format("{}:{}: section [{}] has no key '{}'", file_, section_lines_.at(lower(section)), section,
                            key));
  }
  return *v;
}

int64_t IniFile::positive_int(const std::string& section, const std::string& key) const {
  const IniValue v = at(section, key);
  auto n = parse_int(v.text);
  if (!n) throw Error(fmt::format("{}:{}: [{}] {} = '{}' is not an integer", file_, v.line, section, key, v.text));
  if (*n <= 0) throw Error(fmt::format("{}:{}: [{}] {} = {} must be positive", file_, v.line, section, key, *n));
  return *n;
}

int64_t IniFile::positive_int_or(const std::string& section, const std::string& key, int64_t fallback) const {
  return find(section, key) ? positive_int(section, key) : fallback;
}

}  // namespace einsim::import
