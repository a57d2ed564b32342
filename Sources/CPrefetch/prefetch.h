#ifndef CPREFETCH_H
#define CPREFETCH_H
// The CPU's prefetch hint, which Swift cannot give itself. Header only: nothing to link.

/// Asks the CPU to start loading the cache line at `p` (for reading and writing): a hint that never
/// faults and changes nothing.
static inline void cprefetch_line(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
