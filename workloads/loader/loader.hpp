#pragma once
// The workload loader's state: a `workload:` document (and the files it extends)
// read into an EinsumCascade in passes, each pass in its own file:
//   loader_sections.cpp  extends, sections, parameters, ranks, tensor declarations
//   loader_einsums.cpp   the Einsum expressions
//   loader_tensors.cpp   tensors, accesses, operation counts, outputs, the DAG check
// Internal to workloads/; the interface is load_workload (einsum_cascade.hpp).

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/core/yaml_source.hpp"
#include "workloads/einsum_cascade.hpp"
#include "workloads/loader/tokens.hpp"

namespace einsim::loader_detail {

inline constexpr int kMaxExtendsDepth = 16;
inline constexpr int kMaxExprNodes = 4096;
inline constexpr int64_t kMaxCoefficient = int64_t{1} << 31;
inline constexpr int64_t kMaxExtendsBytes = 1 << 20;

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

}  // namespace einsim::loader_detail
