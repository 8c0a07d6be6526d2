// Lowering of a fused group: its Einsums on their arrays, step by step over the group's
// loops, with the tiles each storage level loads, holds and writes.

#include <algorithm>
#include <map>

#include "sim/lower/lower_common.hpp"

namespace einsim::lower_detail {
namespace {

class FusedLowering {
 public:
  FusedLowering(const EinsumCascade& c, const CascadeGraph& graph, const ArchSpec& arch, const MappingGroup& g,
                const std::vector<int>& group_of, int group_index)
      : c_(c), graph_(graph), arch_(arch), g_(g), group_of_(group_of), gi_(group_index), dram_(dram_of(arch)) {}

  LoweredGroup run() {
    LoweredGroup out = new_group(g_, arch_);
    out.buffer = g_.buffer;
    TileProgram& p = out.program;
    p.buffers = {{g_.buffer, static_cast<uint64_t>(arch_.level(g_.buffer).capacity_bytes.value_or(0))}};

    // Loop extents and steps.
    for (const auto& l : g_.loops) {
      int64_t size = c_.ranks[l.rank].size;
      // A buffer's loop over a rank the DRAM's loops tile too cuts the DRAM's tile.
      for (const auto& outer : g_.loops)
        if (l.in_buffer && !outer.in_buffer && outer.rank == l.rank) size = outer.tile;
      n_.push_back(static_cast<uint64_t>(l.tile > 0 ? size / l.tile : size));
    }
    steps_ = 1;
    for (uint64_t n : n_) steps_ = mul_checked(steps_, n, "the number of steps");
    if (steps_ > kMaxSteps) throw Error(fmt::format("group '{}' has too many steps", g_.name));
    p.steps = steps_;
    p.foldable = std::none_of(g_.loops.begin(), g_.loops.end(), [](const GroupLoop& l) { return l.in_buffer; });

    std::vector<int> order = g_.einsums;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return graph_.position(a) < graph_.position(b); });
    const size_t ne = c_.einsums.size();
    std::vector<uint32_t> op_of(ne, UINT32_MAX);
    std::vector<int> deepest(ne, -1);
    for (int e : order) deepest[e] = deepest_loop(c_.einsums[e]);

    // Tensors: loaded from DRAM (inputs of the group), written to DRAM (leaving it), held (recurrent state).
    std::vector<int> loads;      // tensors
    std::map<int, uint32_t> load_op;
    for (int e : order) {
      for (const auto& in : c_.einsums[e].inputs) {
        const int prod = c_.tensors[in.tensor].producer;
        if (prod >= 0 && group_of_[prod] == gi_) continue;
        if (!contains(loads, in.tensor)) loads.push_back(in.tensor);
      }
    }
    for (int t : loads) {
      TileOp op;
      op.name = "load " + c_.tensors[t].name;
      op.unit = kDramReadUnit;
      const uint64_t bytes = buffer_tile_bytes(t);
      op.cycles = dram_.cycles(bytes);
      op.latency = dram_.latency;
      set_period(op, deepest_of_tensor(t, true), false);
      op.allocs = {{0, bytes}};
      op.dram_read_bytes = bytes;
      load_op[t] = add_op(p, op);
      fill_bytes_[load_op[t]] = bytes;
      dram_tensor_[load_op[t]] = t;
    }
    // Recurrent state held for a pass of its loop: allocated once per pass, released after its last reader.
    std::map<int, uint32_t> hold_op;
    for (int e : order) {
      const Einsum& ein = c_.einsums[e];
      const int t = ein.output.tensor;
      if (ein.recurrent_rank < 0) continue;
      const int l = loop_index(ein.recurrent_rank);
      if (l < 0) continue;  // the recurrence runs inside one step
      TileOp op;
      op.name = "hold " + c_.tensors[t].name;
      op.unit = unit_of(e);
      op.every = static_cast<uint32_t>(std::min<uint64_t>(period_from(l), UINT32_MAX));
      op.phase = 0;
      op.allocs = {{0, 2 * held_bytes(t)}};
      hold_op[t] = add_op(p, op);
    }
    // Outputs of reductions over a looped rank: accumulated across that loop's iterations.
    const std::map<int, uint32_t> open_op = open_accumulators(p, order);
    // The Einsums.
    for (int e : order) {
      const Einsum& ein = c_.einsums[e];
      const EinsumPlacement& pl = placement(e);
      const ComputeArray& a = arch_.array(pl.array);
      TileOp op;
      op.name = ein.name;
      op.unit = unit_of(e);
      bool downstream = false;
      for (const auto& in : ein.inputs) {
        const int prod = c_.tensors[in.tensor].producer;
        if (prod >= 0 && group_of_[prod] == gi_ && deepest[prod] > deepest[e]) downstream = true;
      }
      set_period(op, deepest[e], downstream);
      uint64_t points = 1, spread_rows = 1, spread_cols = 1;
      for (int r : ein.iteration_ranks) {
        const uint64_t x = extent(r);
        points = mul_checked(points, x, "a tile's size");
        if (contains(pl.rows, r)) spread_rows *= x;
        if (contains(pl.cols, r)) spread_cols *= x;
      }
      const uint64_t cpp = static_cast<uint64_t>(cycles_per_point(ein, a.pe, a.dedicated_exp));
      const uint64_t rows = static_cast<uint64_t>(a.dimensions == 2 ? a.rows : 1);
      const uint64_t cols = static_cast<uint64_t>(a.cols);
      // Each PE issues a point every initiation interval; the last result leaves the PE
      // pipeline (depth) - 1 cycles after it enters.
      const uint64_t ii = static_cast<uint64_t>(std::max<int64_t>(1, a.initiation_interval));
      const uint64_t fill = static_cast<uint64_t>(std::max<int64_t>(1, a.pipeline_depth)) - 1;
      op.cycles = mul_checked(mul_checked(ceil_div(spread_rows, rows) * ceil_div(spread_cols, cols),
                                          points / (spread_rows * spread_cols), "a tile's cycles"),
                              cpp * ii, "a tile's cycles") + fill;
      op.useful_ops = mul_checked(points, cpp, "a tile's work");
      // The buffer's latency: a tile's operands arrive latency_cycles after they are asked for, so its
      // result is visible that much later (the array itself is pipelined and free again on time).
      op.latency = static_cast<uint64_t>(std::max<int64_t>(0, arch_.level(g_.buffer).latency_cycles));
      // Each value of an operand's tile comes from the buffer once, or again whenever the PEs'
      // register-file loops revisit it (pe_reuse); without multicast once per PE it feeds.
      uint64_t reads = 0, port_reads = 0;
      for (const auto& in : ein.inputs) {
        const int prod = c_.tensors[in.tensor].producer;
        const uint64_t fan = multicast_fanout(in, pl, spread_rows, spread_cols);
        const uint64_t fetched = mul_checked(mul_checked(tile_bytes(in.tensor),
                                                         static_cast<uint64_t>(pe_reuse(c_, g_, pl, in).refetch),
                                                         "a tile's reads"),
                                             fan, "a tile's reads");
        if (!in_pe(in.tensor)) reads += fetched;
        if (!(prod >= 0 && group_of_[prod] == gi_ && placement(prod).array == pl.array)) port_reads += fetched;
        if (prod >= 0 && group_of_[prod] == gi_) {
          const bool carried = in.loop_carried && c_.einsums[prod].recurrent_rank >= 0 &&
                               loop_index(c_.einsums[prod].recurrent_rank) >= 0;
          if (prod == e && carried) continue;  // the unit's own order already serializes it
          if (op_of[prod] == UINT32_MAX) continue;
          add_dep(op, {op_of[prod], carried ? 1u : 0u});
        } else {
          add_dep(op, {load_op.at(in.tensor), 0});
        }
      }
      const int t = ein.output.tensor;
      if (!hold_op.count(t) && !open_op.count(t)) op.allocs.push_back({0, held_bytes(t)});
      // What crosses the buffer's ports: operands from DRAM or from the other array, and a result
      // another array or DRAM takes; a tile passed between Einsums of one array stays in its PEs.
      // A result the register-file loops leave before its reduction is done goes back to the buffer
      // as partial sums, refetch times, and is read back refetch - 1 times.
      const uint64_t spills = static_cast<uint64_t>(pe_reuse(c_, g_, pl, ein.output).refetch);
      const uint64_t out_bytes = mul_checked(held_bytes(t), spills, "a tile's writes");
      const uint64_t psum_reads = held_bytes(t) * (spills - 1);
      // A tile accumulated over steps is read back before it is added to (add_psum_read_backs).
      const uint64_t read_back = open_op.count(t) && accumulates_over_steps(e) ? held_bytes(t) : 0;
      bound_by_buffer(ein, port_reads + psum_reads + read_back, out_bytes, op, out);
      op_of[e] = add_op(p, op);
      reads_[op_of[e]] = reads + psum_reads;
      writes_[op_of[e]] = out_bytes;
      out.actions[array_index(arch_, pl.array)] += einsum_actions(ein, a.pe);
      out.einsums.push_back({e, array_index(arch_, pl.array), 0, 0, einsum_actions(ein, a.pe)});
    }
    for (EinsumWork& w : out.einsums) {
      const TileOp& op = p.body[op_of[w.einsum]];
      w.tiles = p.instances(op);
      w.busy_cycles = mul_checked(w.tiles, op.cycles, "an Einsum's busy cycles");
    }
    // Releases: a tile goes when its last reader of the same step is done; tiles that live
    // longer (inputs loaded once per outer iteration, held state) go with a release marker.
    auto last_reader = [&](int t) {
      uint32_t last = UINT32_MAX;
      for (int e : order) {
        for (const auto& in : c_.einsums[e].inputs)
          if (in.tensor == t) last = last == UINT32_MAX ? op_of[e] : std::max(last, op_of[e]);
      }
      return last;
    };
    auto add_release = [&](int t, uint32_t after, uint32_t every, uint32_t phase, uint64_t bytes) {
      TileOp r;
      r.name = "release " + c_.tensors[t].name;
      r.unit = p.body[after].unit;
      r.every = every;
      r.phase = phase;
      r.deps = {{after, 0}};
      r.releases = {{0, bytes}};
      return add_op(p, r);
    };
    std::map<int, uint32_t> slot_owner;  // tensor -> the op whose completion frees a slot
    for (int t : loads) {
      const uint32_t lo = load_op[t];
      const uint32_t last = last_reader(t);
      const TileOp& lop = p.body[lo];
      if (lop.every == 1 && p.body[last].every == 1) {
        p.body[last].releases.push_back({0, buffer_tile_bytes(t)});
        slot_owner[t] = last;
      } else {
        slot_owner[t] = add_release(t, last, lop.every, lop.every - 1, buffer_tile_bytes(t));
      }
    }
    // Writes to DRAM of tensors leaving the group.
    std::vector<bool> written(c_.tensors.size(), false);
    for (int e : order) {
      const int t = c_.einsums[e].output.tensor;
      if (!leaves(t)) continue;
      written[t] = true;
      TileOp w;
      w.name = "write " + c_.tensors[t].name;
      w.unit = kDramWriteUnit;
      // A buffer tile gathered over the buffer's loops leaves whole; a result written as it is
      // computed (a recurrence's slices) leaves a step's tile at a time.
      const uint64_t bytes = open_op.count(t) ? buffer_tile_bytes(t) : tile_bytes(t);
      w.cycles = dram_.cycles(bytes);
      w.every = p.body[op_of[e]].every;
      w.phase = p.body[op_of[e]].phase;
      if (open_op.count(t)) {  // an accumulated or assembled tile: written once, after its last contribution
        w.every = p.body[open_op.at(t)].every;
        w.phase = w.every - 1;
      }
      w.deps = {{op_of[e], 0}};
      const uint32_t last = last_reader(t);
      if (last != UINT32_MAX && p.body[last].every == w.every && p.body[last].phase == w.phase) {
        w.deps.push_back({last, 0});
      }
      if (!hold_op.count(t)) w.releases = {{0, bytes}};
      w.dram_write_bytes = bytes;
      const uint64_t write_every = w.every;
      const uint32_t wo = add_op(p, w);
      drain_bytes_[wo] = bytes;
      dram_tensor_[wo] = t;
      // Output slots: the producer waits until the tile `slots` tiles back has been written.
      TileOp& prod = p.body[op_of[e]];
      const uint64_t distance = (static_cast<uint64_t>(g_.slots) - 1) * write_every + 1;
      prod.deps.push_back({wo, static_cast<uint32_t>(std::min<uint64_t>(distance, UINT32_MAX))});
    }
    // Intermediates of one step: released by their last reader.
    for (int e : order) {
      const int t = c_.einsums[e].output.tensor;
      if (hold_op.count(t) || written[t]) continue;
      const uint32_t last = last_reader(t);
      if (open_op.count(t)) {
        release_accumulator(p, t, open_op.at(t), last == UINT32_MAX ? op_of[e] : last, add_release);
        continue;
      }
      const TileOp& prod = p.body[op_of[e]];
      if (last == UINT32_MAX) {
        p.body[op_of[e]].releases.push_back({0, held_bytes(t)});  // never read: dropped
      } else if (p.body[last].every == prod.every && p.body[last].phase == prod.phase) {
        p.body[last].releases.push_back({0, held_bytes(t)});
      } else {
        // Read less often than written (a result the end of a pass reads): held until then.
        add_release(t, last, p.body[last].every, p.body[last].phase,
                    held_bytes(t) * (p.body[last].every / prod.every));
      }
      if (last != UINT32_MAX) limit_run_ahead(p, op_of[e], last);
    }
    for (const auto& [t, h] : hold_op) {
      const uint32_t last = last_reader(t);
      const TileOp& hop = p.body[h];
      add_release(t, last == UINT32_MAX ? h : last, hop.every, hop.every - 1, 2 * held_bytes(t));
    }
    // Buffer slots: a load waits until the tile `slots` tiles back is no longer used.
    for (int t : loads) {
      TileOp& lop = p.body[load_op[t]];
      const uint64_t distance = (static_cast<uint64_t>(g_.slots) - 1) * lop.every + 1;
      lop.deps.push_back({slot_owner[t], static_cast<uint32_t>(std::min<uint64_t>(distance, UINT32_MAX))});
    }
    // Exact totals.
    for (uint32_t j = 0; j < p.body.size(); ++j) {
      const uint64_t k = p.instances(p.body[j]);
      out.dram_read_bytes += k * p.body[j].dram_read_bytes;
      out.dram_write_bytes += k * p.body[j].dram_write_bytes;
      if (reads_.count(j)) out.buffer_read_bytes += k * reads_[j];
      if (writes_.count(j)) out.buffer_write_bytes += k * writes_[j];
      if (fill_bytes_.count(j)) out.buffer_write_bytes += k * fill_bytes_[j];
      if (drain_bytes_.count(j)) out.buffer_read_bytes += k * drain_bytes_[j];
      const int ai = out.unit_array[p.body[j].unit];
      if (ai >= 0) out.useful_pe_cycles[ai] += k * p.body[j].useful_ops;
    }
    add_psum_read_backs(p, order, op_of, open_op, out);
    add_tensor_traffic(out);
    return out;
  }

 private:
  const EinsumPlacement& placement(int e) const {
    for (const auto& pl : g_.placements)
      if (pl.einsum == e) return pl;
    throw InternalError("lowering: an Einsum without placement");
  }
  uint32_t unit_of(int e) const { return 2 + static_cast<uint32_t>(array_index(arch_, placement(e).array)); }

  // The outermost loop iterating rank r (r itself or a part of it), or -1; the innermost with
  // `last`, and only the DRAM's loops with `dram_only`.
  int loop_index(int r, bool last = false, bool dram_only = false) const {
    return group_loop_of(c_, g_, r, last, dram_only);
  }
  // Coordinates of rank r one step covers (the innermost loop's tile), or with `dram_only` one
  // tile of the buffer (the DRAM's loop's).
  uint64_t extent(int r, bool dram_only = false) const {
    return static_cast<uint64_t>(step_extent(c_, g_, r, dram_only));
  }
  int deepest_loop(const Einsum& e) const {
    int d = -1;
    for (int r : e.iteration_ranks) d = std::max(d, loop_index(r, true));
    return d;
  }
  int deepest_of_tensor(int t, bool dram_only = false) const {
    int d = -1;
    for (int r : tile_ranks(t)) d = std::max(d, loop_index(r, true, dram_only));
    return d;
  }
  // The ranks whose loops move tensor t's tile: its own, and those of the affine indices the
  // group reads or writes it at (a convolution's input window moves with the output row p).
  std::vector<int> tile_ranks(int t) const {
    std::vector<int> out = c_.tensors[t].ranks;
    auto visit = [&](const Access& a) {
      if (a.tensor != t) return;
      for (const AccessDim& d : a.dims) {
        if (d.inner || d.index.is_plain()) continue;
        for (const IndexTerm& term : d.index.terms)
          if (!contains(out, term.rank)) out.push_back(term.rank);
      }
    };
    for (int e : g_.einsums) {
      for (const Access& in : c_.einsums[e].inputs) visit(in);
      visit(c_.einsums[e].output);
    }
    return out;
  }
  // Whether a loop of the buffer cuts tensor t's buffer tiles into several step tiles.
  bool cut_in_buffer(int t) const {
    for (int r : tile_ranks(t))
      if (extent(r) != extent(r, true)) return true;
    return false;
  }
  // Whether tensor t stays in the PEs of one array: computed in the group and read only there by
  // Einsums on the same array (FuseMax's 2D array passes QK to LM and SLN in its registers). It
  // takes no buffer space and no buffer reads or writes; the register files count its accesses.
  bool in_pe(int t) const {
    const int prod = c_.tensors[t].producer;
    if (prod < 0 || group_of_[prod] != gi_ || leaves(t)) return false;
    for (int reader : graph_.consumers(t))
      if (placement(reader).array != placement(prod).array) return false;
    return true;
  }
  // The PEs one value of operand `in` goes to from the buffer in a step, when the NoC cannot
  // multicast (`noc.multicast: false`): the PEs along each array dimension whose ranks the operand
  // does not index (Q[e,p] with the rows over M0: every row of the array takes the same value), so
  // spread_rows (spread_cols) of them. With multicast one read feeds them all: 1.
  uint64_t multicast_fanout(const Access& in, const EinsumPlacement& pl, uint64_t spread_rows,
                            uint64_t spread_cols) const {
    if (arch_.noc.multicast) return 1;
    std::vector<int> ranks;
    for (const AccessDim& d : in.dims) {
      for (const IndexTerm& t : d.index.terms) ranks.push_back(t.rank);
      if (d.inner)
        for (const IndexTerm& t : d.inner->terms) ranks.push_back(t.rank);
    }
    auto indexes_any = [&](const std::vector<int>& placed) {
      for (int r : placed)
        if (contains(ranks, r) || covers_part(ranks, r)) return true;
      return false;
    };
    uint64_t fan = 1;
    if (!indexes_any(pl.rows)) fan *= spread_rows;
    if (!indexes_any(pl.cols)) fan *= spread_cols;
    return fan;
  }
  // Whether `ranks` holds a rank that r is a part of, or a part of r (a partitioned rank M and its M0).
  bool covers_part(const std::vector<int>& ranks, int r) const {
    for (int x : ranks) {
      if (c_.ranks[r].parent == x || c_.ranks[x].parent == r) return true;
    }
    return false;
  }
  // The buffer bytes a step's tile of an intermediate t takes (none when it stays in the PEs).
  uint64_t held_bytes(int t) const { return in_pe(t) ? 0 : tile_bytes(t); }
  // Whether tensor t leaves the group: an output of the cascade, or read by a later group.
  bool leaves(int t) const {
    if (contains(c_.outputs, t)) return true;
    for (int reader : graph_.consumers(t))
      if (group_of_[reader] != gi_) return true;
    return false;
  }
  // Steps one iteration of loop l spans (the product of the extents of the loops inside it, and its own).
  uint64_t period_from(int l) const {
    uint64_t k = 1;
    for (size_t i = static_cast<size_t>(l); i < n_.size(); ++i) k *= n_[i];
    return k;
  }
  // Runs once per iteration of loops 0..deepest: every = product of the inner loops' extents.
  void set_period(TileOp& op, int deepest, bool at_end) const {
    const uint64_t every = deepest + 1 >= static_cast<int>(n_.size()) ? 1 : period_from(deepest + 1);
    if (every > UINT32_MAX) throw Error(fmt::format("group '{}': an inner loop nest of {} steps is too long", g_.name, every));
    op.every = static_cast<uint32_t>(every);
    op.phase = at_end ? op.every - 1 : 0;
  }
  // Bytes of one step's tile of tensor t, or with `dram_only` of one buffer tile.
  // Memoized: the lowering asks for a tensor's tile many times.
  uint64_t tile_bytes(int t, bool dram_only = false) const {
    std::vector<uint64_t>& memo = tile_bytes_memo_[dram_only ? 1 : 0];
    if (memo.empty()) memo.assign(c_.tensors.size(), kNotComputed);
    uint64_t& b = memo[static_cast<size_t>(t)];
    if (b == kNotComputed) b = compute_tile_bytes(t, dram_only);
    return b;
  }
  uint64_t compute_tile_bytes(int t, bool dram_only) const {
    uint64_t elems = 1;
    const Tensor& ten = c_.tensors[t];
    for (size_t d = 0; d < ten.ranks.size(); ++d) {
      if (static_cast<int>(d) == ten.recurrent_dim && loop_index(ten.ranks[d]) >= 0) continue;  // one slice
      elems = mul_checked(elems, std::min(extent(ten.ranks[d], dram_only), window(t, d, dram_only)), "a tile's size");
    }
    return bytes_of(elems, bits_of(c_, t));
  }
  // Coordinates of dimension d of tensor t the group's accesses touch in one tile: for an affine
  // index (a convolution's input row s*p + d*r) the sliding window sum |coef| * (extent - 1) + 1 of
  // its terms' tiles, the largest over the group's accesses; UINT64_MAX (the dimension's own extent)
  // when an access indexes it plainly or none is affine.
  uint64_t window(int t, size_t d, bool dram_only) const {
    uint64_t w = 0;
    auto visit = [&](const Access& a) {
      if (a.tensor != t) return;
      const IndexExpr& ix = a.dims.at(d).index;
      if (a.dims[d].inner || ix.is_last() || ix.is_plain() || ix.terms.empty()) {
        w = UINT64_MAX;  // the dimension's own extent
        return;
      }
      uint64_t x = 1;
      for (const IndexTerm& term : ix.terms) {
        const uint64_t coef = static_cast<uint64_t>(term.coef < 0 ? -term.coef : term.coef);
        x += mul_checked(coef, extent(term.rank, dram_only) - 1, "a window's size");
      }
      w = std::max(w, x);
    };
    for (int e : g_.einsums) {
      for (const Access& in : c_.einsums[e].inputs) visit(in);
      visit(c_.einsums[e].output);
    }
    return w == 0 ? UINT64_MAX : w;
  }
  // What moves between the DRAM and the buffer: buffer tiles of the tensors entering or leaving.
  uint64_t buffer_tile_bytes(int t) const { return tile_bytes(t, true); }
  // Whether Einsum e reduces a rank looped inside every loop over its output's ranks: its output
  // tile then accumulates over several steps (validate_mapping rejects the other loop orders).
  bool accumulates(int e) const {
    const Einsum& ein = c_.einsums[e];
    if (ein.recurrent_rank >= 0) return false;
    const int out_loop = deepest_of_tensor(ein.output.tensor);
    for (int r : ein.reduced_ranks)
      if (loop_index(r) > out_loop) return true;
    return false;
  }
  // Whether Einsum e adds to its output tile over several steps: a reduced rank looped inside the
  // loops over its output's ranks, or inside the DRAM's loops over them.
  bool accumulates_over_steps(int e) const {
    const Einsum& ein = c_.einsums[e];
    if (ein.recurrent_rank >= 0) return false;
    const int out_loop = deepest_of_tensor(ein.output.tensor, true);
    for (int r : ein.reduced_ranks)
      if (loop_index(r) > out_loop) return true;
    return false;
  }
  // An accumulated output tile is taken once per iteration of the loops over the output's ranks,
  // before its first contribution ("open T"); it goes after its last contribution and last reader.
  // A tile leaving the group that the buffer's loops cut (assembled from several steps' tiles) is
  // taken whole, once per iteration of the DRAM's loops over its ranks, and leaves whole.
  std::map<int, uint32_t> open_accumulators(TileProgram& p, const std::vector<int>& order) const {
    std::map<int, uint32_t> open;
    for (int e : order) {
      const int t = c_.einsums[e].output.tensor;
      const bool assembled = leaves(t) && cut_in_buffer(t) && c_.einsums[e].recurrent_rank < 0;
      if (!accumulates(e) && !assembled) continue;
      TileOp op;
      op.name = "open " + c_.tensors[t].name;
      op.unit = unit_of(e);
      set_period(op, deepest_of_tensor(t, leaves(t)), false);
      op.allocs = {{0, leaves(t) ? buffer_tile_bytes(t) : held_bytes(t)}};
      open[t] = add_op(p, op);
    }
    return open;
  }
  // Releases an accumulated tile that stays in the group after `after` (its last reader, or its
  // producer when nothing reads it) at the end of the accumulation, or of the reader's period
  // when that reader runs less often (then it held that many tiles).
  template <typename AddRelease>
  void release_accumulator(const TileProgram& p, int t, uint32_t open, uint32_t after,
                           const AddRelease& add_release) const {
    const uint32_t every = p.body[open].every;
    const TileOp& reader = p.body[after];
    if (reader.every > every) {
      add_release(t, after, reader.every, reader.phase, held_bytes(t) * (reader.every / every));
    } else {
      add_release(t, after, every, every - 1, held_bytes(t));
    }
  }
  // A producer on one array runs ahead of the last reader of its intermediate on another by at most
  // the group's `slots` tiles: it waits until the tile `slots` tiles back has been read. (On one
  // unit the program order bounds it already.)
  void limit_run_ahead(TileProgram& p, uint32_t producer, uint32_t last_reader) const {
    const TileOp& reader = p.body[last_reader];
    TileOp& prod = p.body[producer];
    if (reader.unit == prod.unit) return;
    const uint64_t every = std::max(prod.every, reader.every);
    const uint64_t distance = (static_cast<uint64_t>(g_.slots) - 1) * every + 1;
    add_dep(prod, {last_reader, static_cast<uint32_t>(std::min<uint64_t>(distance, UINT32_MAX))});
  }
  // Partial sums read back: an output tile accumulated in the buffer over several steps (a reduced
  // rank looped inside the loops over its ranks, or a DRAM loop over a reduced rank around the
  // buffer's loops over them) is written at every contribution and read back at every one but the
  // first to each value: read-modify-write, as Timeloop counts it. Per open tile that is the bytes
  // the steps write minus the tile's own bytes.
  void add_psum_read_backs(const TileProgram& p, const std::vector<int>& order, const std::vector<uint32_t>& op_of,
                           const std::map<int, uint32_t>& open_op, LoweredGroup& out) const {
    for (int e : order) {
      const int t = c_.einsums[e].output.tensor;
      if (!open_op.count(t)) continue;
      const TileOp& open = p.body[open_op.at(t)];
      const uint64_t tile = open.allocs.empty() ? 0 : open.allocs[0].bytes;
      const uint64_t written = mul_checked(p.instances(p.body[op_of[e]]), held_bytes(t), "partial sums");
      const uint64_t first = mul_checked(p.instances(open), tile, "partial sums");
      if (written <= first) continue;
      out.buffer_psum_read_bytes += written - first;
      out.buffer_read_bytes += written - first;
    }
  }
  // Exact DRAM bytes per tensor: loads of the group's inputs and writes of what leaves it.
  void add_tensor_traffic(LoweredGroup& out) const {
    for (const auto& [j, t] : dram_tensor_) {
      const TileOp& op = out.program.body[j];
      const uint64_t k = out.program.instances(op);
      if (op.dram_read_bytes) out.tensor_dram_reads[t] += k * op.dram_read_bytes;
      if (op.dram_write_bytes) out.tensor_dram_writes[t] += k * op.dram_write_bytes;
    }
  }
  // The buffer's ports bound a tile: its operands are read through the read ports and its
  // result written through the write ports at the level's rate (bytes_per_cycle per port);
  // a level without a rate never limits. Concurrent tiles of other arrays are not charged.
  void bound_by_buffer(const Einsum& ein, uint64_t reads, uint64_t writes, TileOp& op, LoweredGroup& out) const {
    const StorageLevel& level = arch_.level(g_.buffer);
    const double rate = level.bytes_per_cycle(arch_.clock_hz);
    if (rate <= 0) return;
    auto port_cycles = [&](uint64_t bytes, int64_t ports) {
      return transfer_cycles(bytes, rate * static_cast<double>(ports), level);
    };
    const uint64_t bound =
        std::max(port_cycles(reads, std::max<int64_t>(1, level.read_ports)),
                 port_cycles(writes, std::max<int64_t>(1, level.write_ports)));
    if (bound <= op.cycles) return;
    out.notes.push_back(fmt::format("{}: buffer {}'s ports bound each tile to {} cycles ({} B read, {} B written at "
                                    "{:g} B per cycle per port), the array would take {}",
                                    ein.name, level.name, bound, reads, writes, rate, op.cycles));
    op.cycles = bound;
  }

  static void add_dep(TileOp& op, TileDep d) {
    for (const auto& x : op.deps)
      if (x.op == d.op && x.distance == d.distance) return;
    op.deps.push_back(d);
  }

  const EinsumCascade& c_;
  const CascadeGraph& graph_;
  const ArchSpec& arch_;
  const MappingGroup& g_;
  const std::vector<int>& group_of_;
  int gi_;
  Dram dram_;
  std::vector<uint64_t> n_;
  uint64_t steps_ = 1;
  std::map<uint32_t, uint64_t> reads_, writes_, fill_bytes_, drain_bytes_;
  std::map<uint32_t, int> dram_tensor_;  // load and write ops -> the tensor they move
  static constexpr uint64_t kNotComputed = UINT64_MAX;  // a tile's bytes are at most 2^64 / 8
  mutable std::vector<uint64_t> tile_bytes_memo_[2];    // per tensor: tile_bytes(t), tile_bytes(t, true)
};

}  // namespace

LoweredGroup lower_fused(const EinsumCascade& c, const CascadeGraph& graph, const ArchSpec& arch,
                         const MappingGroup& g, const std::vector<int>& group_of, int group_index) {
  return FusedLowering(c, graph, arch, g, group_of, group_index).run();
}

}  // namespace einsim::lower_detail
