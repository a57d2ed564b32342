#if canImport(Glibc)
import CScheduling
import Glibc
#endif
import NIOCore

/// Raises the priority of the thread that serves the reads-only listener (`serve --query-listen`),
/// so that a query is answered as soon as it arrives instead of waiting for a core behind the
/// command traffic.
///
/// Under 64 pipelining command connections every thread of the server waits for a core about as
/// long as it runs (`/proc/PID/task/*/schedstat`: the event loops ran 1.3–1.4 s and waited 2.6–2.7 s
/// in a 5 s window), and a query's p99 was that wait, not the 0.08 ms the query takes. A loop that
/// serves only reads is idle most of the time; at a higher priority it takes a core the moment a
/// query arrives, and the commands lose only the CPU the queries use.
enum QueryLoopPriority {
    /// The nice value asked for: enough to preempt the writer's threads at once.
    static let nice: Int32 = -10
    /// The EEVDF time slice asked for, with the nice value or (an unprivileged process) alone: a
    /// thread with a shorter slice may preempt one with a longer slice when it wakes.
    static let slice: UInt64 = 100_000

    /// Raises the calling thread's priority as far as the process may; returns what it got, for
    /// the start-up line: `nice -10, 0.1 ms time slice`, `nice -10`, `0.1 ms time slice` or `normal`.
    static func raiseCurrentThread() -> String {
        #if os(Linux)
        // Both: the weight gives the loop a core at once when it wakes, and the short slice lets it
        // preempt a thread that has just begun its own slice (which the weight alone does not).
        if cscheduling_set_nice_and_slice(nice, slice) == 0 { return "nice \(nice), 0.1 ms time slice" }
        // On Linux a nice value is a thread's, and `who` 0 is the calling thread (an older kernel,
        // which refuses the slice).
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0 { return "nice \(nice)" }
        // Unprivileged: the slice alone.
        if cscheduling_set_nice_and_slice(0, slice) == 0 { return "0.1 ms time slice" }
        #endif
        return "normal"
    }

    /// Runs ``raiseCurrentThread()`` on every thread of `group`; returns what the last one got.
    static func raise(_ group: any EventLoopGroup) async -> String {
        var got = "normal"
        for loop in group.makeIterator() {
            got = (try? await loop.submit { raiseCurrentThread() }.get()) ?? "normal"
        }
        return got
    }
}
