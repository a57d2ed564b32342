import Foundation
import Locking

/// Starts a long-lived thread under a name the operating system shows (`top -H`, `perf`,
/// `/proc/PID/task/*/comm`), so an operator can tell the log's writer from a view's follower.
/// Foundation's `Thread.name` does not reach the kernel on Linux; this names the thread from inside.
///
/// A thread may run in the **background**: at the kernel's idle priority (`SCHED_IDLE`), it runs
/// only on a core that no thread of normal priority wants, and gives the core up the moment one
/// wakes. That suits work that may fall behind under load and catch up after it (backing new
/// tables with memory, the views' live follower in `chronicle serve`).
///
/// Such a thread must not start a thread meant to run at normal priority: every thread inherits
/// its creator's priority, and a thread that Dispatch or Swift concurrency starts for its pool on a
/// background thread — to run an `async` block, or a task a resumed continuation schedules — would
/// serve that pool at idle priority for the rest of the process (a server's queries or commands
/// among its work). A background thread hands such calls to ``outsideBackground(_:)``, and other
/// background work to ``inBackground(_:)``. (The thread of normal priority that takes them is made
/// before the first thread goes to the background.)
public enum NamedThread {
    public enum Priority: Sendable {
        /// The kernel's normal scheduling.
        case normal
        /// The kernel's idle priority (`SCHED_IDLE`), where the system has it; normal elsewhere.
        case background
    }

    /// - Parameter name: at most 15 bytes (the kernel's limit; longer names are cut).
    @discardableResult
    public static func start(
        _ name: String, qualityOfService: QualityOfService = .default, priority: Priority = .normal,
        _ body: @escaping @Sendable () -> Void
    ) -> Thread {
        // The hand-off thread exists before the first background thread: made later, by a
        // background thread, it would inherit the idle priority it is there to escape.
        if priority == .background { JobThread.handOff.touch() }
        let short = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let thread = Thread {
            nameCurrentThread(short)
            // Where the system refuses (another one), the thread runs at normal priority: its work
            // is then only moved off the threads that asked for it.
            if priority == .background { setCurrentThreadPriority(.background) }
            body()
        }
        thread.name = short
        thread.qualityOfService = qualityOfService
        thread.start()
        return thread
    }

    /// Whether the calling thread runs at the kernel's idle priority (a background thread, or one
    /// a background thread started).
    public static var currentThreadIsBackground: Bool {
        #if os(Linux)
        return sched_getscheduler(0) == schedIdle
        #else
        return false
        #endif
    }

    /// Runs `work` at normal priority: at once on a thread of normal priority; from a background
    /// thread, on a thread of normal priority kept for this, after the work handed to it before.
    /// For a background thread's calls that may start threads (`DispatchQueue.async`, resuming a
    /// continuation) or that must not wait for an idle core (unmapping a mapping of its own, which
    /// holds the process's memory-map lock while it runs).
    public static func outsideBackground(_ work: @escaping @Sendable () -> Void) {
        if currentThreadIsBackground { JobThread.handOff.async(work) } else { work() }
    }

    /// Runs `work` on the thread of normal priority that ``outsideBackground(_:)`` hands work to,
    /// after the work handed to it before, whatever the calling thread's priority: for work whose
    /// order matters when some of it comes from a background thread and some does not.
    public static func handOff(_ work: @escaping @Sendable () -> Void) {
        JobThread.handOff.async(work)
    }

    /// Runs `work` on a background thread kept for this, after the work handed to it before: work
    /// that may wait for an idle core (freeing a large cache back to the allocator, which keeps its
    /// mappings; grouping a sealed index run).
    public static func inBackground(_ work: @escaping @Sendable () -> Void) {
        JobThread.background.async(work)
    }

    /// Moves the calling thread to `priority`; false when the system refuses. Any thread may go to
    /// the background; coming back needs the privilege to raise a priority
    /// (``mayLeaveBackground``). A thread that goes to the background must keep to what
    /// ``NamedThread`` says such a thread may do.
    @discardableResult
    public static func setCurrentThreadPriority(_ priority: Priority) -> Bool {
        if priority == .background { JobThread.handOff.touch() }  // see `start`
        #if os(Linux)
        var param = sched_param()
        param.sched_priority = 0
        return sched_setscheduler(0, priority == .background ? schedIdle : schedOther, &param) == 0
        #else
        return priority == .normal
        #endif
    }

    /// Whether a thread of this process may come back from the background to normal priority:
    /// Linux lets a thread leave `SCHED_IDLE` only with `CAP_SYS_NICE` (root) or a nice limit
    /// (`RLIMIT_NICE`, `ulimit -e`) of 20 or more. Found out once, on a thread of its own.
    public static let mayLeaveBackground: Bool = {
        let done = DispatchSemaphore(value: 0)
        let result = Lock(false)
        let probe = Thread {
            let left = setCurrentThreadPriority(.background) && setCurrentThreadPriority(.normal)
            result.withLock { $0 = left }
            done.signal()
        }
        probe.start()
        done.wait()
        return result.withLock { $0 }
    }()

    /// `SCHED_OTHER` and `SCHED_IDLE` in Linux's `<sched.h>` (the second is not imported into Swift).
    private static let schedOther: Int32 = 0
    private static let schedIdle: Int32 = 5

    /// Glibc's `pthread_setname_np` is not visible to Swift, and `prctl` is variadic: the kernel's
    /// file for the calling thread's name does the same.
    private static func nameCurrentThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }  // no /proc (a container without it): the name is cosmetic
        _ = name.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}

/// A thread that runs the closures given to it one at a time, in order, for the life of the process.
final class JobThread: Sendable {
    /// Normal priority: what background threads hand over (``NamedThread/outsideBackground(_:)``).
    static let handOff = JobThread(name: "handoff", priority: .normal)
    /// Idle priority: work that may wait (``NamedThread/inBackground(_:)``).
    static let background = JobThread(name: "background", priority: .background)

    private let jobs = Lock<[@Sendable () -> Void]>([])
    /// Signalled once per job (a futex wake: it starts no thread, whoever calls it).
    private let wake = DispatchSemaphore(value: 0)

    private init(name: String, priority: NamedThread.Priority) {
        // Made by a background thread (which `NamedThread` avoids), the thread inherits its idle
        // priority: it leaves it where the process may.
        let inherited = priority == .normal && NamedThread.currentThreadIsBackground
        NamedThread.start(name, priority: priority) { [self] in
            if inherited { NamedThread.setCurrentThreadPriority(.normal) }
            while true {
                wake.wait()
                let batch = jobs.withLock { jobs in
                    var taken: [@Sendable () -> Void] = []
                    swap(&taken, &jobs)
                    return taken
                }
                for job in batch { job() }
            }
        }
    }

    /// Makes sure the thread exists (its `static let` is made on first use).
    func touch() {}

    func async(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        wake.signal()
    }
}
