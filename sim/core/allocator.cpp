#include "sim/core/allocator.hpp"

#if defined(EINSIM_GLIBC_ALLOCATOR)
#include <malloc.h>
#endif

namespace einsim {

bool retain_freed_memory() {
#if defined(EINSIM_GLIBC_ALLOCATOR)
  // Setting either threshold also stops glibc from raising the mmap threshold on its own.
  const bool trim = mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
  const bool mmap = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  return trim && mmap;
#else
  return false;
#endif
}

}  // namespace einsim
