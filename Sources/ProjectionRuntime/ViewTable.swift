import LMDB

/// Something a projector writes that the runtime flushes into the projector's transaction.
public protocol FlushableTable: AnyObject {
    /// Writes every change since the last commit into `txn` (keys in ascending order).
    func flush(_ txn: borrowing Transaction) throws
    /// The transaction that `flush` wrote into has committed: the changes are now stored.
    func didCommit()
    /// The transaction aborted: forget every change not yet committed (and any cached value).
    func discardChanges()
}

/// A keyed table of view records with a write-back cache: a projector reads and updates records by
/// key while applying a batch, and the runtime writes the changed ones, in key order, in the same
/// transaction as the checkpoint.
///
/// In a fresh environment (a rebuild or a replay) the table is *complete*: it never reads LMDB,
/// since everything stored is in memory, and its flush appends keys in order (MDB_APPEND).
///
/// The access methods are `@inlinable` so that each view module gets them specialized for its key and
/// record types: unspecialized generic code costs several times more per event.
public final class ViewTable<Key: TableKey, Value: ViewRecord>: FlushableTable {
    @usableFromInline
    struct Slot {
        @usableFromInline var value: Value?
        @usableFromInline var dirty: Bool

        @inlinable init(value: Value?, dirty: Bool) {
            self.value = value
            self.dirty = dirty
        }
    }

    public let database: Database
    @usableFromInline var slots: [Key: Slot] = [:]
    @usableFromInline var dirtyKeys: [Key] = []
    @usableFromInline var complete: Bool
    /// The greatest key stored in the database (nil when empty): keys above it are appended.
    private var lastKey: [UInt8]?
    private let cacheLimit: Int
    @usableFromInline var scratch: [UInt8] = []

    init(database: Database, complete: Bool, lastKey: [UInt8]?, cacheLimit: Int) {
        self.database = database
        self.complete = complete
        self.lastKey = lastKey
        self.cacheLimit = cacheLimit
    }

    /// The record under `key`, or nil.
    @inlinable
    public func get(_ key: Key, _ txn: borrowing Transaction) throws -> Value? {
        if let slot = slots[key] { return slot.value }
        let value = try load(key, txn)
        slots[key] = Slot(value: value, dirty: false)
        return value
    }

    /// Changes the record under `key` in place (nil: absent; set nil to delete it).
    @inlinable @discardableResult
    public func update<R>(_ key: Key, _ txn: borrowing Transaction, _ body: (inout Value?) throws -> R) throws -> R {
        var index = slots.index(forKey: key)
        if index == nil {
            let value = try load(key, txn)
            slots[key] = Slot(value: value, dirty: false)
            index = slots.index(forKey: key)
        }
        let i = index!
        let result = try body(&slots.values[i].value)
        if !slots.values[i].dirty {
            slots.values[i].dirty = true
            dirtyKeys.append(key)
        }
        return result
    }

    /// Stores `value` under `key` without reading what was there.
    @inlinable
    public func put(_ key: Key, _ value: Value) {
        if let i = slots.index(forKey: key) {
            slots.values[i].value = value
            if !slots.values[i].dirty {
                slots.values[i].dirty = true
                dirtyKeys.append(key)
            }
        } else {
            slots[key] = Slot(value: value, dirty: true)
            dirtyKeys.append(key)
        }
    }

    /// Deletes the record under `key`.
    @inlinable
    public func delete(_ key: Key) {
        if let i = slots.index(forKey: key) {
            slots.values[i].value = nil
            if !slots.values[i].dirty {
                slots.values[i].dirty = true
                dirtyKeys.append(key)
            }
        } else {
            slots[key] = Slot(value: nil, dirty: true)
            dirtyKeys.append(key)
        }
    }

    @inlinable
    func load(_ key: Key, _ txn: borrowing Transaction) throws -> Value? {
        if complete { return nil }
        scratch.removeAll(keepingCapacity: true)
        key.encode(into: &scratch)
        return try scratch.withUnsafeBytes { k in
            try txn.withValue(database, key: k) { v in try v.map { try Value.decode($0) } }
        }
    }

    public func flush(_ txn: borrowing Transaction) throws {
        guard !dirtyKeys.isEmpty else { return }
        var arena = KeyArena(capacity: dirtyKeys.count)
        for key in dirtyKeys { arena.add(key) }
        var writer = RecordWriter(capacity: 256)
        var last = lastKey
        for i in arena.sortedOrder() {
            guard let slot = slots[dirtyKeys[i]] else { continue }
            try arena.withKey(i) { key in
                if let value = slot.value {
                    writer.removeAll()
                    value.encode(into: &writer)
                    let appending = last.map { previous in previous.withUnsafeBytes { ViewKeys.less($0, key) } } ?? true
                    try writer.bytes.withUnsafeBytes { v in
                        try txn.put(database, key: key, value: v, flags: appending ? .append : [])
                    }
                    if appending { last = Array(key) }
                } else {
                    try txn.delete(database, key: Array(key))
                }
            }
        }
        lastKey = last
    }

    public func didCommit() {
        for key in dirtyKeys {
            if let i = slots.index(forKey: key) { slots.values[i].dirty = false }
        }
        dirtyKeys.removeAll(keepingCapacity: true)
        if slots.count > cacheLimit {
            slots.removeAll()
            complete = false
        }
    }

    public func discardChanges() {
        slots.removeAll()
        dirtyKeys.removeAll()
        complete = false
    }

    /// Records in memory (for tests and memory reports).
    public var cachedCount: Int { slots.count }
}
