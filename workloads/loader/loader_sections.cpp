// Workload loader, first passes: `extends:`, sections, parameters and ranks, tensor declarations.

#include "workloads/loader/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace einsim::loader_detail {

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

}  // namespace einsim::loader_detail
