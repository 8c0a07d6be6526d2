#include "sim/import/onnx_views.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/import/imported_files.hpp"

namespace einsim::import {
namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t product(const std::vector<Atom>& atoms) {
  int64_t p = 1;
  for (const Atom& a : atoms) p *= a.size;
  return p;
}

std::string base_of(const Atom& a) { return a.symbol.empty() ? fmt::format("D{}", a.size) : upper(a.symbol); }

}  // namespace

std::string number_text(double v) { return fmt::format("{}", v); }

int64_t View::dim_size(size_t d) const {
  int64_t p = 1;
  for (int a : dims[d]) p *= atoms[a].size;
  return p;
}

std::vector<Atom> View::dim_atoms(size_t d) const {
  std::vector<Atom> out;
  for (int a : dims[d]) out.push_back(atoms[a]);
  return out;
}

std::string CascadeWriter::fresh_name(const std::string& onnx_name, const std::string& fallback) {
  std::string n = identifier(onnx_name, fallback);
  if (std::islower(static_cast<unsigned char>(n[0]))) n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
  std::string out = n;
  for (int i = 2; names_.count(out) || ranks_.count(out); ++i) out = fmt::format("{}_{}", n, i);
  names_.insert(out);
  return out;
}

std::string CascadeWriter::rank_for(const Atom& a) {
  const std::string base = base_of(a);
  const int k = ++used_in_einsum_[base];
  const std::string name = fmt::format("{}_{}", base, k);
  if (!ranks_.count(name)) {
    ranks_[name] = a.symbol.empty() ? std::to_string(a.size) : a.symbol;
    rank_order_.push_back(name);
  }
  return name;
}

View CascadeWriter::add_input(const std::string& onnx_name, const std::vector<OnnxDim>& shape) {
  View v;
  v.tensor = fresh_name(onnx_name, "Input");
  std::vector<std::string> rank_names;
  used_in_einsum_.clear();
  for (const OnnxDim& d : shape) {
    v.dims.emplace_back();
    if (d.size == 1 && d.symbol.empty()) continue;  // size-1 dimensions have no atom
    v.dims.back().push_back(static_cast<int>(v.atoms.size()));
    v.atoms.push_back({d.size, d.symbol});
    rank_names.push_back(rank_for(v.atoms.back()));
  }
  inputs_.emplace_back(v.tensor, fmt::format("[{}]", fmt::join(rank_names, ", ")));
  views_[onnx_name] = v;
  return v;
}

const View& CascadeWriter::view(const std::string& onnx_name, const OnnxNode& node) const {
  auto it = views_.find(onnx_name);
  if (it == views_.end()) {
    throw Error(fmt::format("node '{}' ({}): input '{}' is not known (computed by an unsupported node, or missing)",
                            node.name, node.op, onnx_name));
  }
  return it->second;
}

void CascadeWriter::begin_einsum() { used_in_einsum_.clear(); }

IterDim CascadeWriter::iter_dim(const std::vector<Atom>& atoms) {
  IterDim d;
  d.atoms = atoms;
  for (const Atom& a : atoms) d.index.push_back(lower(rank_for(a)));
  return d;
}

IterDim CascadeWriter::iter_for(const std::vector<std::vector<Atom>>& candidates, const OnnxNode& node) {
  const std::vector<Atom>* best = nullptr;
  for (const auto& c : candidates)
    if (!c.empty() && (!best || c.size() > best->size())) best = &c;
  if (!best) return iter_dim({});
  for (const auto& c : candidates) {
    if (c.empty() || c.size() == 1 || c == *best) {
      if (!c.empty() && product(c) != product(*best))
        throw Error(fmt::format("node '{}' ({}): dimensions of size {} and {} do not broadcast", node.name, node.op,
                                product(c), product(*best)));
      continue;
    }
    throw Error(fmt::format("node '{}' ({}): its operands group a dimension of size {} differently (after "
                            "different reshapes); einsim cannot index both",
                            node.name, node.op, product(c)));
  }
  return iter_dim(*best);
}

std::string CascadeWriter::access(const View& v, const std::vector<const IterDim*>& dims, const OnnxNode& node) const {
  if (!v.literal.empty()) return v.literal;
  std::vector<std::string> idx(v.atoms.size());
  for (size_t d = 0; d < v.dims.size(); ++d) {
    const auto& group = v.dims[d];
    if (group.empty()) continue;
    const IterDim* it = dims[d];
    if (!it) throw InternalError(fmt::format("node '{}': no iteration for dimension {}", node.name, d));
    if (group.size() == it->atoms.size()) {
      for (size_t k = 0; k < group.size(); ++k) idx[group[k]] = it->index[k];
    } else if (group.size() == 1) {
      // One atom read at the affine combination of the iteration's finer indices.
      std::vector<std::string> terms;
      int64_t stride = 1;
      for (size_t k = it->atoms.size(); k-- > 0;) {
        if (!it->atoms[k].symbol.empty() && k + 1 < it->atoms.size())
          throw Error(fmt::format("node '{}' ({}): a symbolic dimension inside a merged one", node.name, node.op));
        terms.push_back(stride == 1 ? it->index[k] : fmt::format("{}*{}", stride, it->index[k]));
        stride *= it->atoms[k].size;
      }
      std::reverse(terms.begin(), terms.end());
      idx[group[0]] = fmt::format("{}", fmt::join(terms, " + "));
    } else {
      throw Error(fmt::format("node '{}' ({}): a merged dimension read by a coarser one", node.name, node.op));
    }
  }
  return fmt::format("{}[{}]", v.tensor, fmt::join(idx, ","));
}

View CascadeWriter::end_einsum(const std::string& onnx_out, const std::string& einsum_name,
                               const std::vector<const IterDim*>& out_dims, const std::string& expr,
                               const std::string& reduce, const std::string& comment) {
  View v;
  v.tensor = fresh_name(onnx_out, "T");
  std::vector<std::string> idx;
  for (const IterDim* d : out_dims) {
    v.dims.emplace_back();
    if (!d) continue;
    for (size_t k = 0; k < d->atoms.size(); ++k) {
      v.dims.back().push_back(static_cast<int>(v.atoms.size()));
      v.atoms.push_back(d->atoms[k]);
      idx.push_back(d->index[k]);
    }
  }
  const std::string name = einsum_name == v.tensor ? v.tensor : fresh_name(einsum_name, "E");
  std::string line = fmt::format("    - {{name: {}, expr: \"{}[{}] = {}\"{}}}", name, v.tensor, fmt::join(idx, ","), expr,
                                 reduce.empty() || reduce == "sum" ? "" : ", reduce: " + reduce);
  if (!comment.empty()) line += "   # " + comment;
  einsums_.push_back(line);
  views_[onnx_out] = v;
  return v;
}

std::string CascadeWriter::yaml(const std::string& name, const std::string& header, const std::string& format,
                                const std::map<std::string, int64_t>& parameters) const {
  std::string out = header;
  out += fmt::format("workload:\n  name: {}\n", name);
  if (!parameters.empty()) {
    out += "  parameters:\n";
    for (const auto& [k, v] : parameters) out += fmt::format("    {}: {}\n", k, v);
  }
  out += "  ranks:\n";
  for (const auto& r : rank_order_) out += fmt::format("    {}: {}\n", r, ranks_.at(r));
  out += fmt::format("  format: {}\n  tensors:\n", format);
  for (const auto& input : inputs_) {
    const std::string& t = input.first;
    const std::string& rs = input.second;
    // Inputs no Einsum reads (an image replaced by its padded copy) are left out.
    const bool read = std::any_of(einsums_.begin(), einsums_.end(),
                                  [&](const std::string& e) { return e.find(" " + t + "[") != std::string::npos ||
                                                                     e.find("(" + t + "[") != std::string::npos ||
                                                                     e.find("-" + t + "[") != std::string::npos; });
    if (read) out += fmt::format("    {}: {{ranks: {}}}\n", t, rs);
  }
  out += "  einsums:\n";
  for (const auto& e : einsums_) out += e + "\n";
  return out;
}

}  // namespace einsim::import
