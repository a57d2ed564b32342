import Locking
import NIOCore

/// The open connections: enforces the connection limit and lets shutdown reach every connection.
final class ConnectionRegistry: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Lock(State())
    let maxConnections: Int

    init(maxConnections: Int) { self.maxConnections = maxConnections }

    /// Adds a new connection; false when the server is full or shutting down.
    func admit(_ channel: any Channel) -> Bool {
        state.withLock { s in
            guard !s.shuttingDown, s.open.count < maxConnections else { return false }
            s.open[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open[ObjectIdentifier(channel)] = nil
            guard s.open.isEmpty, s.shuttingDown else { return [] }
            defer { s.emptyWaiters = [] }
            return s.emptyWaiters
        }
        for w in waiters { w.resume() }
    }

    var count: Int { state.withLock { $0.open.count } }

    /// Refuses new connections from now on and returns the open ones.
    func beginShutdown() -> [any Channel] {
        state.withLock { s in
            s.shuttingDown = true
            return Array(s.open.values)
        }
    }

    /// Returns once every connection has closed (after ``beginShutdown()``).
    func waitUntilEmpty() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.open.isEmpty { return true }
                s.emptyWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
