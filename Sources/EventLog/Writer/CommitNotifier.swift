import Locking
import Synchronization

/// The last committed position, and tasks waiting for it to pass a point.
final class CommitNotifier: Sendable {
    private struct State {
        var committed: UInt64 = 0
        var nextId = 0
        var waiters: [Int: (after: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var observers: [Int: @Sendable (UInt64) -> Void] = [:]
        var closed = false
    }

    private let state = Lock(State())
    /// `State.committed`, readable without the lock: the views' follower reads it for every batch,
    /// and at idle priority it could be preempted holding a lock the commit thread takes next.
    private let published = Atomic<UInt64>(0)

    init(committed: UInt64) {
        state.withLock { $0.committed = committed }
        published.store(committed, ordering: .releasing)
    }

    var committed: UInt64 { published.load(ordering: .acquiring) }

    /// Whom a commit wakes besides its own callers: the waiters it lets pass and every observer.
    struct Wakeups {
        fileprivate let position: UInt64
        fileprivate let ready: [CheckedContinuation<Void, Never>]
        fileprivate let observers: [@Sendable (UInt64) -> Void]

        /// Runs the observers and resumes the waiters.
        func run() {
            for f in observers { f(position) }
            for c in ready { c.resume() }
        }
    }

    /// Makes `position` the committed one at once (``committed`` and new waiters see it) and returns
    /// whom to wake. The writer answers its own callers first, then runs the wakeups, so that the
    /// threads they start (the views follower, subscriptions) do not delay the replies.
    func advance(to position: UInt64) -> Wakeups {
        state.withLock { s in
            s.committed = max(s.committed, position)
            published.store(s.committed, ordering: .releasing)
            let due = s.waiters.filter { $0.value.after < s.committed }
            for id in due.keys { s.waiters[id] = nil }
            return Wakeups(
                position: position, ready: due.values.map(\.continuation),
                observers: s.observers.isEmpty ? [] : Array(s.observers.values))
        }
    }

    /// Calls `body` with the position after every commit, on the committing thread (it must be quick).
    func observe(_ body: @escaping @Sendable (UInt64) -> Void) -> Int {
        state.withLock { s in
            s.nextId += 1
            s.observers[s.nextId] = body
            return s.nextId
        }
    }

    func stopObserving(_ id: Int) {
        _ = state.withLock { $0.observers.removeValue(forKey: id) }
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
