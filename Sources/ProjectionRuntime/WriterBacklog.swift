import EventLog

/// Whether the log's writer is behind, as the views' follower sees it: it had at least `threshold`
/// work items waiting at a look in the last second. Its queue comes and goes with its own batches,
/// so one look would often miss a backlog. Commit spacing (``ProjectionEngine/Options/commitSpacing``)
/// and the follower's priority (``ProjectionEngine/FollowerPriority/backgroundWhileWriterIsBehind``)
/// both go by it.
struct WriterBacklog {
    let threshold: Int
    private var lastQueued: ContinuousClock.Instant?

    init(threshold: Int) { self.threshold = threshold }

    /// Looks at the writer's queue now; true while it had a backlog within the last second.
    mutating func isBehind(_ log: EventLog, now: ContinuousClock.Instant = .now) -> Bool {
        if log.queuedWork >= threshold { lastQueued = now }
        guard let lastQueued else { return false }
        return now - lastQueued < .seconds(1)
    }
}
