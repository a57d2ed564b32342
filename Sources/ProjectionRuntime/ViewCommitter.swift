import EventLog
import Foundation
import LMDB

/// The live follower's commit thread: writes a batch's detached view writes and checkpoints in one
/// transaction of the views environment and commits it, while the follower applies the next batch
/// (``ProjectionRunner/applyBatchPipelined(_:through:maxEvents:)``).
///
/// One batch at a time: the follower hands the next one over only once the previous one is done,
/// and learns then whether it committed.
final class ViewCommitter: @unchecked Sendable {  // fields are guarded by `condition`; the job's writes belong to the commit thread once handed over
    struct Job {
        var writes: [any DetachedWrites]
        /// The projections whose checkpoint moves, with the new checkpoint.
        var checkpoints: [(projection: Int, checkpoint: Checkpoint)]
        /// Whether the commit may wait after the previous one ended (see `spacing`).
        var spaced = false
        /// Whether the follower that handed it over runs in the background: the commit thread runs
        /// at the follower's priority (``ProjectionEngine/FollowerPriority``).
        var background = false
    }

    private let store: ViewStore
    private let names: [String]
    private let onCommitted: @Sendable ([UInt64]) -> Void
    /// Tests only: a wait before each commit.
    private let delay: Duration?
    /// The longest wait from one commit's end to a spaced one's start (``ProjectionEngine/Options/commitSpacing``).
    private let spacing: Duration
    /// When the last commit ended, and how long it took.
    private var lastCommit: (end: ContinuousClock.Instant, took: Duration)?
    /// A spaced commit waits at most this many times as long as the previous commit took.
    private let spacingFactor: Int
    private let condition = NSCondition()
    private var job: Job?
    private var busy = false
    private var failure: (any Error)?
    private var stopping = false
    /// Set by ``stop()``: no more waiting out the spacing.
    private var hurry = false
    private var stopped = false
    /// The checkpoints in the store: what the last successful commit wrote.
    private var committed: [Checkpoint]

    /// - Parameter onCommitted: called on the commit thread after each commit with every
    ///   projection's committed position.
    init(
        store: ViewStore, names: [String], committed: [Checkpoint], delay: Duration? = nil,
        spacing: Duration = .zero, spacingFactor: Int = 0, onCommitted: @escaping @Sendable ([UInt64]) -> Void
    ) {
        self.store = store
        self.delay = delay
        self.spacing = spacing
        self.spacingFactor = spacingFactor
        self.names = names
        self.committed = committed
        self.onCommitted = onCommitted
        // At the priority of the thread that applies the batches (the follower's, which makes it),
        // and from then on at each batch's (``Job/background``).
        let background = NamedThread.currentThreadIsBackground
        NamedThread.start("views-commit", priority: background ? .background : .normal) { [self] in
            self.loop(background: background)
        }
    }

    /// Waits until no batch is in flight. Returns the error of a batch that failed since the last
    /// call (the caller must then forget every change it applied since), and the checkpoints in the
    /// store.
    func waitUntilIdle() -> (failure: (any Error)?, committed: [Checkpoint]) {
        condition.lock()
        defer { condition.unlock() }
        while busy || job != nil { condition.wait() }
        let f = failure
        failure = nil
        return (f, committed)
    }

    /// Hands a batch over; call ``waitUntilIdle()`` first.
    func submit(_ next: Job) {
        condition.lock()
        precondition(!busy && job == nil && !stopping, "a views batch handed over while another is in flight")
        job = next
        condition.broadcast()
        condition.unlock()
    }

    /// Finishes the batch in flight and ends the thread.
    func stop() -> (failure: (any Error)?, committed: [Checkpoint]) {
        condition.lock()
        hurry = true  // a commit waiting out its spacing goes at once
        condition.broadcast()
        condition.unlock()
        let result = waitUntilIdle()
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
        return result
    }

    private func loop(background: Bool) {
        var background = background
        while true {
            condition.lock()
            while job == nil && !stopping { condition.wait() }
            guard let next = job else {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            job = nil
            busy = true
            var positions = committed
            condition.unlock()
            if next.background != background,
               NamedThread.setCurrentThreadPriority(next.background ? .background : .normal) {
                background = next.background
            }

            var error: (any Error)?
            if let delay { Self.sleep(delay) }
            if next.spaced, spacing > .zero, let last = lastCommit {
                let until = last.end + min(spacing, last.took * spacingFactor)
                let deadline = Date(timeIntervalSinceNow: Self.seconds(until - ContinuousClock.now))
                condition.lock()
                while !hurry && ContinuousClock.now < until { _ = condition.wait(until: deadline) }
                condition.unlock()
            }
            let start = ContinuousClock.now
            do {
                try store.env.write { txn in
                    for w in next.writes { try w.write(txn) }
                    for (p, checkpoint) in next.checkpoints { try store.writeCheckpoint(names[p], checkpoint, txn) }
                }
                for (p, checkpoint) in next.checkpoints { positions[p] = checkpoint }
            } catch let e {
                error = e
            }
            let end = ContinuousClock.now
            lastCommit = (end, end - start)
            if error == nil { onCommitted(positions.map(\.position)) }
            condition.lock()
            if let error {
                failure = error
            } else {
                committed = positions
            }
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private static func sleep(_ d: Duration) {
        Thread.sleep(forTimeInterval: seconds(d))
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
