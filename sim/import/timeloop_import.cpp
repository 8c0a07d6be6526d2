#include "sim/import/timeloop_import.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

namespace einsim::import {
namespace {

struct Term {
  std::string dim;
  std::string coefficient;  // empty: 1
};

struct DataSpace {
  std::string name;
  std::vector<std::vector<Term>> projection;  // one sum of products per tensor rank
  bool output = false;
};

struct Shape {
  std::string name;
  std::vector<std::string> dims;
  std::map<std::string, int64_t> coefficients;  // name -> default
  std::vector<std::string> coefficient_order;
  std::vector<DataSpace> spaces;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Timeloop's built-in CNN layer (its problem-shapes/cnn-layer.yaml), in the legacy form.
Shape cnn_layer() {
  Shape s;
  s.name = "CNN-Layer";
  s.dims = {"C", "M", "R", "S", "N", "P", "Q"};
  s.coefficient_order = {"Wstride", "Hstride", "Wdilation", "Hdilation"};
  for (const auto& c : s.coefficient_order) s.coefficients[c] = 1;
  s.spaces = {{"Weights", {{{"C", ""}}, {{"M", ""}}, {{"R", ""}}, {{"S", ""}}}, false},
              {"Inputs",
               {{{"N", ""}}, {{"C", ""}}, {{"R", "Wdilation"}, {"P", "Wstride"}}, {{"S", "Hdilation"}, {"Q", "Hstride"}}},
               false},
              {"Outputs", {{{"N", ""}}, {{"M", ""}}, {{"Q", ""}}, {{"P", ""}}}, true}};
  return s;
}

Shape read_shape(const SpecNode& n) {
  Shape s;
  s.name = n.as_string_or("name", "problem");
  for (const SpecNode& d : n.at("dimensions").items()) {
    const std::string dim = d.as_string();
    if (dim.empty() || !std::isalpha(static_cast<unsigned char>(dim[0])) ||
        identifier(dim, "") != dim) {
      d.fail(fmt::format("dimension '{}' is not a name of letters, digits and '_'", dim));
    }
    if (std::find(s.dims.begin(), s.dims.end(), upper(dim)) != s.dims.end()) d.fail("dimension given twice");
    s.dims.push_back(upper(dim));
  }
  if (auto cs = n.find("coefficients")) {
    for (const SpecNode& c : cs->items()) {
      const std::string name = c.at("name").as_string();
      s.coefficients[name] = c.as_int_or("default", 1);
      s.coefficient_order.push_back(name);
    }
  }
  for (const SpecNode& ds : n.at("data-spaces").items()) {
    DataSpace d;
    d.name = identifier(ds.at("name").as_string(), "T");
    d.output = ds.as_bool_or("read-write", false);
    const SpecNode proj = ds.at("projection");
    for (const SpecNode& rank : proj.items()) {
      // A rank is [D] (legacy) or a list of terms [[D], [D, coef]].
      std::vector<Term> terms;
      if (!rank.is_sequence()) rank.fail("a projection rank is a list of terms ([D] or [D, coefficient])");
      const auto items = rank.items();
      if (!items.empty() && items[0].is_scalar()) {
        terms.push_back({upper(items[0].as_string()), items.size() > 1 ? items[1].as_string() : ""});
      } else {
        for (const SpecNode& t : items) {
          const auto parts = t.items();
          if (parts.empty() || parts.size() > 2) t.fail("a term is [D] or [D, coefficient]");
          terms.push_back({upper(parts[0].as_string()), parts.size() > 1 ? parts[1].as_string() : ""});
        }
      }
      for (const Term& t : terms) {
        if (std::find(s.dims.begin(), s.dims.end(), t.dim) == s.dims.end())
          rank.fail(fmt::format("unknown dimension '{}' (dimensions: {})", t.dim, fmt::join(s.dims, ", ")));
        if (!t.coefficient.empty() && !s.coefficients.count(t.coefficient))
          rank.fail(fmt::format("unknown coefficient '{}'", t.coefficient));
      }
      d.projection.push_back(terms);
    }
    s.spaces.push_back(d);
  }
  if (std::count_if(s.spaces.begin(), s.spaces.end(), [](const DataSpace& d) { return d.output; }) != 1)
    n.at("data-spaces").fail("exactly one data space must be read-write: true (the output)");
  return s;
}

}  // namespace

ImportResult import_timeloop(const YamlDocument& doc) {
  const SpecNode root = doc.root();
  if (!root.is_map() || !root.has("problem")) root.fail("a Timeloop problem file has a top-level `problem:` key");
  const SpecNode p = root.at("problem");
  if (!p.is_map()) p.fail("expected a map");
  Shape shape;
  SpecNode instance = p;
  if (p.has("shape")) {
    const SpecNode sn = p.at("shape");
    if (sn.is_scalar()) {
      if (lower(sn.as_string()) != "cnn-layer" && lower(sn.as_string()) != "cnn_layer")
        sn.fail("a named shape must be cnn-layer (give others in full: name, dimensions, data-spaces)");
      shape = cnn_layer();
    } else {
      shape = read_shape(sn);
    }
    instance = p.at("instance");
  } else {
    shape = cnn_layer();
  }
  // Sizes: every dimension from the instance (default 1 in the legacy form), coefficients too.
  std::map<std::string, int64_t> size;
  std::map<std::string, int64_t> coef = shape.coefficients;
  std::set<std::string> known(shape.dims.begin(), shape.dims.end());
  for (const auto& [key, v] : instance.entries()) {
    if (key == "shape" || key == "densities") continue;
    if (coef.count(key)) {
      coef[key] = v.as_int();
      if (coef[key] <= 0) v.fail("a coefficient must be positive");
    } else if (known.count(upper(key))) {
      size[upper(key)] = v.as_int();
      if (size[upper(key)] <= 0) v.fail("a dimension size must be positive");
    } else if (shape.name == "CNN-Layer" && upper(key) == "K") {  // Timeloop's legacy files name M as K
      size["M"] = v.as_int();
    } else {
      v.fail(fmt::format("'{}' is neither a dimension ({}) nor a coefficient", key, fmt::join(shape.dims, ", ")));
    }
  }
  ImportResult r;
  std::string params, ranks, tensors;
  for (const auto& c : shape.coefficient_order) params += fmt::format("    {}: {}\n", c, coef[c]);
  for (const auto& d : shape.dims) {
    if (!size.count(d)) {
      if (p.has("shape")) instance.fail(fmt::format("the instance gives no size for dimension {}", d));
      size[d] = 1;
    }
    ranks += fmt::format("    {}: {}\n", d, size[d]);
  }
  auto term_text = [](const Term& t) {
    return t.coefficient.empty() ? lower(t.dim) : fmt::format("{}*{}", t.coefficient, lower(t.dim));
  };
  std::string inputs, output;
  for (const DataSpace& d : shape.spaces) {
    std::vector<std::string> idx, rank_names;
    for (size_t i = 0; i < d.projection.size(); ++i) {
      const auto& terms = d.projection[i];
      std::vector<std::string> parts;
      for (const Term& t : terms) parts.push_back(term_text(t));
      idx.push_back(fmt::format("{}", fmt::join(parts, " + ")));
      if (terms.size() == 1 && terms[0].coefficient.empty()) {
        rank_names.push_back(terms[0].dim);
      } else {
        // A rank of its own, as large as the projection reaches: sum of (size - 1) x coefficient, + 1.
        int64_t extent = 1;
        for (const Term& t : terms) extent += (size[t.dim] - 1) * (t.coefficient.empty() ? 1 : coef[t.coefficient]);
        const std::string rn = fmt::format("{}_{}", upper(d.name), i);
        ranks += fmt::format("    {}: {}\n", rn, extent);
        rank_names.push_back(rn);
      }
    }
    const std::string access = fmt::format("{}[{}]", d.name, fmt::join(idx, ", "));
    if (d.output) {
      output = access;
      for (const auto& i : idx) {
        if (std::find(shape.dims.begin(), shape.dims.end(), upper(i)) == shape.dims.end())
          throw Error(fmt::format("{}: output data space {}: each rank must be one dimension (got '{}')", doc.file(),
                                  d.name, i));
      }
    } else {
      inputs += (inputs.empty() ? "" : " * ") + access;
      tensors += fmt::format("    {}: {{ranks: [{}]}}\n", d.name, fmt::join(rank_names, ", "));
    }
  }
  const std::string name = identifier(shape.name, "timeloop");
  std::string w = fmt::format(
      "# Imported from a Timeloop problem ({}) by `einsim import timeloop`.\n"
      "workload:\n  name: {}\n{}  ranks:\n{}  tensors:\n{}  einsums:\n    - {} = {}\n",
      doc.file(), name, params.empty() ? "" : "  parameters:\n" + params, ranks, tensors, output, inputs);
  r.files = {{"workload.yaml", w}};
  return r;
}

}  // namespace einsim::import
