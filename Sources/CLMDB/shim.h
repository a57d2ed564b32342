#ifndef CLMDB_SHIM_H
#define CLMDB_SHIM_H
#include <lmdb.h>

/// Asks the CPU to start loading the cache line at `p` (a hint: it never faults and changes nothing).
static inline void clmdb_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
#endif
