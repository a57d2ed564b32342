import Synchronization

/// The last committed position, and tasks waiting for it to pass a point.
final class CommitNotifier: Sendable {
    private struct State {
        var committed: UInt64 = 0
        var nextId = 0
        var waiters: [Int: (after: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    init(committed: UInt64) { state.withLock { $0.committed = committed } }

    var committed: UInt64 { state.withLock { $0.committed } }

    func publish(_ position: UInt64) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.committed = max(s.committed, position)
            let due = s.waiters.filter { $0.value.after < s.committed }
            for id in due.keys { s.waiters[id] = nil }
            return due.values.map(\.continuation)
        }
        for c in ready { c.resume() }
    }

    /// Wakes every waiter (the log is closing).
    func close() {
        let all = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closed = true
            defer { s.waiters = [:] }
            return s.waiters.values.map(\.continuation)
        }
        for c in all { c.resume() }
    }

    /// Returns once a position after `position` is committed, the task is cancelled, or the log closes.
    func wait(after position: UInt64) async {
        let id = state.withLock { s -> Int in
            s.nextId += 1
            return s.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.closed || s.committed > position || Task.isCancelled { return true }
                    s.waiters[id] = (position, c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s in s.waiters.removeValue(forKey: id)?.continuation }
            c?.resume()
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }
}
