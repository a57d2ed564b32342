import EventLog

/// Where queries find views: the current store (a snapshot is taken per query), the log the views
/// were built from (for fields kept by reference), and waiting for a checkpoint (read-your-writes).
public protocol ViewSource: Sendable {
    var log: EventLog { get }
    /// The store queries read now (swapped atomically after a rebuild).
    func currentStore() throws -> ViewStore
    /// Returns true once `projection` has applied `position`, false when `timeout` passes first.
    func waitUntil(_ projection: String, reaches position: UInt64, timeout: Duration) async -> Bool
}

/// A store that does not move: a replayed (as-of) directory, or views read offline.
public struct StaticViewSource: ViewSource {
    public let log: EventLog
    public let store: ViewStore

    public init(log: EventLog, store: ViewStore) {
        self.log = log
        self.store = store
    }

    public func currentStore() throws -> ViewStore { store }

    public func waitUntil(_ projection: String, reaches position: UInt64, timeout: Duration) async -> Bool {
        ((try? store.read { txn in try store.checkpoint(projection, txn) })??.position ?? 0) >= position
    }
}
