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
    // Records live in parallel arrays indexed by a slot number; the dictionary maps a key to its
    // slot. Updates mutate `values[slot]` in place, so a record is never copied to be changed, and
    // the dirty list holds slot numbers, so keys are never copied to be remembered.
    //
    // A table belongs to one thread at a time and no access to it overlaps another (an `update`'s
    // body never touches its own table), so the run-time exclusivity checks — a tenth of a
    // rebuild's time — are turned off for these fields.
    public let database: Database
    @exclusivity(unchecked) @usableFromInline var index: [Key: Int] = [:]
    @exclusivity(unchecked) @usableFromInline var keys: [Key] = []
    @exclusivity(unchecked) @usableFromInline var values: [Value?] = []
    @exclusivity(unchecked) @usableFromInline var dirty: [Bool] = []
    @exclusivity(unchecked) @usableFromInline var dirtySlots: [Int] = []
    @usableFromInline var complete: Bool
    /// The greatest key stored in the database (nil when empty): keys above it are appended.
    private var lastKey: [UInt8]?
    private let cacheLimit: Int
    @exclusivity(unchecked) @usableFromInline var scratch: [UInt8] = []

    init(database: Database, complete: Bool, lastKey: [UInt8]?, cacheLimit: Int) {
        self.database = database
        self.complete = complete
        self.lastKey = lastKey
        self.cacheLimit = cacheLimit
    }

    /// The record under `key`, or nil.
    @inlinable
    public func get(_ key: Key, _ txn: borrowing Transaction) throws -> Value? {
        if let slot = index[key] { return values[slot] }
        let value = try load(key, txn)
        add(key, value)
        return value
    }

    /// Changes the record under `key` in place (nil: absent; set nil to delete it). `body` must not
    /// use this table.
    @inlinable @discardableResult
    public func update<R>(_ key: Key, _ txn: borrowing Transaction, _ body: (inout Value?) throws -> R) throws -> R {
        let slot: Int
        if let existing = index[key] {
            slot = existing
        } else {
            slot = add(key, try load(key, txn))
        }
        let result = try body(&values[slot])
        markDirty(slot)
        return result
    }

    /// Stores `value` under `key` without reading what was there.
    @inlinable
    public func put(_ key: Key, _ value: Value) {
        if let slot = index[key] {
            values[slot] = value
            markDirty(slot)
        } else {
            markDirty(add(key, value))
        }
    }

    /// Deletes the record under `key`.
    @inlinable
    public func delete(_ key: Key) {
        if let slot = index[key] {
            values[slot] = nil
            markDirty(slot)
        } else {
            markDirty(add(key, nil))
        }
    }

    @inlinable @discardableResult
    func add(_ key: Key, _ value: Value?) -> Int {
        let slot = keys.count
        index[key] = slot
        keys.append(key)
        values.append(value)
        dirty.append(false)
        return slot
    }

    @inlinable
    func markDirty(_ slot: Int) {
        if !dirty[slot] {
            dirty[slot] = true
            dirtySlots.append(slot)
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
        guard !dirtySlots.isEmpty else { return }
        var arena = KeyArena(capacity: dirtySlots.count)
        for slot in dirtySlots { arena.add(keys[slot]) }
        var writer = RecordWriter(capacity: 256)
        // Keys above the greatest stored one are appended; they come in ascending order, so only the
        // last appended one needs remembering.
        var lastAppended: Int?
        for i in arena.sortedOrder() {
            let slot = dirtySlots[i]
            try arena.withKey(i) { key in
                if values[slot] != nil {
                    writer.removeAll()
                    values[slot]!.encode(into: &writer)
                    let appending: Bool
                    if let a = lastAppended {
                        appending = arena.withKey(a) { ViewKeys.less($0, key) }
                    } else {
                        appending = lastKey.map { previous in previous.withUnsafeBytes { ViewKeys.less($0, key) } } ?? true
                    }
                    try writer.bytes.withUnsafeBytes { v in
                        try txn.put(database, key: key, value: v, flags: appending ? .append : [])
                    }
                    if appending { lastAppended = i }
                } else {
                    try txn.delete(database, key: Array(key))
                }
            }
        }
        if let a = lastAppended { lastKey = arena.withKey(a) { Array($0) } }
    }

    public func didCommit() {
        if dirtySlots.count == dirty.count {
            dirty.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
        } else {
            for slot in dirtySlots { dirty[slot] = false }
        }
        dirtySlots.removeAll(keepingCapacity: true)
        if keys.count > cacheLimit {
            forgetAll()
            complete = false
        }
    }

    public func discardChanges() {
        forgetAll()
        complete = false
    }

    private func forgetAll() {
        index = [:]
        keys = []
        values = []
        dirty = []
        dirtySlots = []
    }

    /// Records in memory (for tests and memory reports).
    public var cachedCount: Int { keys.count }
}
