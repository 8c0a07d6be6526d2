#include "sim/core/yaml_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include "sim/core/file_io.hpp"
#include "sim/core/utf8.hpp"

namespace einsim {
namespace {

std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

std::string index_path(const std::string& base, size_t i) { return fmt::format("{}[{}]", base, i); }

const char* type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
  }
  return "?";
}

// Reads a stream's documents without building them: how many there are, and where the second
// one's root starts. yaml-cpp 0.7's LoadAll loops forever, allocating a null document per turn,
// when its parser stops consuming the input (a ',' outside [ ] or { }: yaml-cpp issue #1040, fixed
// in 0.8 by PR #1319); here a document that starts where the previous one did is that case, and
// it is reported as malformed YAML instead. Parse errors (and yaml-cpp's depth limit) throw as
// they would from LoadAll.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    root = YAML::Mark::null_mark();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

  YAML::Mark start;  // of the current document
  YAML::Mark root;   // its root node's mark (null before the first node)

 private:
  void node(const YAML::Mark& mark) {
    if (root.is_null()) root = mark;
  }
};

struct DocumentCount {
  int documents = 0;
  YAML::Mark second;  // the second document's root (or start)
};

DocumentCount count_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  DocumentCount out;
  std::optional<YAML::Mark> previous;
  while (parser.HandleNextDocument(counter)) {
    if (previous && counter.start.pos == previous->pos) {
      throw YAML::ParserException(counter.start, "unexpected token here (a ',' outside [ ] or { }?)");
    }
    previous = counter.start;
    if (++out.documents == 2) out.second = counter.root.is_null() ? counter.start : counter.root;
  }
  return out;
}

// Walks the tree once, bounding its depth and its size once aliases are
// expanded (a "billion laughs" document is a few lines that expand to 10^9
// nodes), so nothing downstream can be driven into unbounded work.
void check_shape(const YAML::Node& root, SourceLocation loc) {
  struct Item {
    YAML::Node node;
    int depth;
  };
  std::vector<Item> stack{{root, 1}};
  int64_t visited = 0;
  auto fail_at = [&](const YAML::Node& n, const std::string& message) {
    YAML::Mark m = n.Mark();
    if (!m.is_null() && m.line >= 0) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
    }
    throw SpecError(loc, message);
  };
  while (!stack.empty()) {
    Item it = std::move(stack.back());
    stack.pop_back();
    if (++visited > kMaxYamlNodes) {
      fail_at(it.node, fmt::format("the document has more than {} nodes once its aliases (*name) are expanded; "
                                   "einsim files are far smaller",
                                   kMaxYamlNodes));
    }
    if (it.depth > kMaxYamlDepth) {
      fail_at(it.node, fmt::format("the YAML is nested too deeply (more than {} levels)", kMaxYamlDepth));
    }
    if (it.node.IsSequence()) {
      for (const auto& child : it.node) stack.push_back({child, it.depth + 1});
    } else if (it.node.IsMap()) {
      for (const auto& kv : it.node) {
        stack.push_back({kv.first, it.depth + 1});
        stack.push_back({kv.second, it.depth + 1});
      }
    }
  }
}

bool is_known_kind(const std::string& key) {
  return std::any_of(std::begin(kKnownKinds), std::end(kKnownKinds),
                     [&](const char* k) { return key == k; });
}

}  // namespace

// ---------------------------------------------------------------- SpecNode

SpecNode::SpecNode(YAML::Node node, std::shared_ptr<const DocumentSource> source, std::string path)
    : node_(std::move(node)), source_(std::move(source)), path_(std::move(path)) {}

SourceLocation SpecNode::location() const {
  SourceLocation loc;
  loc.file = source_ ? source_->file : std::string();
  loc.yaml_path = path_;
  if (node_.IsDefined()) {
    YAML::Mark m = node_.Mark();
    if (!m.is_null() && m.line >= 0) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
    }
  }
  if (source_) {
    for (const auto& [p, text] : source_->overrides) {
      bool prefix = path_ == p || (path_.size() > p.size() && path_.compare(0, p.size(), p) == 0 &&
                                   (path_[p.size()] == '.' || path_[p.size()] == '['));
      if (prefix) {
        // The node was parsed from the command line: its marks are not positions in the file.
        loc.origin = text;
        loc.line = 0;
        loc.column = 0;
      }
    }
  }
  return loc;
}

void SpecNode::fail(const std::string& message) const { throw SpecError(location(), message); }

bool SpecNode::has(const std::string& key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node& cn = node_;
  return cn[key].IsDefined();
}

std::optional<SpecNode> SpecNode::find(const std::string& key) const {
  if (!node_.IsMap()) return std::nullopt;
  const YAML::Node& cn = node_;
  YAML::Node child = cn[key];
  if (!child.IsDefined()) return std::nullopt;
  return SpecNode(child, source_, join_path(path_, key));
}

SpecNode SpecNode::at(const std::string& key) const {
  if (!node_.IsMap()) fail(fmt::format("expected a map with key '{}', found {}", key, type_name(node_)));
  auto child = find(key);
  if (!child) fail(fmt::format("missing required key '{}'", key));
  return *child;
}

std::vector<std::pair<std::string, SpecNode>> SpecNode::entries() const {
  if (!node_.IsMap()) fail(fmt::format("expected a map, found {}", type_name(node_)));
  std::vector<std::pair<std::string, SpecNode>> out;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) {
      SpecNode(it->first, source_, path_).fail("map keys must be plain names");
    }
    std::string key = it->first.Scalar();
    for (const auto& e : out) {
      if (e.first == key) {
        SpecNode(it->first, source_, join_path(path_, key))
            .fail(fmt::format("key '{}' is given twice", key));
      }
    }
    out.emplace_back(key, SpecNode(it->second, source_, join_path(path_, key)));
  }
  return out;
}

std::vector<SpecNode> SpecNode::items() const {
  if (!node_.IsSequence()) fail(fmt::format("expected a list, found {}", type_name(node_)));
  std::vector<SpecNode> out;
  out.reserve(node_.size());
  for (size_t i = 0; i < node_.size(); ++i) {
    const YAML::Node& cn = node_;
    out.emplace_back(cn[i], source_, index_path(path_, i));
  }
  return out;
}

void SpecNode::check_keys(std::initializer_list<std::string_view> allowed) const {
  check_keys(std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

void SpecNode::check_keys(std::span<const std::string_view> allowed) const {
  entries();  // rejects non-maps and duplicate keys
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    SpecNode(it->first, source_, join_path(path_, key))
        .fail(fmt::format("unknown key '{}' (expected one of: {})", key, list));
  }
}

std::string SpecNode::as_string() const {
  if (!node_.IsScalar()) fail(fmt::format("expected a string, found {}", type_name(node_)));
  return node_.Scalar();
}

int64_t SpecNode::as_int() const {
  std::string s = as_string();
  // Accept 1_000_000 and 1e6 style integers that users write in YAML.
  std::string clean;
  for (char c : s)
    if (c != '_') clean += c;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(clean.c_str(), &end, 0);
  if (!clean.empty() && *end == '\0' && errno == 0) return v;
  double d = std::strtod(clean.c_str(), &end);
  if (!clean.empty() && *end == '\0' && std::isfinite(d) && d == std::floor(d) &&
      std::fabs(d) < 9.0e18) {
    return static_cast<int64_t>(d);
  }
  fail(fmt::format("expected an integer, found '{}'", s));
}

double SpecNode::as_double() const {
  std::string s = as_string();
  if (s == ".inf" || s == "inf" || s == "+inf") return HUGE_VAL;
  if (s == "-.inf" || s == "-inf") return -HUGE_VAL;
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno == ERANGE) fail(fmt::format("expected a number, found '{}'", s));
  return d;
}

bool SpecNode::as_bool() const {
  std::string s = as_string();
  if (s == "true" || s == "yes" || s == "on" || s == "True") return true;
  if (s == "false" || s == "no" || s == "off" || s == "False") return false;
  fail(fmt::format("expected true or false, found '{}'", s));
}

std::vector<std::string> SpecNode::as_string_list() const {
  std::vector<std::string> out;
  if (is_scalar()) {
    out.push_back(as_string());
    return out;
  }
  for (const auto& item : items()) out.push_back(item.as_string());
  return out;
}

std::string SpecNode::as_string_or(const std::string& key, const std::string& fallback) const {
  auto c = find(key);
  return c && !c->is_null() ? c->as_string() : fallback;
}
int64_t SpecNode::as_int_or(const std::string& key, int64_t fallback) const {
  auto c = find(key);
  return c && !c->is_null() ? c->as_int() : fallback;
}
double SpecNode::as_double_or(const std::string& key, double fallback) const {
  auto c = find(key);
  return c && !c->is_null() ? c->as_double() : fallback;
}
bool SpecNode::as_bool_or(const std::string& key, bool fallback) const {
  auto c = find(key);
  return c && !c->is_null() ? c->as_bool() : fallback;
}

// ------------------------------------------------------------- YamlDocument

YamlDocument::YamlDocument(YAML::Node root, std::shared_ptr<DocumentSource> source)
    : root_(std::move(root)), source_(std::move(source)) {}

YamlDocument YamlDocument::load_string(const std::string& text, const std::string& file) {
  auto source = std::make_shared<DocumentSource>();
  source->file = file;
  SourceLocation loc;
  loc.file = file;
  if (auto bad = find_invalid_utf8(text)) {
    TextPosition p = text_position(text, *bad);
    loc.line = p.line;
    loc.column = p.column;
    throw SpecError(loc, fmt::format("invalid UTF-8 (byte 0x{:02X}); einsim files are UTF-8 text: save the file "
                                     "as UTF-8",
                                     static_cast<unsigned char>(text[*bad])));
  }
  DocumentCount count;
  YAML::Node root;
  try {
    count = count_documents(text);
    if (count.documents == 1) root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    if (!e.mark.is_null()) {
      loc.line = e.mark.line + 1;
      loc.column = e.mark.column + 1;
    }
    throw SpecError(loc, fmt::format("the YAML is nested too deeply (more than {} levels); einsim files need "
                                     "fewer than {}",
                                     e.depth(), kMaxYamlDepth));
  } catch (const YAML::Exception& e) {
    if (!e.mark.is_null()) {
      loc.line = e.mark.line + 1;
      loc.column = e.mark.column + 1;
    }
    throw SpecError(loc, "malformed YAML: " + e.msg);
  }
  if (count.documents > 1) {
    YAML::Mark m = count.second;
    if (!m.is_null() && m.line >= 0) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
    }
    throw SpecError(loc, fmt::format("the file holds {} YAML documents (separated by ---); an einsim file is one "
                                     "document: put each in its own file",
                                     count.documents));
  }
  check_shape(root, loc);
  return YamlDocument(root, source);
}

YamlDocument YamlDocument::deep_copy() const {
  return YamlDocument(YAML::Clone(root_), std::make_shared<DocumentSource>(*source_));
}

YamlDocument YamlDocument::load_file(const std::string& file) {
  return load_string(read_input_file(file, "YAML file"), file);
}

SpecNode YamlDocument::root() const { return SpecNode(root_, source_, ""); }

std::string YamlDocument::kind() const {
  SpecNode r = root();
  if (!r.is_map()) {
    r.fail("an einsim file is a map with one top-level key (workload:, architecture:, mapping:, "
           "sweep: or technology:)");
  }
  auto es = r.entries();
  if (es.empty()) {
    r.fail("the file is an empty map; an einsim file has one top-level key (workload:, architecture:, mapping:, "
           "sweep: or technology:)");
  }
  for (const auto& [key, node] : es) {
    if (is_known_kind(key)) {
      if (es.size() != 1) {
        for (const auto& [other, on] : es)
          if (other != key) on.fail(fmt::format("unexpected top-level key '{}' beside '{}:'", other, key));
      }
      return key;
    }
  }
  es.front().second.fail(fmt::format(
      "unknown top-level key '{}' (expected workload:, architecture:, mapping:, sweep: or technology:)",
      es.front().first));
}

SpecNode YamlDocument::body() const {
  std::string k = kind();
  return root().at(k);
}

void YamlDocument::apply_override(const std::string& assignment, bool create_missing, const std::string& typed) {
  const std::string origin = "--set " + (typed.empty() ? assignment : typed);
  if (auto bad = find_invalid_utf8(assignment)) {
    throw Error(fmt::format("{}: invalid UTF-8 at byte {} of the assignment", origin, *bad + 1));
  }
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error(fmt::format("{}: expected PATH=VALUE, e.g. ranks.M=4096", origin));
  }
  std::string path = assignment.substr(0, eq);
  std::string value_text = assignment.substr(eq + 1);

  // Split "a.b[2].c" into a, b, [2], c.
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '.') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else if (c == '[') {
      if (!cur.empty()) parts.push_back(cur);
      cur = "[";
    } else if (c == ']') {
      cur += ']';
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  if (parts.empty()) throw Error(fmt::format("{}: empty path", origin));

  // The value is read by the rules of a whole file: one document, and the same bounds on depth
  // and size (so `--set` cannot bring in what load_string refuses).
  YAML::Node value;
  try {
    const DocumentCount count = count_documents(value_text);
    if (count.documents > 1) {
      throw Error(fmt::format("{}: the value holds {} YAML documents; give one value", origin, count.documents));
    }
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: the value is not valid YAML: {}", origin, e.msg));
  }
  try {
    check_shape(value, SourceLocation{});
  } catch (const SpecError& e) {
    throw Error(fmt::format("{}: {}", origin, e.message()));
  }

  std::string k = kind();
  YAML::Node node = root_[k];
  std::string yaml_path = k;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    std::optional<size_t> index;
    std::string key = part;
    if (part.front() == '[') {
      std::string num = part.back() == ']' ? part.substr(1, part.size() - 2) : std::string();
      if (num.empty() || num.size() > 9 || !std::all_of(num.begin(), num.end(), ::isdigit)) {
        throw Error(fmt::format("{}: bad list index '{}' (an index is a number from 0, e.g. [2])", origin, part));
      }
      index = std::stoul(num);
    } else if (node.IsSequence() && !part.empty() && part.size() <= 9 &&
               std::all_of(part.begin(), part.end(), ::isdigit)) {
      index = std::stoul(part);
    }

    if (node.IsSequence()) {
      if (!index) {
        // Address an item of a list of maps by its name: field.
        for (size_t j = 0; j < node.size(); ++j) {
          const YAML::Node& item = node[j];
          if (item.IsMap() && item["name"].IsDefined() && item["name"].IsScalar() &&
              item["name"].Scalar() == key) {
            index = j;
            break;
          }
        }
        if (!index) throw Error(fmt::format("{}: no item named '{}' in {}", origin, key, yaml_path));
      }
      if (*index >= node.size()) {
        throw Error(fmt::format("{}: {} has {} items, no item [{}]", origin, yaml_path, node.size(), *index));
      }
      yaml_path = index_path(yaml_path, *index);
      if (last) {
        node[*index] = value;
      } else {
        node.reset(node[*index]);
      }
    } else if (node.IsMap()) {
      if (index) throw Error(fmt::format("{}: {} is a map, not a list", origin, yaml_path));
      const YAML::Node& cn = node;
      if (!cn[key].IsDefined() && create_missing && !last) {
        node[key] = YAML::Node(YAML::NodeType::Map);
      } else if (!cn[key].IsDefined() && !create_missing) {
        throw Error(fmt::format("{}: no key '{}' in {} (the path must exist in the file)", origin, key,
                                yaml_path));
      }
      yaml_path = join_path(yaml_path, key);
      if (last) {
        node[key] = value;
      } else {
        node.reset(node[key]);
      }
    } else {
      throw Error(fmt::format("{}: {} is {}, it has no '{}'", origin, yaml_path, type_name(node), part));
    }
  }
  source_->overrides.emplace_back(yaml_path, origin);
}

}  // namespace einsim
