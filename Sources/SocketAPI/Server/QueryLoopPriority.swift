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
public enum QueryLoopPriority {
    /// The nice value asked for: enough to preempt the writer's threads at once.
    static let nice: Int32 = -10
    /// The EEVDF time slice asked for when the nice value is not permitted (an unprivileged
    /// process): a thread with a shorter slice may preempt one with a longer slice when it wakes.
    static let slice: UInt64 = 100_000

    /// Raises the calling thread's priority as far as the process may; returns what it got, for
    /// the start-up line: `nice -10`, `0.1 ms time slice` or `normal`.
    public static func raiseCurrentThread() -> String {
        #if os(Linux)
        // On Linux a nice value is a thread's, and `who` 0 (as `pid` 0 below) is the calling thread.
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0 { return "nice \(nice)" }
        // An older kernel refuses the slice, and the loop keeps the normal priority.
        if cscheduling_set_time_slice(slice) == 0 { return "0.1 ms time slice" }
        #endif
        return "normal"
    }

    /// Runs ``raiseCurrentThread()`` on every thread of `group`; returns what the last one got.
    public static func raise(_ group: any EventLoopGroup) async -> String {
        var got = "normal"
        for loop in group.makeIterator() {
            got = (try? await loop.submit { raiseCurrentThread() }.get()) ?? "normal"
        }
        return got
    }
}
