#pragma once
// Readers for the plain-text formats other tools use: CSV (SCALE-Sim topologies)
// and INI (SCALE-Sim configs). Every value remembers its file and line, so an
// importer can say where a bad value sits. Errors throw einsim::Error.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace einsim::import {

// One cell of a CSV file, trimmed of spaces.
struct CsvCell {
  std::string text;
  int line = 0;
  int column = 0;  // 1-based index of the field
};

// A CSV file: the header row and the data rows. Empty lines are skipped, and
// an empty last field (SCALE-Sim ends every row with a comma) is dropped.
struct CsvTable {
  std::string file;
  std::vector<CsvCell> header;
  std::vector<std::vector<CsvCell>> rows;

  // "file:line: column 'Name'": where a cell sits, for messages.
  std::string where(const CsvCell& cell) const;
  // The cell's value as a positive integer, or an Error naming file, line and column.
  int64_t positive_int(const CsvCell& cell) const;
};

CsvTable parse_csv(const std::string& text, const std::string& file);
CsvTable read_csv_file(const std::string& file);

// An INI file: sections of `key = value` (or `key: value`) lines; `#` and `;`
// start comments. Keys are matched without regard to case.
struct IniValue {
  std::string text;
  int line = 0;
};

class IniFile {
 public:
  static IniFile parse(const std::string& text, const std::string& file);
  static IniFile read_file(const std::string& file);

  const std::string& file() const { return file_; }
  bool has_section(const std::string& section) const;
  // The value, or nullopt when the key is absent. Error when the section is absent.
  std::optional<IniValue> find(const std::string& section, const std::string& key) const;
  // The value; Error naming the file, the section and the key when absent.
  IniValue at(const std::string& section, const std::string& key) const;
  int64_t positive_int(const std::string& section, const std::string& key) const;
  int64_t positive_int_or(const std::string& section, const std::string& key, int64_t fallback) const;

 private:
  std::string file_;
  std::map<std::string, std::map<std::string, IniValue>> sections_;  // lower-case names
  std::map<std::string, int> section_lines_;
};

// Reads a whole file; Error when it cannot be opened.
std::string read_text_file(const std::string& file);

// Parses a base-10 integer that fills the whole string (spaces around allowed).
std::optional<int64_t> parse_int(const std::string& text);

}  // namespace einsim::import
