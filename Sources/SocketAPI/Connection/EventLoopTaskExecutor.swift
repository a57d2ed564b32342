import NIOCore

/// Runs task jobs on a NIO event loop, so a task started from a connection handler with this as
/// its executor preference (SE-0417) stays on the connection's loop between awaits.
///
/// Commands use it: the only suspension is the hand-off to the log's writer thread, and the task
/// resumes on the loop that writes the reply — two thread switches per batch instead of four. View
/// queries use it too (one short read transaction each). Work that computes for long (log reads of
/// up to megabytes) stays on the cooperative pool.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
