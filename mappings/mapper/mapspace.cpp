#include "mappings/mapper/mapspace.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/number_format.hpp"

namespace einsim {
namespace {

constexpr uint64_t kSaturate = uint64_t{1} << 62;
constexpr size_t kMaxTileOptions = 10;

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kSaturate / b ? kSaturate : a * b;
}

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 1; d * d <= n; ++d) {
    if (n % d) continue;
    out.push_back(d);
    if (d != n / d) out.push_back(n / d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// At most `keep` values of a sorted list, spread geometrically, the last one always kept.
std::vector<int64_t> thin(const std::vector<int64_t>& v, size_t keep) {
  if (v.size() <= keep) return v;
  std::vector<int64_t> out;
  for (size_t i = 0; i < keep; ++i) {
    const size_t at = (v.size() - 1) * i / (keep - 1);
    if (out.empty() || out.back() != v[at]) out.push_back(v[at]);
  }
  return out;
}

// Whether Einsum e iterates rank r or a part or the parent of it.
bool iterates(const EinsumCascade& c, int e, int r) {
  for (int x : c.einsums[e].iteration_ranks)
    if (x == r || c.ranks[x].parent == r || c.ranks[r].parent == x) return true;
  return false;
}

// The array dimension rank r is spread over in group g (rows, columns or lanes), or 0.
int64_t spatial_extent(const ArchSpec& arch, const MappingGroup& g, int r) {
  for (const auto& p : g.placements) {
    const ComputeArray* a = arch.find_array(p.array);
    if (!a) continue;
    if (contains(p.rows, r)) return a->rows;
    if (contains(p.cols, r)) return a->cols;
  }
  return 0;
}

bool supports(const Einsum& e, const ComputeArray& a) {
  try {
    cycles_per_point(e, a.pe, a.dedicated_exp);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Tiles of a loop over a rank of `size` coordinates, the base's first; pruned for dominance
// (see mapspace.hpp). 0 stands for one coordinate per iteration.
std::vector<int64_t> tile_options(int64_t base, int64_t size, int64_t dim) {
  std::vector<int64_t> cand;
  const auto divs = divisors(size);
  if (dim > 0) {
    int64_t below = 1;
    std::vector<int64_t> above;
    for (int64_t d : divs) {
      if (d <= dim) below = d;
      if (d > dim && d % dim == 0) above.push_back(d);
    }
    cand.push_back(below);
    for (int64_t d : thin(above, kMaxTileOptions - 1)) cand.push_back(d);
  } else {
    cand.push_back(0);
    std::vector<int64_t> rest;
    for (int64_t d : divs)
      if (d > 1) rest.push_back(d);
    for (int64_t d : thin(rest, kMaxTileOptions - 1)) cand.push_back(d);
  }
  std::vector<int64_t> out = {base};
  for (int64_t t : cand)
    if (t != base && !(t == 1 && base == 0) && !(t == 0 && base == 1)) out.push_back(t);
  return out;
}

std::string rank_list(const EinsumCascade& c, const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : " ") + c.ranks[r].name;
  return s.empty() ? "-" : s;
}

// Alternative placements of one Einsum of a fused group: the base's first, then the other
// rank on the rows of a 2D array, rows and columns swapped, and the arrays of the other
// dimensionality whose PEs run it.
std::vector<EinsumPlacement> placement_options(const EinsumCascade& c, const ArchSpec& arch,
                                               const EinsumPlacement& base) {
  std::vector<EinsumPlacement> out = {base};
  auto add = [&](const EinsumPlacement& p) {
    for (const auto& q : out)
      if (q.array == p.array && q.rows == p.rows && q.cols == p.cols) return;
    out.push_back(p);
  };
  const Einsum& e = c.einsums[base.einsum];
  for (const auto& a : arch.arrays) {
    if (!supports(e, a)) continue;
    EinsumPlacement p = base;
    p.array = a.name;
    std::vector<int> lanes = !base.cols.empty() ? base.cols : base.rows;
    if (a.dimensions == 1) {
      p.rows.clear();
      p.cols = lanes;
      add(p);
      continue;
    }
    p.cols = lanes;
    p.rows = a.name == base.array ? base.rows : std::vector<int>{};
    add(p);
    if (!base.rows.empty() && !base.cols.empty() && a.name == base.array) {
      EinsumPlacement s = base;
      std::swap(s.rows, s.cols);
      add(s);
    }
    for (int r : e.iteration_ranks) {
      if (contains(lanes, r) || !c.ranks[r].parts.empty() || r == e.recurrent_rank) continue;
      EinsumPlacement q = p;
      q.rows = {r};
      add(q);
      if (out.size() >= 6) return out;
    }
  }
  return out;
}

}  // namespace

int64_t buffer_lower_bound(const EinsumCascade& c, const MappingGroup& g) {
  if (g.kind != GroupKind::fused) return 0;
  std::vector<int> seen;
  int64_t bytes = 0;
  auto extent = [&](const IndexExpr& ix) -> int64_t {
    return ix.is_plain() || ix.is_plain_plus_one() ? step_extent(c, g, ix.single_rank(), true) : 1;
  };
  for (int e : g.einsums) {
    for (const auto& in : c.einsums[e].inputs) {
      const int producer = c.tensors[in.tensor].producer;
      if (producer >= 0 && contains(g.einsums, producer)) continue;
      if (contains(seen, in.tensor)) continue;
      seen.push_back(in.tensor);
      int64_t elems = 1;
      for (const auto& d : in.dims) {
        elems = checked_mul(elems, extent(d.index), "tile size");
        if (d.inner) elems = checked_mul(elems, extent(*d.inner), "tile size");
      }
      bytes += checked_mul(elems, format_bits(c.tensors[in.tensor].format), "tile size") / 8;
    }
  }
  return bytes;
}

MapSpace::MapSpace(const EinsumCascade& cascade, const ArchSpec& arch) : cascade_(cascade), arch_(arch) {
  std::string why;
  for (const auto& name : preset_names()) {
    try {
      Base b;
      b.name = name;
      b.mapping = preset_mapping(name, cascade, arch);
      add_knobs(b);
      bases_.push_back(std::move(b));
    } catch (const Error& e) {
      why += fmt::format("\n  {}: {}", name, e.what());
    }
  }
  if (bases_.empty()) {
    throw Error(fmt::format("no mapping of workload '{}' runs on architecture '{}': no preset fits it, so its "
                            "arrays cannot run the cascade:{}",
                            cascade.name, arch.name, why));
  }
}

void MapSpace::add_knobs(Base& b) const {
  const EinsumCascade& c = cascade_;
  for (size_t gi = 0; gi < b.mapping.groups.size(); ++gi) {
    const MappingGroup& g = b.mapping.groups[gi];
    const int group = static_cast<int>(gi);
    if (g.kind == GroupKind::systolic) {
      Knob k;
      k.kind = Knob::Kind::dataflow;
      k.group = group;
      k.name = g.name + ": dataflow";
      const Dataflow all[] = {g.dataflow, Dataflow::weight_stationary, Dataflow::output_stationary,
                              Dataflow::input_stationary};
      for (Dataflow d : all) {
        if (std::find(k.values.begin(), k.values.end(), static_cast<int64_t>(d)) != k.values.end()) continue;
        k.values.push_back(static_cast<int64_t>(d));
        k.labels.emplace_back(dataflow_name(d));
      }
      b.knobs.push_back(k);
      continue;
    }
    // Loop order of the outer untiled loops (B, H, ...), at most 3 of them.
    size_t prefix = 0;
    while (prefix < g.loops.size() && prefix < 3 && g.loops[prefix].tile == 0 && !g.loops[prefix].in_buffer) ++prefix;
    if (prefix >= 2) {
      Knob k;
      k.kind = Knob::Kind::order;
      k.group = group;
      k.name = g.name + ": loop order";
      std::vector<int> perm(prefix);
      std::iota(perm.begin(), perm.end(), 0);
      do {
        std::string label;
        for (int i : perm) label += (label.empty() ? "" : " ") + c.ranks[g.loops[i].rank].name;
        k.orders.push_back(perm);
        k.labels.push_back(label);
        k.values.push_back(static_cast<int64_t>(k.orders.size() - 1));
      } while (std::next_permutation(perm.begin(), perm.end()));
      b.knobs.push_back(k);
    }
    for (size_t li = 0; li < g.loops.size(); ++li) {
      const GroupLoop& l = g.loops[li];
      const int64_t size = c.ranks[l.rank].size;
      if (size <= 1) continue;
      Knob t;
      t.kind = Knob::Kind::tile;
      t.group = group;
      t.index = static_cast<int>(li);
      t.name = fmt::format("{}: tile of {}", g.name, c.ranks[l.rank].name);
      t.values = tile_options(l.tile, size, spatial_extent(arch_, g, l.rank));
      for (int64_t v : t.values) t.labels.push_back(v ? std::to_string(v) : "1");
      if (t.values.size() > 1) b.knobs.push_back(t);
      // A block of the buffer: a DRAM loop over `factor` of this loop's tiles, the loops inside in the buffer.
      if (li < prefix || l.in_buffer) continue;
      const int64_t unit = l.tile > 0 ? l.tile : 1;
      Knob k;
      k.kind = Knob::Kind::block;
      k.group = group;
      k.index = static_cast<int>(li);
      k.name = fmt::format("{}: buffer block of {}", g.name, c.ranks[l.rank].name);
      for (int64_t f = 1; f * unit <= size && k.values.size() < 16; f *= 2) {
        if (size % (f * unit)) continue;
        k.values.push_back(f);
        k.labels.push_back(f == 1 ? "none" : std::to_string(f * unit));
      }
      if (k.values.size() > 1) b.knobs.push_back(k);
    }
    {
      Knob k;
      k.kind = Knob::Kind::slots;
      k.group = group;
      k.name = g.name + ": slots";
      const StorageLevel* level = arch_.find_level(g.buffer);
      for (int64_t s : {g.slots, int64_t{1}, int64_t{2}, int64_t{3}}) {
        if (std::find(k.values.begin(), k.values.end(), s) != k.values.end()) continue;
        if (s > 1 && level && !level->double_buffered) continue;  // one slot per tile (validate_mapping)
        k.values.push_back(s);
        k.labels.push_back(std::to_string(s));
      }
      b.knobs.push_back(k);
    }
    for (size_t pi = 0; pi < g.placements.size(); ++pi) {
      Knob k;
      k.kind = Knob::Kind::place;
      k.group = group;
      k.index = static_cast<int>(pi);
      k.name = fmt::format("{}: placement of {}", g.name, c.einsums[g.placements[pi].einsum].name);
      k.placements = placement_options(c, arch_, g.placements[pi]);
      for (size_t i = 0; i < k.placements.size(); ++i) {
        const auto& p = k.placements[i];
        k.values.push_back(static_cast<int64_t>(i));
        k.labels.push_back(fmt::format("{} rows {} cols {}", p.array, rank_list(c, p.rows), rank_list(c, p.cols)));
      }
      if (k.placements.size() > 1) b.knobs.push_back(k);
    }
    // The register file's loop: one rank the PEs step through outermost, for the arrays with one.
    const StorageLevel* rf = nullptr;
    for (size_t a = 0; a < arch_.arrays.size() && !rf; ++a) rf = arch_.regfile_of(a);
    if (rf && g.pe_order.empty()) {
      Knob k;
      k.kind = Knob::Kind::regfile;
      k.group = group;
      k.name = fmt::format("{}: loop of {}", g.name, rf->name);
      k.values.push_back(-1);
      k.labels.push_back("none");
      std::vector<int> ranks;
      for (int e : g.einsums)
        for (int r : c.einsums[e].iteration_ranks)
          if (!contains(ranks, r) && spatial_extent(arch_, g, r) == 0) ranks.push_back(r);
      for (int r : ranks) {
        k.values.push_back(r);
        k.labels.push_back(c.ranks[r].name);
      }
      if (k.values.size() > 1) b.knobs.push_back(k);
    }
    if (g.einsums.size() >= 2) {
      Knob k;
      k.kind = Knob::Kind::split;
      k.group = group;
      k.name = g.name + ": split (spill through DRAM)";
      k.values.push_back(0);
      k.labels.push_back("fused");
      for (size_t at = 1; at < g.einsums.size(); ++at) {
        k.values.push_back(static_cast<int64_t>(at));
        k.labels.push_back("after " + c.einsums[g.einsums[at - 1]].name);
      }
      b.knobs.push_back(k);
    }
  }
}

uint64_t MapSpace::size(int b) const {
  uint64_t n = 1;
  for (const auto& k : bases_[b].knobs) n = saturating_mul(n, k.values.size());
  return n;
}

uint64_t MapSpace::size() const {
  uint64_t n = 0;
  for (int b = 0; b < bases(); ++b) n = std::min(kSaturate, n + size(b));
  return n;
}

MapPoint MapSpace::point_at(uint64_t i) const {
  MapPoint p;
  for (p.base = 0; p.base < bases(); ++p.base) {
    const uint64_t n = size(p.base);
    if (i < n) break;
    i -= n;
  }
  if (p.base >= bases()) throw Error("point index beyond the mapping space");
  const auto& knobs = bases_[p.base].knobs;
  p.options.assign(knobs.size(), 0);
  for (size_t k = knobs.size(); k-- > 0;) {
    const uint64_t n = knobs[k].values.size();
    p.options[k] = static_cast<int>(i % n);
    i /= n;
  }
  return p;
}

Mapping MapSpace::build(const MapPoint& p) const {
  const Base& base = bases_.at(p.base);
  if (p.options.size() != base.knobs.size()) throw Error("a point of the mapping space with the wrong knobs");
  Mapping m = base.mapping;
  m.source = "einsim map (from preset " + base.name + ")";
  m.notes.clear();
  const EinsumCascade& c = cascade_;
  // Loop changes in a fixed order: tiles and blocks by the base's loop indices, then the order
  // of the outer loops (which blocks never touch), then the splits (which renumber groups).
  std::vector<const Knob*> blocks, orders, splits;
  for (size_t k = 0; k < base.knobs.size(); ++k) {
    const Knob& kn = base.knobs[k];
    const int o = p.options[k];
    if (o < 0 || o >= static_cast<int>(kn.values.size())) throw Error("a point of the mapping space out of range");
    MappingGroup& g = m.groups[kn.group];
    const int64_t v = kn.values[o];
    switch (kn.kind) {
      case Knob::Kind::dataflow: g.dataflow = static_cast<Dataflow>(v); break;
      case Knob::Kind::tile: g.loops[kn.index].tile = v; break;
      case Knob::Kind::slots: g.slots = v; break;
      case Knob::Kind::place: g.placements[kn.index] = kn.placements[v]; break;
      case Knob::Kind::regfile:
        if (v >= 0) {
          for (size_t a = 0; a < arch_.arrays.size(); ++a)
            if (const StorageLevel* rf = arch_.regfile_of(a)) {
              g.pe_level = rf->name;
              break;
            }
          g.pe_order = {GroupLoop(static_cast<int>(v), 0)};
        }
        break;
      case Knob::Kind::block: if (v > 1) blocks.push_back(&kn); break;
      case Knob::Kind::order: if (o > 0) orders.push_back(&kn); break;
      case Knob::Kind::split: if (v > 0) splits.push_back(&kn); break;
    }
  }
  // Blocks, innermost loop first so the indices of outer ones stay valid; one block per group.
  std::vector<int> blocked;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    const Knob& kn = **it;
    if (contains(blocked, kn.group)) throw Error("two buffer blocks in one group");
    blocked.push_back(kn.group);
    MappingGroup& g = m.groups[kn.group];
    const int64_t factor = kn.values[p.options[&kn - base.knobs.data()]];
    GroupLoop& l = g.loops[kn.index];
    const int64_t dram_tile = (l.tile > 0 ? l.tile : 1) * factor;
    if (c.ranks[l.rank].size % dram_tile) throw Error("a buffer block that does not divide its rank");
    for (size_t i = kn.index; i < g.loops.size(); ++i) g.loops[i].in_buffer = true;
    const int rank = l.rank;
    g.loops.insert(g.loops.begin() + kn.index, GroupLoop(rank, dram_tile));
  }
  for (const Knob* kn : orders) {
    MappingGroup& g = m.groups[kn->group];
    const auto& perm = kn->orders[kn->values[p.options[kn - base.knobs.data()]]];
    std::vector<GroupLoop> head;
    for (int i : perm) head.push_back(g.loops[i]);
    std::copy(head.begin(), head.end(), g.loops.begin());
  }
  for (auto it = splits.rbegin(); it != splits.rend(); ++it) {
    const Knob& kn = **it;
    const size_t at = static_cast<size_t>(kn.values[p.options[&kn - base.knobs.data()]]);
    MappingGroup first = m.groups[kn.group];
    MappingGroup second = first;
    first.name += "_a";
    second.name += "_b";
    first.einsums.assign(m.groups[kn.group].einsums.begin(), m.groups[kn.group].einsums.begin() + at);
    second.einsums.assign(m.groups[kn.group].einsums.begin() + at, m.groups[kn.group].einsums.end());
    first.placements.assign(m.groups[kn.group].placements.begin(), m.groups[kn.group].placements.begin() + at);
    second.placements.assign(m.groups[kn.group].placements.begin() + at, m.groups[kn.group].placements.end());
    for (MappingGroup* part : {&first, &second}) {
      std::vector<GroupLoop> kept;
      for (const auto& l : part->loops) {
        bool used = false;
        for (int e : part->einsums) used = used || iterates(c, e, l.rank);
        if (used) kept.push_back(l);
      }
      part->loops = kept;
    }
    m.groups[kn.group] = first;
    m.groups.insert(m.groups.begin() + kn.group + 1, second);
  }
  validate_mapping(m, c, arch_);
  for (const auto& g : m.groups) {
    if (g.kind != GroupKind::fused) continue;
    const auto cap = arch_.level(g.buffer).capacity_bytes;
    const int64_t need = buffer_lower_bound(c, g);
    if (cap && need > *cap) {
      throw Error(fmt::format("buffer {} is too small for group '{}': its tiles from DRAM need at least {} bytes",
                              g.buffer, g.name, need));
    }
  }
  return m;
}

}  // namespace einsim
