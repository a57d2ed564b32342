#ifndef CSCHEDULING_H
#define CSCHEDULING_H
// Thread scheduling calls Swift cannot make itself (`syscall` is variadic, and glibc before 2.41
// has no `sched_setattr` wrapper). Header only: nothing to link.
#if defined(__linux__)
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

/// Sets the calling thread's nice value and its EEVDF time slice of `nanoseconds`
/// (sched_setattr(2): SCHED_OTHER with `sched_nice` and `sched_runtime`; the slice needs kernel 6.12
/// or later): a thread with a shorter slice may preempt one with a longer slice when it wakes.
/// Returns 0, or -1 with `errno` set (a nice below the current one needs privilege; an older kernel
/// refuses the slice).
static inline int cscheduling_set_nice_and_slice(int32_t nice, uint64_t nanoseconds) {
#ifdef SYS_sched_setattr
    struct {
        uint32_t size, policy;
        uint64_t flags;
        int32_t nice;
        uint32_t priority;
        uint64_t runtime, deadline, period;
        uint32_t util_min, util_max;
    } attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.nice = nice;
    attr.runtime = nanoseconds;
    return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
#else
    (void)nice;
    (void)nanoseconds;
    return -1;
#endif
}
#endif
#endif
