#pragma once
// The text of Einsum and size expressions: locating an error inside a YAML scalar,
// the lexer, a token cursor and the integer size-expression parser. Internal to
// the workload loader (workloads/loader/).

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim::loader_detail {

inline constexpr int kMaxExprDepth = 64;

// Line `line` (1-based) of a regular file, or nullopt. Read only when an
// error is reported, so files edited between loads are never stale.
std::optional<std::string> source_line(const std::string& file, int line);

// Fails at `offset` characters into the scalar `node` when that text sits on
// one line of the file (plain or quoted without escapes), else at the node.
[[noreturn]] void fail_at(const SpecNode& node, size_t offset, const std::string& message);

bool is_rank_name(const std::string& s);
bool is_identifier(const std::string& s);
std::string lower(std::string s);

struct Token {
  enum class Kind : uint8_t { ident, number, punct, end };
  Kind kind = Kind::end;
  std::string text;
  size_t pos = 0;
};


std::vector<Token> tokenize(const SpecNode& node, const std::string& s);

// A cursor over tokens with error helpers.
class TokenStream {
 public:
  TokenStream(const SpecNode& node, const std::string& text) : node_(node), tokens_(tokenize(node, text)) {}

  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool accept(const char* punct) {
    if (peek().kind == Token::Kind::punct && peek().text == punct) {
      next();
      return true;
    }
    return false;
  }
  void expect(const char* punct, const char* what) {
    if (!accept(punct)) fail(peek(), fmt::format("expected '{}' {}, found {}", punct, what, describe(peek())));
  }
  [[noreturn]] void fail(const Token& t, const std::string& message) const { fail_at(node_, t.pos, message); }
  static std::string describe(const Token& t) {
    return t.kind == Token::Kind::end ? std::string("the end of the text") : "'" + t.text + "'";
  }
  const SpecNode& node() const { return node_; }

 private:
  const SpecNode& node_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

int64_t parse_integer_literal(TokenStream& ts, const Token& t);

// --------------------------------------------------- integer size expressions

// Evaluates `seq`, `(P-1)*stride + R`, `4*d_model`: + - * / (integer
// division, exact or truncated toward zero), parentheses, names.
class IntExprParser {
 public:
  using Resolver = std::function<int64_t(const std::string&, const Token&, TokenStream&)>;
  IntExprParser(const SpecNode& node, const std::string& text, Resolver resolve)
      : ts_(node, text), resolve_(std::move(resolve)) {}

  int64_t parse() {
    int64_t v = sum(0);
    if (ts_.peek().kind != Token::Kind::end)
      ts_.fail(ts_.peek(), fmt::format("unexpected {}", TokenStream::describe(ts_.peek())));
    return v;
  }

 private:
  int64_t sum(int depth) {
    int64_t v = product(depth);
    for (;;) {
      const Token& t = ts_.peek();
      if (ts_.accept("+")) {
        v = wrap(t, [&] { return checked_add(v, product(depth), "a size expression"); });
      } else if (ts_.accept("-")) {
        int64_t r = product(depth);
        v = wrap(t, [&] { return checked_add(v, checked_mul(r, -1, "a size expression"), "a size expression"); });
      } else {
        return v;
      }
    }
  }
  int64_t product(int depth) {
    int64_t v = unary(depth);
    for (;;) {
      const Token& t = ts_.peek();
      if (ts_.accept("*")) {
        int64_t r = unary(depth);
        v = wrap(t, [&] { return checked_mul(v, r, "a size expression"); });
      } else if (ts_.accept("/")) {
        int64_t r = unary(depth);
        if (r == 0) ts_.fail(t, "division by zero");
        if (v == INT64_MIN && r == -1) ts_.fail(t, "integer overflow in a size expression");
        v = v / r;
      } else {
        return v;
      }
    }
  }
  int64_t unary(int depth) {
    if (depth > kMaxExprDepth) ts_.fail(ts_.peek(), "expression nested too deeply");
    const Token& t = ts_.peek();
    if (ts_.accept("-")) {
      int64_t v = unary(depth + 1);
      return wrap(t, [&] { return checked_mul(v, -1, "a size expression"); });
    }
    if (ts_.accept("(")) {
      int64_t v = sum(depth + 1);
      ts_.expect(")", "to close '('");
      return v;
    }
    const Token& tok = ts_.next();
    if (tok.kind == Token::Kind::number) return parse_integer_literal(ts_, tok);
    if (tok.kind == Token::Kind::ident) return resolve_(tok.text, tok, ts_);
    ts_.fail(tok, fmt::format("expected a number or a name, found {}", TokenStream::describe(tok)));
  }
  template <typename F>
  int64_t wrap(const Token& t, F f) {
    try {
      return f();
    } catch (const SpecError&) {
      throw;
    } catch (const Error& e) {
      ts_.fail(t, e.what());
    }
  }

  TokenStream ts_;
  Resolver resolve_;
};

}  // namespace einsim::loader_detail
