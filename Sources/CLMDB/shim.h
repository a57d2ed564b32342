#ifndef CLMDB_SHIM_H
#define CLMDB_SHIM_H
#include <lmdb.h>

/// Asks the CPU to start loading the cache line at `p` (a hint: it never faults and changes nothing).
static inline void clmdb_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Faults the page of `p` in for writing without changing it: a locked OR of zero, safe even while
/// another thread writes the same word. (Not `__atomic_fetch_add(p, 0)`: the compiler turns an
/// atomic that changes nothing into a fence and a load, and a read only maps the shared zero page.)
static inline void clmdb_fault_in_for_write(void *p) {
#if defined(__x86_64__)
    __asm__ volatile("lock orq $0, %0" : "+m"(*(unsigned long long *)p) : : "memory");
#else
    unsigned long long seen = __atomic_load_n((unsigned long long *)p, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n((unsigned long long *)p, &seen, seen, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
#endif
}
#endif
