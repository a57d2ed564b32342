/// Once a second, turns the log's and the views' state into metrics: the log position, the
/// writer's queue and commit counts (so `rate(events) / rate(commits)` is the mean commit batch),
/// the queued commands, and each view's lag behind the log.
struct MetricsSampler: Sendable {
    let state: ServerState

    func run() async {
        var last = state.log.writerStats
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let stats = state.log.writerStats
            let m = state.metrics
            m.logCommits.increment(by: max(0, stats.batches - last.batches))
            m.logCommittedItems.increment(by: max(0, stats.items - last.items))
            m.logCommittedEvents.increment(by: max(0, stats.events - last.events))
            last = stats
            let position = state.log.lastPosition
            m.logPosition.record(Int64(clamping: position))
            m.writerQueue.record(state.log.queuedWork)
            m.queuedCommands.record(state.queuedCommands.load(ordering: .relaxed))
            if let queries = state.queries {
                for (view, checkpoint) in queries.checkpoints() {
                    m.viewLag(view: view, lag: position > checkpoint ? position - checkpoint : 0)
                }
            }
        }
    }
}
