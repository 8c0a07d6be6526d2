// load_workload: YAML `workload:` documents -> EinsumCascade, with every
// error pointing at the user's text (file:line:col and YAML path).

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <unordered_map>
#include <set>
#include <sstream>

#include "workloads/cascade_graph.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {
namespace {

constexpr int kMaxExtendsDepth = 16;
constexpr int kMaxExprDepth = 64;
constexpr int kMaxExprNodes = 4096;
constexpr int64_t kMaxCoefficient = int64_t{1} << 31;
constexpr int64_t kMaxExtendsBytes = 1 << 20;

// ------------------------------------------------------------ source columns

// Line `line` (1-based) of a regular file, or nullopt. Read only when an
// error is reported, so files edited between loads are never stale.
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

// ------------------------------------------------------------------ lexer

struct Token {
  enum class Kind : uint8_t { ident, number, punct, end };
  Kind kind = Kind::end;
  std::string text;
  size_t pos = 0;
};

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

int64_t parse_integer_literal(TokenStream& ts, const Token& t) {
  if (t.text.find_first_of(".eE") != std::string::npos)
    ts.fail(t, fmt::format("expected an integer, found '{}'", t.text));
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') ts.fail(t, fmt::format("integer '{}' is too large", t.text));
  return v;
}

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

// ----------------------------------------------------------- the loader

// A name whose integer value is defined by a YAML scalar (parameter or rank size).
struct NamedValue {
  SpecNode node;
  bool is_rank = false;
  int state = 0;  // 0 unresolved, 1 resolving, 2 done
  int64_t value = 0;
};

// An access being parsed: the tensor is known by name until all Einsums are read.
struct PendingAccess {
  std::string tensor;
  size_t offset = 0;
};

struct PendingEinsum {
  SpecNode node;  // the string (or the `expr:` node)
  SpecNode item;  // the list item
  PendingAccess output;
  std::vector<PendingAccess> inputs;
};

class Loader {
 public:
  Loader(const YamlDocument& doc, const WorkloadLoadOptions& options) : options_(options) { collect(doc, 0, {}); }

  EinsumCascade load();

 private:
  void collect(const YamlDocument& doc, int depth, std::vector<std::string> chain);
  std::optional<SpecNode> section(const char* key) const;
  std::vector<std::pair<std::string, SpecNode>> merged(const char* key) const;

  int64_t resolve(const std::string& name, const Token& t, TokenStream& ts);
  int64_t evaluate_size(const SpecNode& node);
  void load_ranks();
  void load_tensor_declarations();
  void parse_einsums();
  void build_tensors();
  void resolve_accesses();
  void count_ops();
  void load_outputs();

  // Einsum-expression parsing.
  IndexExpr parse_index(TokenStream& ts);
  Expr parse_expr(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth);
  Expr parse_term(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth);
  Expr binary_node(TokenStream& ts, Op op, Expr left, Expr right);
  Expr parse_unary(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth);
  Expr parse_primary(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth);
  Access parse_access_indices(TokenStream& ts, std::string& text);
  // The index of tensor `name` in c_.tensors, -1 when unknown (a hash lookup: a linear
  // search per access made loading quadratic in the number of Einsums).
  int tensor_index(const std::string& name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? -1 : it->second;
  }
  void add_tensor(Tensor t) {
    tensor_index_.emplace(t.name, static_cast<int>(c_.tensors.size()));
    c_.tensors.push_back(std::move(t));
  }

  WorkloadLoadOptions options_;
  std::vector<YamlDocument> docs_;  // base first
  std::vector<SpecNode> bodies_;    // base first
  EinsumCascade c_;
  std::map<std::string, NamedValue> names_;
  std::map<std::string, SpecNode> tensor_decls_;
  std::vector<std::string> tensor_decl_order_;
  std::vector<PendingEinsum> pending_;
  std::unordered_map<std::string, int> tensor_index_;
  int resolve_depth_ = 0;
  int expr_nodes_ = 0;  // operators of the Einsum being parsed
};

void Loader::collect(const YamlDocument& doc, int depth, std::vector<std::string> chain) {
  if (doc.kind() != "workload") {
    doc.root().fail(fmt::format("expected a workload: file, found a {}: file", doc.kind()));
  }
  SpecNode body = doc.body();
  if (!body.is_map()) body.fail("the workload must be a map (name:, ranks:, tensors:, einsums:, ...)");
  body.check_keys({"name", "description", "extends", "parameters", "ranks", "partitions", "format", "tensors",
                   "einsums", "outputs"});
  std::error_code ec;
  std::string canonical = std::filesystem::weakly_canonical(doc.file(), ec).string();
  if (ec) canonical = doc.file();
  chain.push_back(canonical);
  if (auto ext = body.find("extends")) {
    if (!options_.allow_extends) ext->fail("extends: is not allowed here");
    if (depth >= kMaxExtendsDepth) ext->fail("extends: chain is too deep (more than 16 files)");
    std::string rel = ext->as_string();
    std::filesystem::path base = std::filesystem::path(doc.file()).parent_path() / rel;
    std::string base_canonical = std::filesystem::weakly_canonical(base, ec).string();
    if (ec) base_canonical = base.string();
    if (std::find(chain.begin(), chain.end(), base_canonical) != chain.end()) {
      std::string cycle;
      for (const auto& f : chain) cycle += std::filesystem::path(f).filename().string() + " -> ";
      ext->fail(fmt::format("cycle of extends: {}{}", cycle, std::filesystem::path(base).filename().string()));
    }
    if (!std::filesystem::exists(base, ec)) ext->fail(fmt::format("extends: cannot open file '{}'", base.string()));
    if (!std::filesystem::is_regular_file(base, ec)) {
      ext->fail(fmt::format("extends: '{}' is not a regular file", base.string()));
    }
    auto size = std::filesystem::file_size(base, ec);
    if (ec || size > static_cast<uintmax_t>(kMaxExtendsBytes)) {
      ext->fail(fmt::format("extends: '{}' is larger than 1 MiB", base.string()));
    }
    YamlDocument base_doc = YamlDocument::load_file(base.string());
    collect(base_doc, depth + 1, chain);
  }
  docs_.push_back(doc);
  bodies_.push_back(body);
}

std::optional<SpecNode> Loader::section(const char* key) const {
  for (auto it = bodies_.rbegin(); it != bodies_.rend(); ++it)
    if (auto n = it->find(key); n && !n->is_null()) return n;
  return std::nullopt;
}

std::vector<std::pair<std::string, SpecNode>> Loader::merged(const char* key) const {
  std::vector<std::pair<std::string, SpecNode>> out;
  for (const SpecNode& body : bodies_) {
    auto n = body.find(key);
    if (!n || n->is_null()) continue;
    for (auto& entry : n->entries()) {
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == entry.first; });
      if (it != out.end()) {
        it->second = entry.second;
      } else {
        out.push_back(entry);
      }
    }
  }
  return out;
}

int64_t Loader::resolve(const std::string& name, const Token& t, TokenStream& ts) {
  auto it = names_.find(name);
  if (it == names_.end()) {
    std::string known;
    for (const auto& [k, v] : names_) known += (known.empty() ? "" : ", ") + k;
    ts.fail(t, fmt::format("unknown name '{}' (parameters and ranks: {})", name, known));
  }
  NamedValue& nv = it->second;
  if (nv.state == 2) return nv.value;
  if (nv.state == 1) ts.fail(t, fmt::format("'{}' is defined in terms of itself", name));
  if (++resolve_depth_ > kMaxExprDepth) ts.fail(t, "definitions of sizes nest too deeply");
  nv.state = 1;
  nv.value = evaluate_size(nv.node);
  nv.state = 2;
  --resolve_depth_;
  return nv.value;
}

int64_t Loader::evaluate_size(const SpecNode& node) {
  if (!node.is_scalar()) node.fail("expected an integer or an integer expression");
  const std::string text = node.as_string();
  IntExprParser p(node, text,
                  [this](const std::string& n, const Token& t, TokenStream& ts) { return resolve(n, t, ts); });
  return p.parse();
}

void Loader::load_ranks() {
  auto params = merged("parameters");
  auto ranks = merged("ranks");
  if (ranks.empty()) {
    if (auto r = section("ranks")) r->fail("a workload needs at least one rank");
    bodies_.back().fail("missing required key 'ranks'");
  }
  for (const auto& [name, node] : params) {
    if (!is_identifier(name)) node.fail(fmt::format("parameter names are identifiers, got '{}'", name));
    for (const auto& rank : ranks) {
      if (lower(rank.first) == name) {
        node.fail(fmt::format("parameter '{}' has the name of the index of rank {}; rename it", name, rank.first));
      }
    }
    names_.emplace(name, NamedValue{node, false, 0, 0});
  }
  for (const auto& [name, node] : ranks) {
    if (!is_rank_name(name)) {
      node.fail(fmt::format("rank names are upper-case identifiers such as M, M1 or K0, got '{}'", name));
    }
    if (names_.count(name)) node.fail(fmt::format("'{}' is both a parameter and a rank", name));
    names_.emplace(name, NamedValue{node, true, 0, 0});
  }
  for (const auto& [name, node] : params) {
    Token t;
    TokenStream dummy(node, "");
    c_.parameters.emplace_back(name, resolve(name, t, dummy));
  }
  for (const auto& [name, node] : ranks) {
    Token t;
    TokenStream dummy(node, "");
    int64_t size = resolve(name, t, dummy);
    if (size <= 0) node.fail(fmt::format("rank {} has size {}: sizes must be positive", name, size));
    Rank r;
    r.name = name;
    r.size = size;
    c_.ranks.push_back(r);
  }

  for (const auto& [name, node] : merged("partitions")) {
    int parent = c_.find_rank(name);
    if (parent < 0) node.fail(fmt::format("unknown rank '{}' (partition a rank declared under ranks:)", name));
    if (c_.ranks[parent].parent >= 0) node.fail(fmt::format("rank {} is itself a part of a partition", name));
    SpecNode into = node.at("into");
    auto parts = into.as_string_list();
    if (parts.size() != 2) into.fail("a partition has two parts: into: [OUTER, INNER], e.g. into: [M1, M0]");
    const std::string& outer = parts[0];
    const std::string& inner = parts[1];
    node.check_keys({"into", "remainder", std::string_view(inner)});
    for (const auto& p : parts) {
      if (!is_rank_name(p)) into.fail(fmt::format("rank names are upper-case identifiers, got '{}'", p));
    }
    if (outer == inner) into.fail("the two parts of a partition need different names");
    if (names_.count(outer) && !names_.at(outer).is_rank) into.fail(fmt::format("'{}' is a parameter", outer));
    if (names_.count(inner) && !names_.at(inner).is_rank) into.fail(fmt::format("'{}' is a parameter", inner));
    SpecNode inner_node = node.at(inner);
    int64_t inner_size = evaluate_size(inner_node);
    if (inner_size <= 0)
      inner_node.fail(fmt::format("partition size {} = {}: sizes must be positive", inner, inner_size));
    std::string policy = node.as_string_or("remainder", "error");
    if (policy != "error" && policy != "pad") node.at("remainder").fail("remainder: is 'error' or 'pad'");
    const int64_t total = c_.ranks[parent].size;
    const int64_t rem = total % inner_size;
    if (rem != 0 && policy == "error") {
      inner_node.fail(
          fmt::format("partition of {} (size {}) into {} x {} with {} = {} leaves a remainder of {} "
                      "(add remainder: pad to allow it)",
                      name, total, outer, inner, inner, inner_size, rem));
    }
    const int64_t outer_size = total / inner_size + (rem != 0 ? 1 : 0);
    const std::pair<std::string, int64_t> sizes[2] = {{outer, outer_size}, {inner, inner_size}};
    c_.ranks[parent].pad = policy == "pad";
    for (const auto& [pname, psize] : sizes) {
      int idx = c_.find_rank(pname);
      if (idx >= 0) {
        if (c_.ranks[idx].size != psize) {
          into.fail(fmt::format("rank {} is given two sizes: {} under ranks: and {} by the partition of {}", pname,
                                c_.ranks[idx].size, psize, name));
        }
        if (c_.ranks[idx].parent >= 0 || !c_.ranks[idx].parts.empty()) {
          into.fail(fmt::format("rank {} is already part of another partition", pname));
        }
      } else {
        Rank r;
        r.name = pname;
        r.size = psize;
        c_.ranks.push_back(r);
        idx = static_cast<int>(c_.ranks.size()) - 1;
      }
      c_.ranks[idx].parent = parent;
      c_.ranks[parent].parts.push_back(idx);
    }
  }
}

void Loader::load_tensor_declarations() {
  if (auto f = section("format")) {
    auto fmt_ = parse_format(f->as_string());
    if (!fmt_)
      f->fail(fmt::format("unknown number format '{}' (expected one of: {})", f->as_string(), format_names_list()));
    c_.format = *fmt_;
  }
  for (const auto& [name, node] : merged("tensors")) {
    if (!is_identifier(name)) node.fail(fmt::format("tensor names are identifiers, got '{}'", name));
    if (!node.is_null()) node.check_keys({"ranks", "format", "init"});
    tensor_decls_.emplace(name, node);
    tensor_decl_order_.push_back(name);
  }
}

// index := term (('+'|'-') term)*, term := factor ('*' factor)*, factor :=
// integer | parameter | lower-case index (at most one per term); or a lone
// upper-case rank name (the last coordinate).
IndexExpr Loader::parse_index(TokenStream& ts) {
  IndexExpr ix;
  const Token& head = ts.peek();
  if (head.kind == Token::Kind::ident && c_.find_rank(head.text) >= 0) {
    ts.next();
    const Token& after = ts.peek();
    if (!(after.kind == Token::Kind::punct && (after.text == "," || after.text == "]"))) {
      ts.fail(head, fmt::format("the rank name {} (the last coordinate) must be an index on its own", head.text));
    }
    ix.last_rank = c_.find_rank(head.text);
    return ix;
  }
  std::map<int, int64_t> coefs;
  std::vector<int> order;
  int sign = ts.accept("-") ? -1 : 1;
  for (;;) {
    int64_t coef = sign;
    int idx_rank = -1;
    for (;;) {
      const Token& t = ts.next();
      if (t.kind == Token::Kind::number) {
        coef *= parse_integer_literal(ts, t);
      } else if (t.kind == Token::Kind::ident) {
        auto param = std::find_if(c_.parameters.begin(), c_.parameters.end(),
                                  [&](const auto& pv) { return pv.first == t.text; });
        if (param != c_.parameters.end()) {
          if (param->second > kMaxCoefficient || param->second < -kMaxCoefficient) {
            ts.fail(t, fmt::format("parameter {} = {} is too large for an index coefficient", t.text, param->second));
          }
          coef *= param->second;
        } else {
          int r = -1;
          for (size_t k = 0; k < c_.ranks.size(); ++k)
            if (lower(c_.ranks[k].name) == t.text) r = static_cast<int>(k);
          if (r < 0) {
            if (c_.find_rank(t.text) >= 0) {
              ts.fail(t, fmt::format("the rank name {} (the last coordinate) must be an index on its own", t.text));
            }
            if (t.text != lower(t.text)) ts.fail(t, fmt::format("unknown rank '{}'", t.text));
            std::string known;
            for (const auto& rk : c_.ranks) known += (known.empty() ? "" : ", ") + lower(rk.name);
            ts.fail(t, fmt::format("unknown rank for index '{}' (an index is the lower-case name of a rank: {})",
                                   t.text, known));
          }
          if (idx_rank >= 0) ts.fail(t, "an index term multiplies two indices; indices must be affine");
          idx_rank = r;
        }
      } else {
        ts.fail(t, fmt::format("expected an index, found {}", TokenStream::describe(t)));
      }
      if (coef > kMaxCoefficient || coef < -kMaxCoefficient) ts.fail(t, "index coefficient or offset is too large");
      if (!ts.accept("*")) break;
    }
    if (idx_rank < 0) {
      ix.constant += coef;
      if (ix.constant > kMaxCoefficient || ix.constant < -kMaxCoefficient)
        ts.fail(ts.peek(), "index offset is too large");
    } else {
      if (!coefs.count(idx_rank)) order.push_back(idx_rank);
      coefs[idx_rank] += coef;
      if (coefs[idx_rank] > kMaxCoefficient || coefs[idx_rank] < -kMaxCoefficient) {
        ts.fail(ts.peek(), "index coefficient is too large");
      }
    }
    if (ts.accept("+")) {
      sign = 1;
    } else if (ts.accept("-")) {
      sign = -1;
    } else {
      break;
    }
  }
  for (int r : order)
    if (coefs[r] != 0) ix.terms.push_back({r, coefs[r]});
  return ix;
}

Access Loader::parse_access_indices(TokenStream& ts, std::string& text) {
  Access a;
  ts.expect("[", "to open the indices");
  if (ts.accept("]")) return a;
  for (;;) {
    size_t from = ts.peek().pos;
    IndexExpr ix = parse_index(ts);
    ix.text = text.substr(from, ts.peek().pos - from);
    while (!ix.text.empty() && std::isspace(static_cast<unsigned char>(ix.text.back()))) ix.text.pop_back();
    a.indices.push_back(std::move(ix));
    if (ts.accept("]")) break;
    if (!ts.accept(","))
      ts.fail(ts.peek(), fmt::format("expected ',' or ']' in the indices, found {}", TokenStream::describe(ts.peek())));
  }
  return a;
}

struct FunctionInfo {
  const char* name;
  Op op;
  int arity;
};
constexpr FunctionInfo kFunctions[] = {
    {"exp", Op::exp, 1},         {"max", Op::max, 2},   {"min", Op::min, 2},   {"abs", Op::abs, 1},
    {"sqrt", Op::sqrt, 1},       {"relu", Op::relu, 1}, {"gelu", Op::gelu, 1}, {"shift_add", Op::shift_add, 2},
    {"dequant", Op::dequant, 3},
};

Expr Loader::binary_node(TokenStream& ts, Op op, Expr left, Expr right) {
  if (++expr_nodes_ > kMaxExprNodes) ts.fail(ts.peek(), "expression too long (more than 4096 operators)");
  Expr n;
  n.kind = Expr::Kind::op;
  n.op = op;
  n.args.push_back(std::move(left));
  n.args.push_back(std::move(right));
  return n;
}

Expr Loader::parse_expr(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  if (depth > kMaxExprDepth) ts.fail(ts.peek(), "expression nested too deeply");
  Expr left = parse_term(ts, e, p, depth);
  for (;;) {
    Op op;
    if (ts.accept("+")) {
      op = Op::add;
    } else if (ts.accept("-")) {
      op = Op::sub;
    } else {
      return left;
    }
    Expr right = parse_term(ts, e, p, depth);
    left = binary_node(ts, op, std::move(left), std::move(right));
  }
}

Expr Loader::parse_term(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  Expr left = parse_unary(ts, e, p, depth);
  for (;;) {
    Op op;
    if (ts.accept("*")) {
      op = Op::mul;
    } else if (ts.accept("/")) {
      op = Op::div;
    } else {
      return left;
    }
    Expr right = parse_unary(ts, e, p, depth);
    left = binary_node(ts, op, std::move(left), std::move(right));
  }
}

Expr Loader::parse_unary(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  if (depth > kMaxExprDepth) ts.fail(ts.peek(), "expression nested too deeply");
  if (ts.accept("-")) {
    Expr n;
    n.kind = Expr::Kind::op;
    if (++expr_nodes_ > kMaxExprNodes) ts.fail(ts.peek(), "expression too long (more than 4096 operators)");
    n.op = Op::neg;
    n.args.push_back(parse_unary(ts, e, p, depth + 1));
    return n;
  }
  return parse_primary(ts, e, p, depth);
}

Expr Loader::parse_primary(TokenStream& ts, Einsum& e, PendingEinsum& p, int depth) {
  const Token t = ts.next();
  Expr n;
  if (t.kind == Token::Kind::number) {
    char* end = nullptr;
    n.value = std::strtod(t.text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(n.value)) ts.fail(t, fmt::format("bad number '{}'", t.text));
    return n;
  }
  if (t.kind == Token::Kind::punct && t.text == "(") {
    n = parse_expr(ts, e, p, depth + 1);
    ts.expect(")", "to close '('");
    return n;
  }
  if (t.kind != Token::Kind::ident) ts.fail(t, fmt::format("expected a value, found {}", TokenStream::describe(t)));
  const Token& after = ts.peek();
  if (after.kind == Token::Kind::punct && after.text == "(") {
    const FunctionInfo* f = nullptr;
    for (const auto& fi : kFunctions)
      if (t.text == fi.name) f = &fi;
    if (!f) {
      std::string known;
      for (const auto& fi : kFunctions) known += (known.empty() ? "" : ", ") + std::string(fi.name);
      ts.fail(t, fmt::format("unknown function '{}' (expected one of: {})", t.text, known));
    }
    ts.next();
    n.kind = Expr::Kind::op;
    if (++expr_nodes_ > kMaxExprNodes) ts.fail(ts.peek(), "expression too long (more than 4096 operators)");
    n.op = f->op;
    if (!(ts.peek().kind == Token::Kind::punct && ts.peek().text == ")")) {
      for (;;) {
        n.args.push_back(parse_expr(ts, e, p, depth + 1));
        if (!ts.accept(",")) break;
      }
    }
    ts.expect(")", "to close the arguments");
    if (static_cast<int>(n.args.size()) != f->arity) {
      ts.fail(t, fmt::format("{} takes {} argument{}, found {}", f->name, f->arity, f->arity == 1 ? "" : "s",
                             n.args.size()));
    }
    return n;
  }
  if (after.kind == Token::Kind::punct && after.text == "[") {
    std::string text = ts.node().as_string();
    Access a = parse_access_indices(ts, text);
    a.text = text.substr(t.pos, ts.peek(0).pos - t.pos);
    while (!a.text.empty() && std::isspace(static_cast<unsigned char>(a.text.back()))) a.text.pop_back();
    n.kind = Expr::Kind::access;
    n.access = static_cast<int>(e.inputs.size());
    e.inputs.push_back(std::move(a));
    p.inputs.push_back({t.text, t.pos});
    return n;
  }
  // A bare name: a parameter or a rank size, as a constant.
  for (const auto& [name, v] : c_.parameters) {
    if (name == t.text) {
      n.value = static_cast<double>(v);
      return n;
    }
  }
  if (int r = c_.find_rank(t.text); r >= 0) {
    n.value = static_cast<double>(c_.ranks[r].size);
    return n;
  }
  ts.fail(t, fmt::format("unknown name '{}' (a tensor access needs indices, e.g. {}[...]; a bare name must be a "
                         "parameter or a rank)",
                         t.text, t.text));
}

void Loader::parse_einsums() {
  auto list = section("einsums");
  if (!list) bodies_.back().fail("missing required key 'einsums'");
  auto items = list->items();
  if (items.empty()) list->fail("a workload needs at least one Einsum");
  if (items.size() > kMaxEinsums) {
    list->fail(fmt::format("{} Einsums, more than the {} one workload may hold (loading and analysis take about "
                           "4 KiB and 25 us per Einsum; split the network into several workloads)",
                           items.size(), kMaxEinsums));
  }
  for (const SpecNode& item : items) {
    Einsum e;
    std::optional<SpecNode> text_node;
    if (item.is_map()) {
      item.check_keys({"name", "expr", "reduce", "description"});
      text_node = item.at("expr");
      e.description = item.as_string_or("description", "");
      std::string reduce = item.as_string_or("reduce", "sum");
      if (reduce == "sum") {
        e.reduce = ReduceOp::sum;
      } else if (reduce == "max") {
        e.reduce = ReduceOp::max;
      } else if (reduce == "min") {
        e.reduce = ReduceOp::min;
      } else if (reduce == "prod") {
        e.reduce = ReduceOp::prod;
      } else {
        item.at("reduce").fail(fmt::format("unknown reduce operator '{}' (expected sum, max, min or prod)", reduce));
      }
    } else {
      text_node = item;
    }
    const SpecNode& node = *text_node;
    PendingEinsum p{node, item, {}, {}};
    e.text = node.as_string();
    e.location = node.location();
    TokenStream ts(node, e.text);
    expr_nodes_ = 0;
    const Token out = ts.next();
    if (out.kind != Token::Kind::ident)
      ts.fail(out, fmt::format("expected the output tensor, found {}", TokenStream::describe(out)));
    std::string text = e.text;
    e.output = parse_access_indices(ts, text);
    e.output.text = text.substr(out.pos, ts.peek().pos - out.pos);
    while (!e.output.text.empty() && std::isspace(static_cast<unsigned char>(e.output.text.back())))
      e.output.text.pop_back();
    p.output = {out.text, out.pos};
    ts.expect("=", "after the output");
    e.expr = parse_expr(ts, e, p, 0);
    if (ts.peek().kind != Token::Kind::end)
      ts.fail(ts.peek(), fmt::format("unexpected {}", TokenStream::describe(ts.peek())));
    e.name = item.is_map() ? item.as_string_or("name", out.text) : out.text;

    // Output indices: plain or x+1, each rank once; each appears on the right.
    std::set<int> rhs;
    std::vector<int> rhs_order;
    for (const Access& a : e.inputs)
      for (const IndexExpr& ix : a.indices)
        for (const IndexTerm& term : ix.terms)
          if (rhs.insert(term.rank).second) rhs_order.push_back(term.rank);
    std::set<int> out_ranks;
    size_t cursor = out.pos;
    for (const IndexExpr& ix : e.output.indices) {
      size_t at = e.text.find(ix.text, cursor);
      if (at == std::string::npos) at = out.pos;
      cursor = at + ix.text.size();
      if (!(ix.is_plain() || ix.is_plain_plus_one())) {
        fail_at(node, at, fmt::format("output index '{}' must be a plain index (m) or a recurrence (m+1)", ix.text));
      }
      int r = ix.single_rank();
      if (!out_ranks.insert(r).second) fail_at(node, at, fmt::format("output index '{}' is given twice", ix.text));
      if (ix.is_plain_plus_one()) {
        if (e.recurrent_rank >= 0) fail_at(node, at, "an Einsum can recur over one rank only");
        e.recurrent_rank = r;
      }
      if (!rhs.count(r)) {
        fail_at(node, at,
                fmt::format("output index '{}' appears nowhere on the right-hand side", lower(c_.ranks[r].name)));
      }
      e.iteration_ranks.push_back(r);
    }
    for (int r : rhs_order) {
      if (!out_ranks.count(r)) {
        e.iteration_ranks.push_back(r);
        e.reduced_ranks.push_back(r);
      }
    }
    c_.einsums.push_back(std::move(e));
    pending_.push_back(std::move(p));
  }
}

void Loader::build_tensors() {
  // Inputs first (declared, written by no Einsum), in declaration order.
  std::set<std::string> produced;
  for (const PendingEinsum& p : pending_) produced.insert(p.output.tensor);
  for (const std::string& name : tensor_decl_order_) {
    if (produced.count(name)) continue;
    Tensor t;
    t.name = name;
    t.format = c_.format;
    add_tensor(std::move(t));
  }
  // Outputs of Einsums.
  for (size_t i = 0; i < c_.einsums.size(); ++i) {
    Einsum& e = c_.einsums[i];
    const std::string& name = pending_[i].output.tensor;
    if (int prev = tensor_index(name); prev >= 0) {
      fail_at(pending_[i].node, pending_[i].output.offset,
              fmt::format("tensor '{}' is written by two Einsums (einsums[{}] and einsums[{}])", name,
                          c_.tensors[prev].producer, i));
    }
    Tensor t;
    t.name = name;
    t.producer = static_cast<int>(i);
    t.format = c_.format;
    t.location = e.location;
    for (size_t d = 0; d < e.output.indices.size(); ++d) {
      const IndexExpr& ix = e.output.indices[d];
      int r = ix.single_rank();
      t.ranks.push_back(r);
      t.extents.push_back(c_.ranks[r].size + (ix.is_plain_plus_one() ? 1 : 0));
      if (ix.is_plain_plus_one()) t.recurrent_dim = static_cast<int>(d);
      AccessDim dim;
      dim.index = ix;
      e.output.dims.push_back(dim);
    }
    e.output.tensor = static_cast<int>(c_.tensors.size());
    add_tensor(std::move(t));
  }
  // Declarations: inputs, and formats/init of intermediates.
  for (const std::string& name : tensor_decl_order_) {
    const SpecNode& node = tensor_decls_.at(name);
    int idx = tensor_index(name);
    std::vector<int> ranks;
    std::optional<SpecNode> ranks_node = node.is_null() ? std::nullopt : node.find("ranks");
    if (ranks_node) {
      for (const SpecNode& rn : ranks_node->items()) {
        std::string rname = rn.as_string();
        int r = c_.find_rank(rname);
        if (r < 0) rn.fail(fmt::format("unknown rank '{}'", rname));
        if (std::find(ranks.begin(), ranks.end(), r) != ranks.end())
          rn.fail(fmt::format("rank {} is listed twice", rname));
        ranks.push_back(r);
      }
    }
    if (c_.tensors[idx].producer < 0) {
      if (!ranks_node) node.fail(fmt::format("input tensor '{}' needs its ranks: (e.g. ranks: [M, K])", name));
      c_.tensors[idx].ranks = ranks;
      for (int r : ranks) c_.tensors[idx].extents.push_back(c_.ranks[r].size);
    } else if (ranks_node && ranks != c_.tensors[idx].ranks) {
      auto names = [&](const std::vector<int>& rs) {
        std::string s;
        for (int r : rs) s += (s.empty() ? "" : ", ") + c_.ranks[r].name;
        return "[" + s + "]";
      };
      ranks_node->fail(fmt::format("tensor {} is declared with ranks {} but its Einsum writes {}", name, names(ranks),
                                   names(c_.tensors[idx].ranks)));
    }
    Tensor& t = c_.tensors[idx];
    t.declared = true;
    t.location = node.location();
    if (!node.is_null()) {
      if (auto f = node.find("format")) {
        auto pf = parse_format(f->as_string());
        if (!pf)
          f->fail(fmt::format("unknown number format '{}' (expected one of: {})", f->as_string(), format_names_list()));
        t.format = *pf;
      }
      if (auto init = node.find("init")) {
        if (t.recurrent_dim < 0) {
          init->fail(
              fmt::format("init: is for recurrent tensors (written at x+1); no Einsum writes {} that way", name));
        }
        t.init = init->as_double();
      }
    }
  }
  for (size_t i = 0; i < c_.einsums.size(); ++i) {
    const Tensor& t = c_.tensors[c_.einsums[i].output.tensor];
    if (t.recurrent_dim >= 0 && !t.init) {
      const Rank& r = c_.ranks[t.ranks[t.recurrent_dim]];
      fail_at(pending_[i].node, pending_[i].output.offset,
              fmt::format("tensor {} is written at {}+1 (a recurrence over {}) and needs an initial value: add init: "
                          "under tensors.{}",
                          t.name, lower(r.name), r.name, t.name));
    }
  }
  // Every tensor's size in bytes, and their sum, must fit in 63 bits: the lowering and the
  // engines add up traffic from these, and a wrap-around would be a silent wrong answer.
  int64_t total = 0;
  for (const Tensor& t : c_.tensors) {
    try {
      total = checked_add(total, t.bytes(), "the bytes of all tensors");
    } catch (const SpecError&) {
      throw;
    } catch (const Error& e) {
      std::string dims;
      for (int64_t x : t.extents) dims += (dims.empty() ? "" : " x ") + std::to_string(x);
      throw SpecError(t.location, fmt::format("tensor {} ({} elements of {}) is too large: {} (2^63 bytes is "
                                              "the limit); make its ranks smaller",
                                              t.name, dims, format_name(t.format), e.what()));
    }
  }
}

void Loader::resolve_accesses() {
  std::vector<bool> used(c_.tensors.size(), false);
  for (size_t i = 0; i < c_.einsums.size(); ++i) {
    Einsum& e = c_.einsums[i];
    used[e.output.tensor] = true;
    const SpecNode& node = pending_[i].node;
    for (size_t a = 0; a < e.inputs.size(); ++a) {
      Access& acc = e.inputs[a];
      const PendingAccess& pa = pending_[i].inputs[a];
      int ti = tensor_index(pa.tensor);
      if (ti < 0) {
        fail_at(
            node, pa.offset,
            fmt::format("unknown tensor '{}' (declare it under tensors: with its ranks, or write it with an Einsum)",
                        pa.tensor));
      }
      acc.tensor = ti;
      used[ti] = true;
      const Tensor& t = c_.tensors[ti];
      // Match indices to dimensions; a partitioned rank may take a pair (outer, inner).
      size_t j = 0;
      auto count_error = [&]() {
        std::string rs;
        for (int r : t.ranks) rs += (rs.empty() ? "" : ", ") + c_.ranks[r].name;
        fail_at(node, pa.offset,
                fmt::format("tensor {} has {} rank{} [{}] but is accessed with {} ind{}", t.name, t.ranks.size(),
                            t.ranks.size() == 1 ? "" : "s", rs, acc.indices.size(),
                            acc.indices.size() == 1 ? "ex" : "ices"));
      };
      for (size_t d = 0; d < t.ranks.size(); ++d) {
        if (j >= acc.indices.size()) count_error();
        const Rank& dr = c_.ranks[t.ranks[d]];
        AccessDim dim;
        if (dr.parts.size() == 2 && j + 1 < acc.indices.size() && acc.indices[j].is_plain() &&
            acc.indices[j].single_rank() == dr.parts[0] && acc.indices[j + 1].is_plain() &&
            acc.indices[j + 1].single_rank() == dr.parts[1]) {
          dim.index = acc.indices[j];
          dim.inner = acc.indices[j + 1];
          dim.inner_size = c_.ranks[dr.parts[1]].size;
          j += 2;
        } else {
          dim.index = acc.indices[j];
          j += 1;
        }
        acc.dims.push_back(std::move(dim));
      }
      if (j != acc.indices.size()) count_error();
      // Bounds and the loop-carried flag.
      for (size_t d = 0; d < acc.dims.size(); ++d) {
        const AccessDim& dim = acc.dims[d];
        const int64_t extent = t.extents[d];
        const std::string where = fmt::format("tensor {} at index '{}'", t.name, dim.index.text);
        if (dim.index.is_last()) {
          if (dim.index.last_rank != t.ranks[d]) {
            fail_at(
                node, pa.offset,
                fmt::format("{}: {} names the last coordinate of rank {}, but this dimension of {} is rank {}", where,
                            dim.index.text, c_.ranks[dim.index.last_rank].name, t.name, c_.ranks[t.ranks[d]].name));
          }
          continue;
        }
        if (dim.inner) {
          const Rank& dr = c_.ranks[t.ranks[d]];
          if (!dr.pad && checked_mul(c_.ranks[dr.parts[0]].size, dim.inner_size, "a partition") > extent) {
            fail_at(node, pa.offset, fmt::format("{}: the partition of {} exceeds its size", where, dr.name));
          }
          continue;
        }
        __int128 lo = dim.index.constant, hi = dim.index.constant;
        for (const IndexTerm& term : dim.index.terms) {
          __int128 span = static_cast<__int128>(term.coef) * (c_.ranks[term.rank].size - 1);
          if (span < 0) {
            lo += span;
          } else {
            hi += span;
          }
        }
        if (lo < 0 || hi >= extent) {
          fail_at(node, pa.offset,
                  fmt::format("{} reaches coordinates {} to {}, outside rank {} of size {}", where,
                              static_cast<long long>(std::max<__int128>(lo, INT64_MIN)),
                              static_cast<long long>(std::min<__int128>(hi, INT64_MAX)), c_.ranks[t.ranks[d]].name,
                              extent));
        }
        if (static_cast<int>(d) == t.recurrent_dim && dim.index.is_plain() && dim.index.single_rank() == t.ranks[d]) {
          acc.loop_carried = true;
        }
      }
    }
  }
  for (size_t ti = 0; ti < c_.tensors.size(); ++ti) {
    if (!used[ti]) {
      SourceLocation loc = c_.tensors[ti].location;
      throw SpecError(loc,
                      fmt::format("tensor '{}' is declared but no Einsum reads or writes it", c_.tensors[ti].name));
    }
  }
}

// Adds `points` per operator node of `x` to counts[op] and marks the operators seen.
void count_expr_ops(const Expr& x, int64_t points, std::vector<int64_t>& counts, std::vector<bool>& seen) {
  if (x.kind != Expr::Kind::op) return;
  const int i = static_cast<int>(x.op);
  counts[i] = checked_add(counts[i], points, "the operation count");
  seen[i] = true;
  for (const Expr& a : x.args) count_expr_ops(a, points, counts, seen);
}

void Loader::count_ops() {
  for (Einsum& e : c_.einsums) {
    const std::string what = "the iteration space of " + e.name;
    try {
      e.iteration_points = 1;
      for (int r : e.iteration_ranks) e.iteration_points = checked_mul(e.iteration_points, c_.ranks[r].size, what);
      e.output_points = 1;
      for (const IndexExpr& ix : e.output.indices)
        e.output_points = checked_mul(e.output_points, c_.ranks[ix.single_rank()].size, what);
      std::vector<int64_t> counts(static_cast<int>(Op::dequant) + 1, 0);
      std::vector<bool> seen(counts.size(), false);
      count_expr_ops(e.expr, e.iteration_points, counts, seen);
      for (size_t i = 0; i < counts.size(); ++i)
        if (seen[i]) e.map_ops.emplace_back(static_cast<Op>(i), counts[i]);
      e.reduce_ops = e.reduced_ranks.empty() ? 0 : e.iteration_points - e.output_points;
    } catch (const SpecError&) {
      throw;
    } catch (const Error& err) {
      throw SpecError(e.location, err.what());
    }
  }
}

void Loader::load_outputs() {
  if (auto outs = section("outputs")) {
    for (const SpecNode& item : outs->items()) {
      std::string name = item.as_string();
      int t = tensor_index(name);
      if (t < 0) item.fail(fmt::format("unknown tensor '{}'", name));
      if (c_.tensors[t].producer < 0)
        item.fail(fmt::format("tensor '{}' is an input, not written by any Einsum", name));
      if (std::find(c_.outputs.begin(), c_.outputs.end(), t) != c_.outputs.end())
        item.fail(fmt::format("output '{}' is listed twice", name));
      c_.outputs.push_back(t);
    }
    return;
  }
  // The results nothing else reads (a recurrence reading its own earlier slices still leaves one).
  std::vector<bool> read(c_.tensors.size(), false);
  for (const Einsum& e : c_.einsums)
    for (const Access& a : e.inputs)
      if (a.tensor != e.output.tensor) read[a.tensor] = true;
  for (size_t t = 0; t < c_.tensors.size(); ++t)
    if (c_.tensors[t].producer >= 0 && !read[t]) c_.outputs.push_back(static_cast<int>(t));
}

EinsumCascade Loader::load() {
  c_.file = docs_.back().file();
  if (auto n = section("name")) {
    c_.name = n->as_string();
  } else {
    c_.name = std::filesystem::path(c_.file).stem().string();
  }
  if (auto d = section("description")) c_.description = d->as_string();
  load_ranks();
  load_tensor_declarations();
  parse_einsums();
  build_tensors();
  resolve_accesses();
  count_ops();
  load_outputs();
  CascadeGraph graph(c_);  // validates: cycles, recurrences
  (void)graph;
  return std::move(c_);
}

}  // namespace

EinsumCascade load_workload(const YamlDocument& doc, const WorkloadLoadOptions& options) {
  Loader loader(doc, options);
  return loader.load();
}

}  // namespace einsim
