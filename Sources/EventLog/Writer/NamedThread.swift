import Foundation

/// Starts a long-lived thread under a name the operating system shows (`top -H`, `perf`,
/// `/proc/PID/task/*/comm`), so an operator can tell the log's writer from a view's follower.
/// Foundation's `Thread.name` does not reach the kernel on Linux; this names the thread from inside.
public enum NamedThread {
    /// - Parameter name: at most 15 bytes (the kernel's limit; longer names are cut).
    @discardableResult
    public static func start(
        _ name: String, qualityOfService: QualityOfService = .default, _ body: @escaping @Sendable () -> Void
    ) -> Thread {
        let short = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let thread = Thread {
            nameCurrentThread(short)
            body()
        }
        thread.name = short
        thread.qualityOfService = qualityOfService
        thread.start()
        return thread
    }

    /// Glibc's `pthread_setname_np` is not visible to Swift, and `prctl` is variadic: the kernel's
    /// file for the calling thread's name does the same.
    private static func nameCurrentThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }  // no /proc (a container without it): the name is cosmetic
        _ = name.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}
