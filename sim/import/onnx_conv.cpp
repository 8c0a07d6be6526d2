// Conv and pooling: sliding windows as affine indices, `stride*p + dilation*r`.
#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/import/onnx_ops.hpp"

namespace einsim::import {
namespace {

struct Window {
  int64_t out = 1, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0;
};

// The windows along one spatial dimension of size `in` (ONNX's output size formula, floor mode).
Window window(const OnnxNode& n, int64_t in, int64_t kernel, size_t d, size_t spatial) {
  Window w;
  w.kernel = kernel;
  const auto strides = n.attr_ints("strides", {});
  const auto dil = n.attr_ints("dilations", {});
  const auto pads = n.attr_ints("pads", {});
  if (d < strides.size()) w.stride = strides[d];
  if (d < dil.size()) w.dilation = dil[d];
  if (pads.size() == 2 * spatial) w.pad_begin = pads[d], w.pad_end = pads[d + spatial];
  auto ap = n.attributes.find("auto_pad");
  if (ap != n.attributes.end() && (ap->second.s == "SAME_UPPER" || ap->second.s == "SAME_LOWER")) {
    const int64_t out = (in + w.stride - 1) / w.stride;
    const int64_t total = std::max<int64_t>(0, (out - 1) * w.stride + (kernel - 1) * w.dilation + 1 - in);
    w.pad_begin = ap->second.s == "SAME_UPPER" ? total / 2 : total - total / 2;
    w.pad_end = total - w.pad_begin;
  }
  if (w.stride <= 0 || w.dilation <= 0 || w.pad_begin < 0 || w.pad_end < 0)
    fail(n, "strides and dilations must be positive, pads not negative");
  const int64_t span = in + w.pad_begin + w.pad_end - w.dilation * (kernel - 1) - 1;
  if (span < 0) fail(n, fmt::format("the window ({}) is larger than the padded input ({})", kernel, in));
  w.out = span / w.stride + 1;
  return w;
}

// `stride*p + dilation*r`, leaving out indices of size-1 dimensions.
std::string affine(const Window& w, const IterDim& p, const IterDim& r) {
  std::string s;
  if (!p.index.empty()) s = w.stride == 1 ? p.index[0] : fmt::format("{}*{}", w.stride, p.index[0]);
  if (!r.index.empty()) {
    s += s.empty() ? "" : " + ";
    s += w.dilation == 1 ? r.index[0] : fmt::format("{}*{}", w.dilation, r.index[0]);
  }
  return s.empty() ? "0" : s;
}

std::vector<Atom> atom_if(int64_t size) { return size > 1 ? std::vector<Atom>{Atom{size, ""}} : std::vector<Atom>{}; }

// The input as the sliding windows read it: X itself, or, with zero padding, a tensor of the
// padded size of its own (einsim's accesses stay inside their tensors).
View windowed_input(const OnnxNode& n, const View& x, const std::vector<Window>& w, OpContext& c) {
  bool padded = false;
  for (const Window& s : w) padded = padded || s.pad_begin > 0 || s.pad_end > 0;
  for (size_t d = 0; d < x.rank(); ++d)
    if (x.dims[d].size() > 1) fail(n, "the input's dimensions must not be merged ones (after a Reshape)");
  if (!padded) return x;
  std::vector<OnnxDim> shape;
  for (size_t d = 0; d < x.rank(); ++d) {
    const auto atoms = x.dim_atoms(d);
    OnnxDim od{x.dim_size(d), atoms.size() == 1 ? atoms[0].symbol : ""};
    if (d >= 2) od.size += w[d - 2].pad_begin + w[d - 2].pad_end;
    shape.push_back(od);
  }
  const std::string name = fmt::format("{}_pad{}x{}", n.inputs[0], w[0].pad_begin + w[0].pad_end,
                                       w.size() > 1 ? w[1].pad_begin + w[1].pad_end : 0);
  if (c.w.has_view(name)) return c.w.view(name, n);
  c.notes.push_back(fmt::format("node '{}' ({}): its zero-padded input is a tensor of its own, {} (einsim's "
                                "accesses stay inside their tensors), read from DRAM",
                                n.name, n.op, name));
  return c.w.add_input(name, shape);
}

}  // namespace

void conv(const OnnxNode& n, OpContext& c) {
  const View x0 = input(n, 0, c), wt = input(n, 1, c);
  if (x0.rank() != 4 || wt.rank() != 4) fail(n, "einsim imports 2D convolutions (inputs N x C x H x W)");
  std::vector<Window> w;
  for (size_t d = 0; d < 2; ++d) w.push_back(window(n, x0.dim_size(d + 2), wt.dim_size(d + 2), d, 2));
  for (size_t d = 2; d < 4; ++d) {
    for (const Atom& a : x0.dim_atoms(d))
      if (!a.symbol.empty()) fail(n, "a symbolic image size (set it with --set)");
  }
  const View x = windowed_input(n, x0, w, c);
  const int64_t G = n.attr_int("group", 1), K = wt.dim_size(0), Cg = wt.dim_size(1), C = x.dim_size(1);
  if (G <= 0 || C != Cg * G || K % G)
    fail(n, fmt::format("{} input channels, {} filters of {} channels, {} groups do not agree", C, K, Cg, G));
  const int64_t Kg = K / G;
  c.w.begin_einsum();
  const IterDim nn = c.w.iter_dim(x.dim_atoms(0));
  std::vector<Atom> k_atoms = G == 1 ? atom_if(K) : atom_if(G);
  if (G > 1 && Kg > 1) k_atoms.push_back({Kg, ""});
  const IterDim k = c.w.iter_dim(k_atoms);
  const IterDim ch = c.w.iter_dim(atom_if(G == 1 ? C : Cg));
  const IterDim p = c.w.iter_dim(atom_if(w[0].out)), q = c.w.iter_dim(atom_if(w[1].out));
  const IterDim r = c.w.iter_dim(atom_if(w[0].kernel)), s = c.w.iter_dim(atom_if(w[1].kernel));
  // Channel indices: c (one group), or Cg*g + cg, and the filter Kg*g + kg.
  std::string xc, wk;
  if (G == 1) {
    xc = ch.index.empty() ? "" : ch.index[0];
    wk = k.index.empty() ? "" : k.index[0];
  } else {
    const std::string g = k.index[0];
    xc = ch.index.empty() ? g : fmt::format("{}*{} + {}", Cg, g, ch.index[0]);
    wk = Kg == 1 ? g : fmt::format("{}*{} + {}", Kg, g, k.index[1]);
  }
  std::vector<std::string> xi, wi;
  for (const auto& i : nn.index) xi.push_back(i);
  if (!x.dims[1].empty()) xi.push_back(xc);
  if (!x.dims[2].empty()) xi.push_back(affine(w[0], p, r));
  if (!x.dims[3].empty()) xi.push_back(affine(w[1], q, s));
  if (!wt.dims[0].empty()) wi.push_back(wk);
  if (!wt.dims[1].empty()) wi.push_back(ch.index[0]);
  if (!wt.dims[2].empty()) wi.push_back(r.index[0]);
  if (!wt.dims[3].empty()) wi.push_back(s.index[0]);
  const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  const std::string o = out_name(n);
  const std::string expr =
      fmt::format("{}[{}] * {}[{}]", x.tensor, fmt::join(xi, ","), wt.tensor, fmt::join(wi, ","));
  const View y = c.w.end_einsum(bias ? o + "#conv" : o, n.name, {&nn, &k, &p, &q}, expr, "sum", "");
  if (bias) {
    View b = input(n, 2, c);  // [K], per output channel
    if (b.rank() != 1) fail(n, "the bias must have one dimension");
    b.dims = {{}, b.dims[0], {}, {}};
    elementwise(n, {y, b}, [](auto& a) { return fmt::format("{} + {}", a[0], a[1]); }, c, o, "_bias");
  }
}

void pool(const OnnxNode& n, OpContext& c) {
  const View x0 = input(n, 0, c);
  if (x0.rank() != 4) fail(n, "einsim imports 2D pooling (inputs N x C x H x W)");
  const auto ks = n.attr_ints("kernel_shape", {});
  if (ks.size() != 2) fail(n, "kernel_shape must have 2 entries");
  if (n.attr_int("ceil_mode", 0)) fail(n, "ceil_mode 1 is not supported");
  std::vector<Window> w;
  for (size_t d = 0; d < 2; ++d) w.push_back(window(n, x0.dim_size(d + 2), ks[d], d, 2));
  const View x = windowed_input(n, x0, w, c);
  c.w.begin_einsum();
  const IterDim nn = c.w.iter_dim(x.dim_atoms(0)), ch = c.w.iter_dim(x.dim_atoms(1));
  const IterDim p = c.w.iter_dim(atom_if(w[0].out)), q = c.w.iter_dim(atom_if(w[1].out));
  const IterDim r = c.w.iter_dim(atom_if(w[0].kernel)), s = c.w.iter_dim(atom_if(w[1].kernel));
  std::vector<std::string> xi;
  for (const auto& i : nn.index) xi.push_back(i);
  for (const auto& i : ch.index) xi.push_back(i);
  if (!x.dims[2].empty()) xi.push_back(affine(w[0], p, r));
  if (!x.dims[3].empty()) xi.push_back(affine(w[1], q, s));
  std::string expr = fmt::format("{}[{}]", x.tensor, fmt::join(xi, ","));
  const bool avg = n.op == "AveragePool";
  if (avg) expr += fmt::format(" / {}", ks[0] * ks[1]);
  c.w.end_einsum(out_name(n), n.name, {&nn, &ch, &p, &q}, expr, avg ? "sum" : "max", "");
}

}  // namespace einsim::import
