#include <catch2/catch.hpp>

#include "arch/pe/sc/pipeline.hpp"

using namespace einsim;

TEST_CASE("pipeline timing accepts every II edges and delivers after the latency", "[arch][pe]") {
  // Latency 3, II 2: acceptances at edges 0, 2, 4; results due at edges 2, 4, 6.
  PipelineTiming<int> t(3, 2);
  int next = 0;
  std::vector<std::pair<uint64_t, int>> out;
  for (uint64_t edge = 0; edge < 10; ++edge) {
    if (next < 3 && t.can_accept(edge)) {
      t.accept(edge);
      t.schedule(edge, next++);
    }
    if (auto r = t.pop_due(edge)) out.push_back({edge, *r});
  }
  REQUIRE(out.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(out[i].first == static_cast<uint64_t>(2 * i + 3 - 1));
    CHECK(out[i].second == i);
  }
  CHECK_THROWS(PipelineTiming<int>(0, 1));
  CHECK_THROWS(PipelineTiming<int>(1, 0));
}
