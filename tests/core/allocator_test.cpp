#include <cstdlib>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/core/allocator.hpp"

#if defined(EINSIM_GLIBC_ALLOCATOR)
#include <malloc.h>
#endif

using namespace einsim;

TEST_CASE("freed memory is kept up to the bound after retain_freed_memory", "[core][allocator]") {
#if defined(EINSIM_GLIBC_ALLOCATOR)
  REQUIRE(retain_freed_memory());
  // 4 MiB in 64 KiB blocks, freed: with the default 128 KiB trim threshold the heap would
  // shrink back; with the 256 MiB bound it keeps them (arena bytes, mallinfo2's arena).
  std::vector<void*> blocks;
  for (int i = 0; i < 64; ++i) blocks.push_back(std::malloc(64 << 10));
  const size_t grown = mallinfo2().arena;
  for (void* b : blocks) std::free(b);
  const size_t after = mallinfo2().arena;
  CHECK(after == grown);             // nothing returned to the system
  CHECK(grown >= size_t{64} * (64 << 10));  // the blocks came from the heap, not from mappings
#else
  CHECK_FALSE(retain_freed_memory());
#endif
}
