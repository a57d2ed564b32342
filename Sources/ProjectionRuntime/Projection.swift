import EventLog
import LMDB

/// Applies events to one projection's tables. Created by the runtime for one views environment and
/// used by one thread at a time; every change goes through the tables it got from its
/// ``ProjectorContext``, which the runtime flushes with the checkpoint in one transaction.
public protocol Projector: AnyObject {
    /// Applies one event of a type the projection reads. `txn` is where tables load records from.
    func apply(_ event: ProjectedEvent, _ txn: borrowing Transaction) throws
}

/// A named database of a projection, with its LMDB flags.
public struct DatabaseSpec: Sendable {
    public var name: String
    public var flags: Database.Flags

    public init(_ name: String, flags: Database.Flags = []) {
        self.name = name
        self.flags = flags
    }
}

/// A projection: a name, the views it answers, the event types it reads, its named databases in
/// `views/`, and how to make its projector. Bumping `version` makes the runtime rebuild it.
public struct Projection: Sendable {
    public var name: String
    public var version: Int
    /// The query names it serves (`approvalQueue`, `myExpenses`, …).
    public var views: [String]
    /// The event types it reads; nil for every event. Events of other types never reach it.
    public var eventTypes: Set<String>?
    public var databases: [DatabaseSpec]
    public var makeProjector: @Sendable (ProjectorContext) throws -> any Projector
    /// Relative cost of a rebuild, for splitting projections across threads: CPU time per million
    /// demo events in tenths of a second, measured (the log's scan itself weighs ``ProjectionRunner/scanWeight``).
    public var rebuildWeight: Int

    public init(
        name: String, version: Int, views: [String], eventTypes: Set<String>?, databases: [DatabaseSpec],
        rebuildWeight: Int = 1, makeProjector: @escaping @Sendable (ProjectorContext) throws -> any Projector
    ) {
        self.name = name
        self.version = version
        self.views = views
        self.eventTypes = eventTypes
        self.databases = databases
        self.makeProjector = makeProjector
        self.rebuildWeight = rebuildWeight
    }
}

/// What a projector gets when it is made: its tables in one views environment.
public final class ProjectorContext {
    public let store: ViewStore
    /// True in a fresh environment: tables hold everything in memory and never read LMDB.
    public let isFresh: Bool
    var tables: [any FlushableTable] = []
    let cacheLimit: Int

    init(store: ViewStore, isFresh: Bool, cacheLimit: Int) {
        self.store = store
        self.isFresh = isFresh
        self.cacheLimit = cacheLimit
    }

    /// A keyed table over the named database.
    ///
    /// Inlinable so that the table's record encoder is specialized in the view's module, for its
    /// record type (see ``ViewTable/encodeRecord(_:into:)``).
    @inlinable
    public func table<Key: TableKey, Value: ViewRecord>(
        _ name: String, key: Key.Type = Key.self, value: Value.Type = Value.self
    ) throws -> ViewTable<Key, Value> {
        try makeTable(name, encoder: ViewTable<Key, Value>.encodeRecord)
    }

    @usableFromInline
    func makeTable<Key: TableKey, Value: ViewRecord>(
        _ name: String, encoder: @escaping ViewTable<Key, Value>.RecordEncoder
    ) throws -> ViewTable<Key, Value> {
        let db = try store.database(name)
        let table = ViewTable<Key, Value>(
            database: db, complete: isFresh, lastKey: isFresh ? nil : try store.lastKey(db), cacheLimit: cacheLimit,
            encoder: encoder)
        tables.append(table)
        return table
    }

    /// An append-only block list over the named database.
    public func blockList(_ name: String, maxEntries: Int = 256, maxBytes: Int = 1800) throws -> BlockList {
        let db = try store.database(name)
        let list = BlockList(
            database: db, complete: isFresh, lastKey: isFresh ? nil : try store.lastKey(db), maxEntries: maxEntries,
            maxBytes: maxBytes, cacheLimit: cacheLimit)
        tables.append(list)
        return list
    }

    func flush(_ txn: borrowing Transaction) throws {
        for t in tables { try t.flush(txn) }
    }

    func didCommit() { for t in tables { t.didCommit() } }
    func discardChanges() { for t in tables { t.discardChanges() } }
    func detachChanges(into writes: inout [any DetachedWrites]) {
        for t in tables { if let w = t.detachChanges() { writes.append(w) } }
    }
    var isOverCacheLimit: Bool { tables.contains { $0.isOverCacheLimit } }
    func trimCaches() { for t in tables { t.trimCache() } }
}
