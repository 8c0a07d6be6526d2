// Lowering of a systolic group: one GEMM in SCALE-Sim's folds on a 2D array, each fold
// with its exact DRAM bytes.

#include <map>

#include "sim/engine/systolic_timing.hpp"
#include "sim/lower/lower_common.hpp"

namespace einsim::lower_detail {
namespace {

// How the folds of a systolic GEMM cut a tensor into blocks: by the fold's row block (of
// SCALE-Sim's Sr), its column block (of Sc), or both. Elements are counted in fold order (column
// folds outermost), so a block's bytes are a difference of bytes_of over a running count and the
// blocks of one pass add up to the tensor's bytes exactly, whatever the bits per element.
enum class FoldBlock { row, col, both, whole };

struct FoldTensor {
  FoldBlock block = FoldBlock::both;
  uint64_t unit = 1;      // elements per array row (row blocks) or column (column blocks)
  int64_t bits = 8;
  bool reused = false;    // a row (column) block loaded once serves every column (row) fold
  uint64_t held_cap = 0;  // the buffer holds at most this much of one block (half its partition)
};

struct FoldGeometry {
  uint64_t rows = 1, cols = 1;  // R, C
  uint64_t sr = 1;              // the extent mapped onto the rows
  uint64_t row_folds = 1, col_folds = 1;
};

uint64_t block_elements(const FoldTensor& x, const SystolicFold& f) {
  const uint64_t ru = static_cast<uint64_t>(f.rows_used), cu = static_cast<uint64_t>(f.cols_used);
  switch (x.block) {
    case FoldBlock::row: return ru * x.unit;
    case FoldBlock::col: return cu * x.unit;
    case FoldBlock::both: return ru * cu;
    case FoldBlock::whole: return x.unit;
  }
  return 0;
}

uint64_t block_bytes(const FoldTensor& x, const SystolicFold& f, const FoldGeometry& g) {
  const uint64_t r = static_cast<uint64_t>(f.row_fold), c = static_cast<uint64_t>(f.col_fold);
  uint64_t before = 0;  // elements of the blocks before this one
  switch (x.block) {
    case FoldBlock::row: before = r * g.rows * x.unit; break;
    case FoldBlock::col: before = c * g.cols * x.unit; break;
    case FoldBlock::both: before = c * g.cols * g.sr + r * g.rows * static_cast<uint64_t>(f.cols_used); break;
    case FoldBlock::whole: break;
  }
  return bytes_of(before + block_elements(x, f), x.bits) - bytes_of(before, x.bits);
}

// Whether fold f loads its block of x (a reused block only on its first fold).
bool loads_block(const FoldTensor& x, const SystolicFold& f) {
  if (!x.reused) return true;
  switch (x.block) {
    case FoldBlock::row: return f.col_fold == 0;
    case FoldBlock::col: return f.row_fold == 0;
    case FoldBlock::both: return true;
    case FoldBlock::whole: return f.index == 0;
  }
  return true;
}

// The fold whose end frees fold f's block of x: its last reader.
uint64_t block_last_reader(const FoldTensor& x, const SystolicFold& f, const FoldGeometry& g) {
  const uint64_t i = static_cast<uint64_t>(f.index);
  if (!x.reused) return i;
  switch (x.block) {
    case FoldBlock::row: return (g.col_folds - 1) * g.row_folds + static_cast<uint64_t>(f.row_fold);
    case FoldBlock::col: return static_cast<uint64_t>(f.col_fold) * g.row_folds + g.row_folds - 1;
    case FoldBlock::both: return i;
    case FoldBlock::whole: return g.row_folds * g.col_folds - 1;
  }
  return i;
}

// What a systolic group moves per batch element.
struct FoldTraffic {
  uint64_t in = 0, w = 0;             // operand loads
  uint64_t ep = 0;                    // the epilogue's operand
  uint64_t out = 0;                   // finished outputs
  uint64_t psum_in = 0, psum_out = 0;  // partial sums read back and spilled
};

struct SystolicFolds {
  FoldGeometry geo;
  FoldTensor in, w;
  FoldTensor ep;    // the epilogue's other operand (MixPE's scales), if has_ep
  bool has_ep = false;
  FoldTensor out;   // the finished outputs (o_bits)
  FoldTensor psum;  // the same blocks as partial sums (acc_bits)
  bool accumulates = false;  // ws, is: outputs accumulate over the row folds of a column fold
  bool spill = false;        // and their partial sums go through DRAM between row folds
  uint64_t out_cap = 0;      // an output tile holds at most half the output partition (two are open at once)
  uint64_t buffers = 2;      // operand copies the buffer holds: 2 double-buffered, 1 not (fill waits for use)
  uint64_t latency = 0;      // the buffer's latency_cycles: a fold's results are visible that much later
};

// The body of one batch element, fold by fold: the fold's load of the operand blocks it does not
// hold yet (and of spilled partial sums), the fold, and the write of what it finishes or spills,
// each with its exact bytes. An operand block is held from its load to the end of its last
// reader (half its partition at most); an output tile from its first fold to its write.
FoldTraffic unroll_folds(TileProgram& p, const SystolicTiming& t, const SystolicFolds& s, const Dram& dram,
                         uint32_t array_unit, const std::string& einsum, const std::string& output) {
  const uint64_t folds = static_cast<uint64_t>(t.folds);
  FoldTraffic sum;
  std::vector<uint32_t> fold_op(folds), load_op(folds, UINT32_MAX);
  std::vector<uint64_t> release_at(folds, 0);  // operand bytes freed when the fold ends
  uint64_t tile = 0;
  for (uint64_t i = 0; i < folds; ++i) {
    const SystolicFold f = systolic_fold(t, static_cast<int64_t>(i));
    const uint64_t in_b = loads_block(s.in, f) ? block_bytes(s.in, f, s.geo) : 0;
    const uint64_t w_b = loads_block(s.w, f) ? block_bytes(s.w, f, s.geo) : 0;
    const uint64_t ep_b = s.has_ep && loads_block(s.ep, f) ? block_bytes(s.ep, f, s.geo) : 0;
    const uint64_t psum_b = s.spill && f.row_fold > 0 ? block_bytes(s.psum, f, s.geo) : 0;
    uint64_t held = 0;
    auto hold = [&](const FoldTensor& x, uint64_t bytes) {
      const uint64_t h = std::min(bytes, x.held_cap);
      held += h;
      release_at[block_last_reader(x, f, s.geo)] += h;
    };
    hold(s.in, in_b);
    hold(s.w, w_b);
    if (s.has_ep) hold(s.ep, ep_b);
    sum.in += in_b;
    sum.w += w_b;
    sum.ep += ep_b;
    sum.psum_in += psum_b;
    if (in_b + w_b + ep_b + psum_b > 0) {
      TileOp load;
      load.name = fmt::format("load fold {}", i);
      load.unit = kDramReadUnit;
      load.cycles = dram.cycles(in_b + w_b + ep_b + psum_b);
      load.latency = dram.latency;
      if (held > 0) load.allocs = {{0, held}};
      load.dram_read_bytes = in_b + w_b + ep_b + psum_b;
      load_op[i] = add_op(p, load);
    }
    const bool opens = !s.accumulates || f.row_fold == 0;
    const bool closes = !s.accumulates || f.row_fold + 1 == t.row_folds;
    if (opens) {
      tile = std::min(bytes_of(block_elements(s.psum, f), s.psum.bits), s.out_cap);
      TileOp open;
      open.name = fmt::format("open outputs fold {}", i);
      open.unit = array_unit;
      open.allocs = {{0, tile}};
      add_op(p, open);
    }
    TileOp fold;
    fold.name = fmt::format("{} fold {}", einsum, i);
    fold.unit = array_unit;
    fold.cycles = static_cast<uint64_t>(t.cycles_per_fold);
    fold.latency = s.latency;
    if (load_op[i] != UINT32_MAX) fold.deps = {{load_op[i], 0}};
    if (release_at[i] > 0) fold.releases = {{0, release_at[i]}};
    fold.useful_ops = static_cast<uint64_t>(f.macs);
    fold_op[i] = add_op(p, fold);
    const uint64_t out_b = closes ? block_bytes(s.out, f, s.geo) : 0;
    const uint64_t spill_b = s.spill && !closes ? block_bytes(s.psum, f, s.geo) : 0;
    sum.out += out_b;
    sum.psum_out += spill_b;
    if (closes || spill_b > 0) {
      TileOp write;
      write.name = closes ? fmt::format("write {} fold {}", output, i) : fmt::format("spill partial sums fold {}", i);
      write.unit = kDramWriteUnit;
      write.cycles = dram.cycles(out_b + spill_b);
      write.deps = {{fold_op[i], 0}};
      if (closes) write.releases = {{0, tile}};
      write.dram_write_bytes = out_b + spill_b;
      add_op(p, write);
    }
  }
  // Double buffering: a fold's operands load once the fold two back (of this batch element or
  // the previous one) is done; in a buffer that is not double-buffered, the fold one back.
  const uint64_t nb = s.buffers;
  for (uint64_t i = 0; i < folds; ++i) {
    if (load_op[i] == UINT32_MAX) continue;
    const uint64_t distance = i >= nb ? 0 : ceil_div(nb - i, folds);
    const uint64_t back = i + distance * folds - nb;
    p.body[load_op[i]].deps = {{fold_op[back], static_cast<uint32_t>(distance)}};
  }
  return sum;
}

}  // namespace

LoweredGroup lower_systolic(const EinsumCascade& c, const ArchSpec& arch, const MappingGroup& g) {
  LoweredGroup out = new_group(g, arch);
  const Einsum& e = c.einsums[g.einsums.front()];
  int64_t groups = 1;  // with an epilogue: the groups of K it scales one by one
  const GemmView v = systolic_gemm_view(c, g, &groups);
  const Einsum* epi = g.epilogue >= 0 ? &c.einsums[g.epilogue] : nullptr;
  const int ai = array_index(arch, g.array);
  const ComputeArray& a = arch.arrays[ai];
  if (a.pipeline_depth != 1 || a.initiation_interval != 1) {
    // SCALE-Sim's folds (sim/engine/systolic_timing.hpp) have one-cycle PEs: the array's PE
    // pipeline would be ignored, and a sweep over it would change nothing.
    const std::string msg = fmt::format(
        "array '{}' has pipeline_depth {} and initiation_interval {}, but group '{}' runs on it as a systolic "
        "GEMM, whose timing (SCALE-Sim's folds) has one-cycle PEs and cannot model a PE pipeline; set both to 1, "
        "or map the Einsum as a fused group",
        a.name, a.pipeline_depth, a.initiation_interval, g.name);
    if (a.location.file.empty()) throw Error(msg);
    throw SpecError(a.location, msg);
  }
  const SystolicTiming t = systolic_gemm_timing(g.dataflow, v.m_size, v.k_size, v.n_size, a.rows, a.cols);
  const Dram dram = dram_of(arch);
  const uint64_t batch = static_cast<uint64_t>(v.batch_size);
  const uint64_t folds = static_cast<uint64_t>(t.folds);
  const uint64_t row_folds = static_cast<uint64_t>(t.row_folds);
  const uint64_t col_folds = static_cast<uint64_t>(t.col_folds);
  const uint64_t M = v.m_size, K = v.k_size, N = v.n_size;
  const int in_t = e.inputs[e.expr.args[0].access].tensor;
  const int w_t = e.inputs[e.expr.args[1].access].tensor;
  const int o_t = epi ? epi->output.tensor : e.output.tensor;  // an epilogue's result leaves the array
  const int64_t in_bits = bits_of(c, in_t), w_bits = bits_of(c, w_t), o_bits = bits_of(c, o_t);
  const int64_t acc_bits = std::max<int64_t>(o_bits, format_bits(a.pe.acc));

  // The buffer: the first on-chip SRAM; its partitions (SCALE-Sim's ifmap/filter/ofmap SRAMs) if any.
  const StorageLevel* sram = nullptr;
  for (const auto& l : arch.storage)
    if (l.kind == StorageKind::sram && !l.per_pe) { sram = &l; break; }
  if (!sram) throw Error(fmt::format("architecture '{}' has no on-chip SRAM", arch.name));
  const int64_t whole = sram->capacity_bytes.value_or(int64_t{1} << 40);
  // An unpartitioned buffer: a quarter each for inputs and weights (double buffered: half) and outputs.
  auto cap = [&](OperandRole r) { return static_cast<uint64_t>(sram->partition_bytes(r).value_or(whole / 4)); };
  out.buffer = sram->name;
  out.systolic = t;
  out.batch = batch;

  // Exact DRAM traffic per batch element (see the header): an operand that fits its
  // partition is loaded once; otherwise it is loaded again for every column fold.
  const uint64_t in_bytes = bytes_of(M * K, in_bits), w_bytes = bytes_of(K * N, w_bits);
  const uint64_t out_bytes = bytes_of(M * N, o_bits);
  const bool in_fits = in_bytes <= cap(OperandRole::inputs);
  uint64_t in_reads = 0, w_reads = 0, psum_spill = 0;
  // The folds' blocks (SCALE-Sim's mapping: ws Sr = K, Sc = N; os Sr = M, Sc = N; is Sr = K, Sc = M).
  SystolicFolds s;
  s.geo = {static_cast<uint64_t>(a.rows), static_cast<uint64_t>(a.cols), static_cast<uint64_t>(t.mapping.sr),
           row_folds, col_folds};
  s.accumulates = g.dataflow != Dataflow::output_stationary;  // partial sums over row folds
  // A column fold's outputs open while the previous fold's are still being written: two output
  // tiles at once, so each holds at most half the partition (as operand blocks do). The peak then
  // never exceeds the partitions' sum, and a larger partition never fails where a smaller passes.
  s.out_cap = cap(OperandRole::outputs) / 2;
  switch (g.dataflow) {
    case Dataflow::weight_stationary:
      in_reads = in_fits ? in_bytes : in_bytes * col_folds;
      w_reads = w_bytes;
      if (bytes_of(M * std::min<uint64_t>(N, a.cols), acc_bits) > cap(OperandRole::outputs) && row_folds > 1) {
        psum_spill = bytes_of(M * N, acc_bits) * (row_folds - 1);
      }
      s.in = {FoldBlock::row, M, in_bits, in_fits};  // M x rows_used of the input
      s.w = {FoldBlock::both, 1, w_bits, false};     // rows_used x cols_used weights per fold
      s.out = {FoldBlock::col, M, o_bits, false};    // M x cols_used outputs per column fold
      break;
    case Dataflow::output_stationary: {
      const bool w_fits = bytes_of(K * std::min<uint64_t>(N, a.cols), w_bits) <= cap(OperandRole::weights);
      in_reads = in_fits ? in_bytes : in_bytes * col_folds;
      w_reads = w_fits ? w_bytes : w_bytes * row_folds;
      s.in = {FoldBlock::row, K, in_bits, in_fits};  // rows_used x K of the input
      s.w = {FoldBlock::col, K, w_bits, w_fits};     // K x cols_used of the weights
      s.out = {FoldBlock::both, 1, o_bits, false};   // rows_used x cols_used outputs per fold
      break;
    }
    case Dataflow::input_stationary: {
      const bool w_fits = w_bytes <= cap(OperandRole::weights);
      in_reads = in_bytes;
      w_reads = w_fits ? w_bytes : w_bytes * col_folds;
      if (bytes_of(std::min<uint64_t>(M, a.cols) * N, acc_bits) > cap(OperandRole::outputs) && row_folds > 1) {
        psum_spill = bytes_of(M * N, acc_bits) * (row_folds - 1);
      }
      s.in = {FoldBlock::both, 1, in_bits, false};  // rows_used (of K) x cols_used (of M) inputs per fold
      s.w = {FoldBlock::row, N, w_bits, w_fits};    // rows_used x N of the weights
      s.out = {FoldBlock::col, N, o_bits, false};   // cols_used x N outputs per column fold
      break;
    }
  }
  s.in.held_cap = cap(OperandRole::inputs) / 2;
  s.w.held_cap = cap(OperandRole::weights) / 2;
  // An epilogue's other operand (MixPE's scales, per column and group of K; mapping.hpp): a block
  // of it per column fold when the columns hold N (ws, os), all of it at the first fold (is);
  // loaded for every batch element, its slice of it when it has a batch rank.
  uint64_t ep_reads = 0;
  int ep_t = -1;
  if (epi) {
    for (const auto& in : epi->inputs)
      if (in.tensor != e.output.tensor) ep_t = in.tensor;
  }
  if (ep_t >= 0) {
    const Tensor& st = c.tensors[ep_t];
    bool batched = false;
    for (int r : st.ranks) batched = batched || contains(v.batch, r);
    const uint64_t elements = static_cast<uint64_t>(st.elements()) / (batched ? batch : 1);
    const bool cols_hold_n = g.dataflow != Dataflow::input_stationary;
    s.ep = {cols_hold_n ? FoldBlock::col : FoldBlock::whole, cols_hold_n ? elements / N : elements, bits_of(c, ep_t),
            true, cap(OperandRole::weights) / 2};
    s.has_ep = true;
    ep_reads = bytes_of(elements, s.ep.bits);
    out.tensor_dram_reads[ep_t] += batch * ep_reads;
  }
  s.psum = s.out;
  s.psum.bits = acc_bits;
  s.buffers = sram->double_buffered ? 2 : 1;
  s.latency = static_cast<uint64_t>(std::max<int64_t>(0, sram->latency_cycles));
  s.spill = psum_spill > 0;
  const uint64_t reads = in_reads + w_reads + ep_reads + psum_spill, writes = out_bytes + psum_spill;

  TileProgram& p = out.program;
  p.buffers = {{sram->name, static_cast<uint64_t>(whole)}};
  const uint32_t array_unit = 2 + static_cast<uint32_t>(ai);
  const uint64_t fold_cycles = static_cast<uint64_t>(t.cycles_per_fold);
  out.dram_read_bytes = batch * reads;
  out.dram_write_bytes = batch * writes;
  out.tensor_dram_reads[in_t] += batch * in_reads;
  out.tensor_dram_reads[w_t] += batch * w_reads;
  out.tensor_dram_writes[o_t] += batch * out_bytes;
  if (folds <= kMaxUnrolledFolds) {
    // Every fold of a batch element with its own transfers; the body repeats per batch element.
    p.steps = batch;
    const FoldTraffic f = unroll_folds(p, t, s, dram, array_unit, e.name, c.tensors[o_t].name);
    if (f.in != in_reads || f.w != w_reads || f.ep != ep_reads || f.out != out_bytes || f.psum_in != psum_spill ||
        f.psum_out != psum_spill) {
      throw InternalError(fmt::format("lowering: the folds of {} do not move the group's DRAM bytes", e.name));
    }
    uint64_t body_reads = 0, body_writes = 0;
    for (const TileOp& op : p.body) {
      body_reads += p.instances(op) * op.dram_read_bytes;
      body_writes += p.instances(op) * op.dram_write_bytes;
    }
    if (body_reads != out.dram_read_bytes || body_writes != out.dram_write_bytes) {
      throw InternalError(fmt::format("lowering: the program of {} does not move the group's DRAM bytes", e.name));
    }
  } else {
    // Too many folds to list: one fold with the average transfers, repeated for every fold.
    p.steps = mul_checked(batch, folds, "the number of folds");
    const uint64_t writes_per_batch = s.accumulates ? col_folds : folds;
    const uint64_t load_per_fold = ceil_div(reads, folds);
    const uint64_t write_per_op = ceil_div(writes, writes_per_batch);
    // Operands and partial sums beyond their partition stream through (and spill): the buffer
    // holds at most a partition's worth of each.
    const uint64_t out_tile = std::min<uint64_t>(
        bytes_of(std::min<uint64_t>(M, s.accumulates ? M : a.rows) * std::min<uint64_t>(N, a.cols), acc_bits),
        s.out_cap);
    const uint64_t held_per_fold =
        std::min<uint64_t>(load_per_fold, (cap(OperandRole::inputs) + cap(OperandRole::weights)) / 2);

    TileOp load;
    load.name = "load operands";
    load.unit = kDramReadUnit;
    load.cycles = dram.cycles(load_per_fold);
    load.latency = dram.latency;
    load.allocs = {{0, held_per_fold}};
    load.dram_read_bytes = 0;  // the totals are exact apart from the body
    const uint32_t lo = add_op(p, load);
    TileOp psum;
    psum.name = "open outputs";
    psum.unit = array_unit;
    psum.every = static_cast<uint32_t>(s.accumulates ? row_folds : 1);
    psum.allocs = {{0, out_tile}};
    const uint32_t po = add_op(p, psum);
    TileOp fold;
    fold.name = fmt::format("{} fold", e.name);
    fold.unit = array_unit;
    fold.cycles = fold_cycles;
    fold.latency = s.latency;
    fold.deps = {{lo, 0}, {po, 0}};
    fold.releases = {{0, held_per_fold}};
    fold.useful_ops = ceil_div(M * K * N, folds);  // one MAC per point, spread over the folds
    const uint32_t fo = add_op(p, fold);
    TileOp write;
    write.name = "write " + c.tensors[o_t].name;
    write.unit = kDramWriteUnit;
    write.cycles = dram.cycles(write_per_op);
    write.every = psum.every;
    write.phase = psum.every - 1;
    write.deps = {{fo, 0}};
    write.releases = {{0, out_tile}};
    add_op(p, write);
    p.body[lo].deps = {{fo, static_cast<uint32_t>(s.buffers)}};  // double-buffered operand tiles (or not)
    out.notes.push_back(fmt::format("{}: {} folds per batch element, more than {}: each fold moves the average of the "
                                    "folds' DRAM transfers (the byte totals are exact)",
                                    e.name, folds, kMaxUnrolledFolds));
  }
  out.buffer_write_bytes = out.dram_read_bytes + batch * bytes_of(M * N, acc_bits);
  out.buffer_read_bytes = batch * (static_cast<uint64_t>(t.ifmap_reads) * static_cast<uint64_t>(in_bits) / 8 +
                                   static_cast<uint64_t>(t.filter_reads) * static_cast<uint64_t>(w_bits) / 8) +
                          out.dram_write_bytes;
  out.actions[ai] += einsum_actions(e, a.pe);
  const uint64_t fold_count = mul_checked(batch, folds, "the number of folds");
  out.einsums.push_back({g.einsums.front(), ai, mul_checked(fold_count, fold_cycles, "an Einsum's busy cycles"),
                         fold_count, einsum_actions(e, a.pe)});
  out.useful_pe_cycles[ai] = mul_checked(batch, M * K * N, "the number of MACs");
  out.notes.push_back(fmt::format("{}: {} x {} x {} GEMM{} on {} ({}), {} folds of {} cycles", e.name, M, K, N,
                                  batch > 1 ? fmt::format(" x {} batch", batch) : "", a.name,
                                  dataflow_name(g.dataflow), t.folds, t.cycles_per_fold));
  if (epi) {
    // The epilogue runs beside the MACs, once per output and group of K, as each group's partial
    // sums finish: no cycles of its own. It reads its operands (the scales) from the buffer once
    // per fold that finishes groups of their outputs' columns (ws, is) or rows (os).
    const ActionCounts acts = einsum_actions(*epi, a.pe);
    out.actions[ai] += acts;
    out.einsums.push_back({g.epilogue, ai, 0, 0, acts});
    const uint64_t passes = g.dataflow == Dataflow::output_stationary ? row_folds : 1;
    out.buffer_read_bytes += batch * ep_reads * passes;
    out.notes.push_back(fmt::format("{}: the epilogue of {}, in the PEs: {} outputs x {} groups of {} values of K "
                                    "scaled as they finish; {} does not leave the array",
                                    epi->name, e.name, batch * M * N, groups, K / static_cast<uint64_t>(groups),
                                    c.tensors[e.output.tensor].name));
  }
  return out;
}

}  // namespace einsim::lower_detail
