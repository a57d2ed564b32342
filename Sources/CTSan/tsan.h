#ifndef CTSAN_H
#define CTSAN_H
// ThreadSanitizer's annotations for a synchronisation it cannot see itself. Declarations only:
// the sanitizer's runtime defines them, and only builds with CHRONICLE_TSAN (`make tsan`) call them.

/// The calling thread now has seen everything done before a `__tsan_release` of `addr`.
void __tsan_acquire(void *addr);
/// Everything the calling thread did so far happens before a later `__tsan_acquire` of `addr`.
void __tsan_release(void *addr);

#endif
