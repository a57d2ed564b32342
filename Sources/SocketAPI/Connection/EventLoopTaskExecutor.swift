import NIOCore

/// Runs task jobs on a NIO event loop, so a task started from a connection handler with this as
/// its executor preference (SE-0417) stays on the connection's loop between awaits.
///
/// View queries that wait for a position use it (one short read transaction each, on the loop that
/// writes the reply). Work that computes for long (log reads of up to megabytes) stays on the
/// cooperative pool. Commands need no task: they are handed to the writer with a callback (see
/// ``ConnectionHandler/submitPendingCommands()``).
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
