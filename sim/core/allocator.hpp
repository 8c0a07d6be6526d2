#pragma once
// How the process's allocator hands memory back to the system.
//
// An evaluation allocates and frees a few hundred kilobytes (lowered programs, engine
// state, occupancy logs). With glibc's defaults, freeing them leaves more than the trim
// threshold (128 KiB) at the top of the heap, so every evaluation returns those pages to
// the system (madvise in a thread's arena) and faults them back in on the next one: a
// third of the time of a fused attention evaluation on one thread. Programs that
// evaluate many design points (einsim itself, the benchmarks) call this once at
// start-up to keep freed memory up to a bound; a library never changes it on its own.

#include <cstdlib>  // defines __GLIBC__ with glibc

#if defined(__SANITIZE_ADDRESS__)
#define EINSIM_SANITIZED_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EINSIM_SANITIZED_ALLOCATOR 1
#endif
#endif
// glibc's allocator, whose settings retain_freed_memory changes.
#if defined(__GLIBC__) && !defined(EINSIM_SANITIZED_ALLOCATOR)
#define EINSIM_GLIBC_ALLOCATOR 1
#endif

namespace einsim {

// Keeps up to 256 MiB of freed memory at the top of each heap, and serves requests below
// 32 MiB from the heap rather than from fresh mappings. Does nothing but return false
// where the allocator has no such settings (not glibc's, or an AddressSanitizer build,
// whose allocator replaces it).
bool retain_freed_memory();

}  // namespace einsim
