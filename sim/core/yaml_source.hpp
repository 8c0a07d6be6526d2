#pragma once
// Loading einsim YAML files and reading them with errors that point at the
// user's text: every SpecNode knows its file, line, column and YAML path.
//
// Usage:
//   auto doc = YamlDocument::load_file("gemm.yaml");
//   doc.apply_override("ranks.M=4096");            // --set, relative to the kind's root
//   SpecNode w = doc.body();                        // the node under `workload:`
//   int64_t m = w.at("ranks").at("M").as_int();     // errors name file:line:col and path

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/core/error.hpp"

namespace einsim {

// Limits on any YAML input: nesting depth, and nodes once aliases are expanded.
inline constexpr int kMaxYamlDepth = 64;
inline constexpr int64_t kMaxYamlNodes = 4'000'000;

// The kinds of einsim file, named by their single top-level key.
inline constexpr const char* kKnownKinds[] = {"workload", "architecture", "mapping", "sweep",
                                              "technology"};

struct DocumentSource {
  std::string file;
  // Overridden YAML paths (relative to the document root) and the --set text that did it.
  std::vector<std::pair<std::string, std::string>> overrides;
};

// A read-only view of one YAML node that remembers where it came from.
class SpecNode {
 public:
  SpecNode(YAML::Node node, std::shared_ptr<const DocumentSource> source, std::string path);

  const std::string& path() const { return path_; }
  const YAML::Node& yaml() const { return node_; }
  SourceLocation location() const;

  [[noreturn]] void fail(const std::string& message) const;

  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }

  // Map access. at() fails with "missing key" when absent; find() returns nullopt.
  bool has(const std::string& key) const;
  SpecNode at(const std::string& key) const;
  std::optional<SpecNode> find(const std::string& key) const;

  // Entries of a map in file order; fails on a non-map and on a key given twice.
  std::vector<std::pair<std::string, SpecNode>> entries() const;
  // Items of a sequence; fails on a non-sequence.
  std::vector<SpecNode> items() const;
  // Fails naming the first key not in `allowed` (catches typos such as `rank:` for `ranks:`).
  void check_keys(std::initializer_list<std::string_view> allowed) const;
  void check_keys(std::span<const std::string_view> allowed) const;

  // Scalars. Each fails with a message naming the expected type.
  std::string as_string() const;
  int64_t as_int() const;
  double as_double() const;
  bool as_bool() const;
  std::vector<std::string> as_string_list() const;

  std::string as_string_or(const std::string& key, const std::string& fallback) const;
  int64_t as_int_or(const std::string& key, int64_t fallback) const;
  double as_double_or(const std::string& key, double fallback) const;
  bool as_bool_or(const std::string& key, bool fallback) const;

 private:
  YAML::Node node_;
  std::shared_ptr<const DocumentSource> source_;
  std::string path_;
};

// One parsed YAML file. Its kind is its single top-level key.
class YamlDocument {
 public:
  // Throws SpecError for a missing, unreadable, non-regular or oversized file
  // (see read_input_file), for invalid UTF-8, for malformed YAML, for more than
  // one YAML document, and for a tree deeper or larger than the limits above.
  static YamlDocument load_file(const std::string& file);
  // For tests and fuzzing: parse text as if it came from `file`.
  static YamlDocument load_string(const std::string& text, const std::string& file = "<string>");

  // An independent copy: overriding it leaves this document as it was (a
  // copy made with `=` shares the YAML nodes, so an override changes both).
  // Cheaper than parsing the text again, but yaml-cpp's Clone does not keep
  // positions: errors in the copy name the file and YAML path, with every
  // node at line 1, column 1. For repeated overrides of one parsed document
  // where line numbers do not matter (fuzzing).
  YamlDocument deep_copy() const;

  const std::string& file() const { return source_->file; }
  // The top-level key: "workload", "architecture", ... Fails if the file has
  // no single known top-level key.
  std::string kind() const;
  // The node under the kind key, with YAML path "<kind>".
  SpecNode body() const;
  // The whole document, path "".
  SpecNode root() const;

  // Applies one --set assignment "a.b[2].c=value" (or "a.b.name.c=value", where a
  // sequence item is addressed by its `name:` field). The path is relative to the
  // body (the node under the kind key). The value is parsed as YAML, so numbers,
  // lists and maps work. A path that does not exist is an Error, unless
  // `create_missing`: then missing map keys on the path are added (a model file
  // that extends another can be given a rank its base computes, `ranks.P=16`).
  // `typed` is the assignment as the user wrote it (with a `workload.` or
  // `arch.` prefix the caller removed), for messages; empty means `assignment`.
  void apply_override(const std::string& assignment, bool create_missing = false, const std::string& typed = {});

 private:
  YamlDocument(YAML::Node root, std::shared_ptr<DocumentSource> source);
  YAML::Node root_;
  std::shared_ptr<DocumentSource> source_;
};

}  // namespace einsim
