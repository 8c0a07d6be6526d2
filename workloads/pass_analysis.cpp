#include "workloads/pass_analysis.hpp"

#include <algorithm>
#include <set>

namespace einsim {
namespace {

struct Availability {
  int k = 0;
  bool streaming = false;
};

// `within[e]`: Einsum e takes part; the outputs of the others are as available as inputs.
std::vector<RankPasses> passes_within(const EinsumCascade& c, const CascadeGraph& g, const std::vector<bool>& within) {
  std::vector<RankPasses> out;
  for (int r : c.base_ranks()) {
    const std::vector<int> parts = c.ranks[r].parts.empty() ? std::vector<int>{r} : c.ranks[r].parts;
    auto is_part = [&](int rank) { return rank == r || std::find(parts.begin(), parts.end(), rank) != parts.end(); };
    RankPasses rp;
    rp.rank = r;
    std::vector<Availability> avail(c.tensors.size());
    std::vector<int> time(c.tensors.size(), 0);  // production time; inputs 0
    std::vector<int> einsum_time(c.einsums.size(), 0);
    std::vector<bool> einsum_in_pass(c.einsums.size(), false);
    std::vector<int> einsum_pass(c.einsums.size(), 0);
    for (int e : g.topological_order()) {
      if (!within[e]) continue;
      const Einsum& ein = c.einsums[e];
      std::set<int> iter(ein.iteration_ranks.begin(), ein.iteration_ranks.end());
      Traversal trav = Traversal::none;
      if (iter.count(r) || std::all_of(parts.begin(), parts.end(), [&](int p) { return iter.count(p) > 0; })) {
        trav = Traversal::full;
      } else if (std::any_of(parts.begin(), parts.end(), [&](int p) { return iter.count(p) > 0; })) {
        trav = Traversal::partial;
      }
      int max_need = 0, max_k = 0, max_stream = -1;
      for (const Access& a : ein.inputs) {
        if (a.loop_carried) continue;
        Availability av = avail[a.tensor];
        // A read at a fixed (final) coordinate of R waits for the whole tensor.
        for (size_t d = 0; d < a.dims.size(); ++d)
          if (a.dims[d].index.is_last() && is_part(a.dims[d].index.last_rank)) av.streaming = false;
        const int need = av.streaming ? av.k : av.k + 1;
        max_need = std::max(max_need, need);
        max_k = std::max(max_k, av.k);
        if (av.streaming) max_stream = std::max(max_stream, av.k);
      }
      EinsumPass ep;
      ep.einsum = e;
      ep.traversal = trav;
      if (trav == Traversal::full) {
        ep.in_pass = true;
        ep.pass = std::max(1, max_need);
      } else if (trav == Traversal::partial && max_stream >= 0 && max_need <= max_stream) {
        ep.in_pass = true;
        ep.pass = max_stream;
      } else {
        ep.in_pass = false;
        ep.pass = max_k;
      }
      bool keeps = false;
      for (const IndexExpr& ix : ein.output.indices) keeps = keeps || is_part(ix.single_rank());
      Availability& o = avail[ein.output.tensor];
      o.k = ep.pass;
      o.streaming = ep.in_pass && keeps;
      einsum_time[e] = ep.in_pass ? 2 * ep.pass : 2 * ep.pass + 1;
      einsum_in_pass[e] = ep.in_pass;
      einsum_pass[e] = ep.pass;
      time[ein.output.tensor] = einsum_time[e];
      if (trav == Traversal::full) rp.passes = std::max(rp.passes, ep.pass);
      rp.einsums.push_back(ep);
    }
    // Live tensors: intermediates read in a pass later than the one (or the level) they come from.
    for (size_t t = 0; t < c.tensors.size(); ++t) {
      const Tensor& ten = c.tensors[t];
      if (ten.producer < 0 || !within[ten.producer]) continue;
      int last = -1;
      std::vector<bool> all_fixed(ten.ranks.size(), true);
      for (int e : g.consumers(static_cast<int>(t))) {
        if (!within[e]) continue;
        // Produced before any pass (level 0): as available as an input.
        if (!einsum_in_pass[ten.producer] && einsum_pass[ten.producer] == 0) continue;
        if (!einsum_in_pass[e] || einsum_pass[e] <= einsum_pass[ten.producer]) continue;
        last = std::max(last, einsum_time[e]);
        for (const Access& a : c.einsums[e].inputs) {
          if (a.tensor != static_cast<int>(t)) continue;
          for (size_t d = 0; d < a.dims.size(); ++d)
            if (!a.dims[d].index.is_last()) all_fixed[d] = false;
        }
      }
      if (last < 0) continue;
      LiveTensor lt;
      lt.tensor = static_cast<int>(t);
      lt.elements = 1;
      for (size_t d = 0; d < ten.ranks.size(); ++d) {
        if (all_fixed[d]) continue;
        lt.elements = checked_mul(lt.elements, ten.extents[d], "a live tensor size");
        lt.grows_with_rank = lt.grows_with_rank || is_part(ten.ranks[d]);
      }
      const int64_t bits = format_bits(ten.format);
      lt.bytes = checked_add(checked_mul(lt.elements / 8, bits, "a live tensor size"),
                             ((lt.elements % 8) * bits + 7) / 8, "a live tensor size");
      lt.produced = time[t];
      lt.last_read = last;
      rp.live.push_back(lt);
    }
    out.push_back(std::move(rp));
  }
  return out;
}

}  // namespace

std::vector<RankPasses> analyze_passes(const EinsumCascade& c, const CascadeGraph& g) {
  return passes_within(c, g, std::vector<bool>(c.einsums.size(), true));
}

std::vector<RankPasses> analyze_passes(const EinsumCascade& c, const CascadeGraph& g, const std::vector<int>& subset) {
  std::vector<bool> within(c.einsums.size(), false);
  for (int e : subset) within.at(static_cast<size_t>(e)) = true;
  return passes_within(c, g, within);
}

}  // namespace einsim
