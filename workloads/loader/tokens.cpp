// Locating errors in expression text, and the lexer of the workload loader.

#include "workloads/loader/tokens.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace einsim::loader_detail {

std::optional<std::string> source_line(const std::string& file, int line) {
  std::error_code ec;
  if (line <= 0 || !std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  std::string text;
  for (int i = 0; i < line; ++i)
    if (!std::getline(in, text)) return std::nullopt;
  return text;
}

// Fails at `offset` characters into the scalar `node` when that text sits on
// one line of the file (plain or quoted without escapes), else at the node.
[[noreturn]] void fail_at(const SpecNode& node, size_t offset, const std::string& message) {
  SourceLocation loc = node.location();
  if (loc.line > 0 && node.is_scalar()) {
    const std::string& text = node.yaml().Scalar();
    const bool plain = node.yaml().Tag() == "?";
    const std::optional<std::string> file_line = source_line(loc.file, loc.line);
    int shift = -1;
    if (file_line) {
      const std::string& l = *file_line;
      size_t col = static_cast<size_t>(loc.column - 1);
      if (col < l.size() && l.compare(col, text.size(), text) == 0) {
        shift = 0;
      } else if (col < l.size() && (l[col] == '"' || l[col] == '\'') && l.compare(col + 1, text.size(), text) == 0) {
        shift = 1;
      }
    } else if (plain && text.find('\n') == std::string::npos) {
      shift = 0;  // no file to compare with (a string document): trust the mark
    }
    if (shift >= 0) loc.column += shift + static_cast<int>(offset);
  }
  throw SpecError(loc, message);
}

bool is_rank_name(const std::string& s) {
  if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<Token> tokenize(const SpecNode& node, const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalpha(c) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      out.push_back({Token::Kind::ident, s.substr(i, j - i), i});
      i = j;
    } else if (std::isdigit(c) ||
               (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
          j = k;
          while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
      }
      out.push_back({Token::Kind::number, s.substr(i, j - i), i});
      i = j;
    } else if (std::string_view("[](),+-*/=").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back({Token::Kind::punct, std::string(1, static_cast<char>(c)), i});
      ++i;
    } else {
      fail_at(node, i, fmt::format("unexpected character '{}'", static_cast<char>(c)));
    }
  }
  out.push_back({Token::Kind::end, "", s.size()});
  return out;
}

int64_t parse_integer_literal(TokenStream& ts, const Token& t) {
  if (t.text.find_first_of(".eE") != std::string::npos)
    ts.fail(t, fmt::format("expected an integer, found '{}'", t.text));
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') ts.fail(t, fmt::format("integer '{}' is too large", t.text));
  return v;
}

}  // namespace einsim::loader_detail
