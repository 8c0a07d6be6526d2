// Sliding-window tiles: a loop over an output rank of a convolution cuts the input into windows
// of s * (tile - 1) + d * (R - 1) + 1 rows, at the buffer's level (DRAM traffic, occupancy) and
// at the arrays' (buffer reads). Expected values come from that formula, worked out below.

#include <catch2/catch.hpp>

#include "tests/sim/lower/lower_test_support.hpp"

using namespace einsim;
using namespace einsim::test;

namespace {

uint64_t window(uint64_t s, uint64_t tile, uint64_t d, uint64_t r) { return s * (tile - 1) + d * (r - 1) + 1; }

// P tiled at the DRAM (p_tile) and optionally at the buffer (gb_tile), K over the array's rows.
Mapping conv_mapping(const EinsumCascade& w, const ArchSpec& a, int64_t p_tile, int64_t gb_tile = 0) {
  std::string loops = fmt::format("[{{rank: P, tile: {}}}", p_tile);
  if (gb_tile > 0) loops += fmt::format(", {{rank: P, tile: {}, level: GB}}", gb_tile);
  loops += "]";
  return mapping_text(fmt::format(R"(mapping:
  name: conv
  groups:
    - name: conv
      loops: {}
      place: {{O: {{array: pe2d, rows: K}}}}
)", loops), w, a);
}

}  // namespace

TEST_CASE("a loop over a convolution's output rows loads input windows, not the whole plane", "[sim][lower][window]") {
  const ArchSpec a = mac_16x16();
  struct Case {
    int64_t p, r, s, d, tile;
  };
  // Strides 1, 2 and 4, dilations 2 and 3; windows of neighbouring tiles overlap when the stride
  // is below the taps' span (stride 1) and leave rows out when above it (stride 4, R = 3).
  const std::vector<Case> cases = {{16, 3, 1, 1, 4}, {16, 3, 2, 1, 4}, {16, 3, 4, 1, 8}, {16, 3, 1, 2, 4},
                                   {16, 5, 2, 3, 2}, {8, 3, 1, 1, 2}};
  for (const Case& c : cases) {
    INFO("P " << c.p << " R " << c.r << " stride " << c.s << " dilation " << c.d << " tile " << c.tile);
    const EinsumCascade w = conv_1d(c.p, c.r, c.s, c.d);
    const CascadeGraph graph(w);
    const LoweredGroup g = lower_mapping(w, graph, a, conv_mapping(w, a, c.tile)).at(0);
    const uint64_t win = window(static_cast<uint64_t>(c.s), static_cast<uint64_t>(c.tile), static_cast<uint64_t>(c.d),
                                static_cast<uint64_t>(c.r));
    const uint64_t tiles = static_cast<uint64_t>(c.p / c.tile);
    const uint64_t h = static_cast<uint64_t>((c.p - 1) * c.s + (c.r - 1) * c.d + 1);
    // One int8 window per tile of P: the input moves with p, so it is loaded at every step.
    CHECK(tensor_reads(g, w, "I") == tiles * win);
    CHECK(alloc_of(g, "load I") == win);
    CHECK(win < h);
    // The filter does not move with P: loaded once.
    CHECK(tensor_reads(g, w, "F") == static_cast<uint64_t>(c.r));
  }
}

TEST_CASE("windows whose tiles overlap load the overlap once per tile", "[sim][lower][window]") {
  // P = 8, R = 3, stride 1: H = 10 rows. Tiles of 2 outputs need windows of 1 * (2 - 1) + 3 = 4
  // rows; the 4 windows (rows 0-3, 2-5, 4-7, 6-9) load 16 rows, 6 of them twice.
  const ArchSpec a = mac_16x16();
  const EinsumCascade w = conv_1d(8, 3, 1, 1);
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, conv_mapping(w, a, 2)).at(0);
  CHECK(tensor_reads(g, w, "I") == 4u * 4u);
  CHECK(tensor_reads(g, w, "I") == 10u + 6u);
}

TEST_CASE("the buffer's loop cuts a buffer window into the steps' windows", "[sim][lower][window]") {
  // P = 16, R = 3, stride 2: the DRAM's tiles of 8 outputs bring windows of 2 * 7 + 3 = 17 rows;
  // the buffer's loop reads them 4 outputs a step, windows of 2 * 3 + 3 = 9 rows. One output
  // channel on one PE row: 4 steps of 4 points each; O is int32.
  const ArchSpec a = mac_16x16();
  const EinsumCascade w = conv_1d(16, 3, 2, 1);
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, conv_mapping(w, a, 8, 4)).at(0);
  CHECK(g.program.steps == 4);
  CHECK(tensor_reads(g, w, "I") == 2u * 17u);
  CHECK(alloc_of(g, "load I") == 17u);
  // Buffer reads: per step the input window (9 B) and the filter (3 B); the drain of O to DRAM,
  // 16 outputs of 4 B. No partial sums: the reduction over R is inside a step.
  CHECK(g.buffer_read_bytes == 4u * (9u + 3u) + 16u * 4u);
  CHECK(g.buffer_psum_read_bytes == 0);
}

TEST_CASE("AlexNet layer 1 on the Eyeriss-like nest loads one channel's 51-row window per tile", "[sim][lower][window]") {
  const EinsumCascade w = library_workload("alexnet_conv1.yaml");
  const ArchSpec a = library_arch("eyeriss_like.yaml");
  const LoweredGroup g = lower_mapping(w, CascadeGraph(w), a, library_mapping("eyeriss_alexnet_conv1.yaml", w, a)).at(0);
  // DRAM loops: K/16 = 6, P/11 = 5, C = 3: 90 buffer tiles. An input tile is one channel, the
  // window of 4 * (11 - 1) + 11 = 51 rows and all W = 4 * 54 + 11 = 227 columns; 2 bytes each.
  const uint64_t tiles = 6u * 5u * 3u;
  const uint64_t input_tile = 1u * 51u * 227u * 2u;
  CHECK(alloc_of(g, "load I") == input_tile);
  CHECK(tensor_reads(g, w, "I") == tiles * input_tile);
  // The whole 227 x 227 plane per tile would be 227 / 51 times as much.
  CHECK(tensor_reads(g, w, "I") * 227u == tiles * 227u * 227u * 2u * 51u);
  // The filter tile: 16 filters of one channel, 11 x 11, per buffer tile.
  CHECK(tensor_reads(g, w, "F") == tiles * 16u * 11u * 11u * 2u);
  // Both double-buffered input tiles and the 16 x 11 x 55 output tile fit the 128 KiB buffer.
  CHECK(2u * (input_tile + 16u * 121u * 2u) + 16u * 11u * 55u * 2u <= 128u * 1024u);
}
