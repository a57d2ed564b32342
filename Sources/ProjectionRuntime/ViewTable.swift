import EventLog
import LMDB

/// Something a projector writes that the runtime flushes into the projector's transaction.
public protocol FlushableTable: AnyObject {
    /// Writes every change since the last commit into `txn` (keys in ascending order).
    func flush(_ txn: borrowing Transaction) throws
    /// The transaction that `flush` wrote into has committed: the changes are now stored.
    func didCommit()
    /// The transaction aborted: forget every change not yet committed (and any cached value).
    func discardChanges()
    /// Takes every change since the last flush or detach out of the table, sorted and encoded, as
    /// writes that may run later on another thread while the table goes on changing (the live
    /// follower applies the next batch while the previous one commits). The changed records stay
    /// cached, clean; nil when nothing changed.
    func detachChanges() -> (any DetachedWrites)?
    /// ``detachChanges()`` in pieces of at most `size` records, handed to `ready` in key order as
    /// each is encoded, so that one thread writes the first pieces while this one encodes the rest
    /// (a rebuild's largest table). Pieces must be written in the order they were handed, and every
    /// piece of the table written before any other write into it.
    func detachChanges(inPiecesOf size: Int, _ ready: (any DetachedWrites) -> Void)
    /// Whether the cache has outgrown its limit (see ``trimCache()``).
    var isOverCacheLimit: Bool { get }
    /// How many records (or blocks) the next flush writes: a rebuild prepares the largest first.
    var pendingChanges: Int { get }
    /// Drops the cache when it has outgrown its limit. Only when every detached write of the table
    /// has committed: until then, the cache is what holds those records for the next batch.
    func trimCache()
}

extension FlushableTable {
    /// One piece: the whole of ``detachChanges()``.
    public func detachChanges(inPiecesOf size: Int, _ ready: (any DetachedWrites) -> Void) {
        if let whole = detachChanges() { ready(whole) }
    }
}

/// Writes taken out of a table by ``FlushableTable/detachChanges()``; one thread writes them, in
/// the order they were detached.
public protocol DetachedWrites: AnyObject {
    func write(_ txn: borrowing Transaction) throws
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
    // Records live in parallel arrays indexed by a slot number; the slot index maps a key to its
    // slot. Updates mutate `values[slot]` in place, so a record is never copied to be changed, and
    // the dirty list holds slot numbers, so keys are never copied to be remembered.
    //
    // A table belongs to one thread at a time and no access to it overlaps another (an `update`'s
    // body never touches its own table), so the run-time exclusivity checks — a tenth of a
    // rebuild's time — are turned off for these fields.
    public let database: Database
    @exclusivity(unchecked) @usableFromInline var index = SlotIndex()
    @exclusivity(unchecked) @usableFromInline var keys: [Key] = []
    @exclusivity(unchecked) @usableFromInline var values: [Value?] = []
    @exclusivity(unchecked) @usableFromInline var dirty: [Bool] = []
    @exclusivity(unchecked) @usableFromInline var dirtySlots: [Int] = []
    @usableFromInline var complete: Bool
    /// The greatest key stored in the database (nil when empty): keys above it are appended.
    private var lastKey: [UInt8]?
    private let cacheLimit: Int
    @exclusivity(unchecked) @usableFromInline var scratch: [UInt8] = []
    /// The next flush's writes, sorted and encoded by ``prepareFlush()`` (nil: not prepared, or
    /// the table changed since).
    @exclusivity(unchecked) @usableFromInline var staged: StagedWrites?

    /// Encodes the record at an address into a writer; false (nothing written) for a deleted one.
    public typealias RecordEncoder = (UnsafePointer<Value?>, inout RecordWriter) -> Bool
    /// ``encodeRecord(_:into:)`` specialized for `Value` in the view's module: the table's flush
    /// runs as unspecialized generic code (the runtime calls it through ``FlushableTable``), where
    /// reading `values[slot]!` copies the record through its value witness — retaining every string
    /// and array in it, and releasing them after: over a third of the samples encoding customer360's
    /// orders in a rebuild of the 10 M demo.
    private let encoder: RecordEncoder

    init(database: Database, complete: Bool, lastKey: [UInt8]?, cacheLimit: Int, encoder: @escaping RecordEncoder) {
        self.database = database
        self.complete = complete
        self.lastKey = lastKey
        self.cacheLimit = cacheLimit
        self.encoder = encoder
    }

    /// Encodes the record at `record` in place; false for a deleted one (nil).
    @inlinable
    public static func encodeRecord(_ record: UnsafePointer<Value?>, into writer: inout RecordWriter) -> Bool {
        record.pointee?.encode(into: &writer) != nil
    }

    /// The record under `key`, or nil.
    @inlinable
    public func get(_ key: Key, _ txn: borrowing Transaction) throws -> Value? {
        let hash = key.slotHash
        let found = index.find(key, hash: hash, in: keys)
        if let slot = found.slot { return values[slot] }
        let value = try load(key, txn)
        add(key, value, hash: hash, bucket: found.bucket)
        return value
    }

    /// Changes the record under `key` in place (nil: absent; set nil to delete it). `body` must not
    /// use this table.
    @inlinable @discardableResult
    public func update<R>(_ key: Key, _ txn: borrowing Transaction, _ body: (inout Value?) throws -> R) throws -> R {
        let hash = key.slotHash
        let found = index.find(key, hash: hash, in: keys)
        let slot: Int
        if let existing = found.slot {
            slot = existing
        } else {
            slot = add(key, try load(key, txn), hash: hash, bucket: found.bucket)
        }
        let result = try body(&values[slot])
        markDirty(slot)
        return result
    }

    /// Stores `value` under `key` without reading what was there.
    @inlinable
    public func put(_ key: Key, _ value: Value) {
        let hash = key.slotHash
        let found = index.find(key, hash: hash, in: keys)
        if let slot = found.slot {
            values[slot] = value
            markDirty(slot)
        } else {
            markDirty(add(key, value, hash: hash, bucket: found.bucket))
        }
    }

    /// Deletes the record under `key`.
    @inlinable
    public func delete(_ key: Key) {
        let hash = key.slotHash
        let found = index.find(key, hash: hash, in: keys)
        if let slot = found.slot {
            values[slot] = nil
            markDirty(slot)
        } else {
            markDirty(add(key, nil, hash: hash, bucket: found.bucket))
        }
    }

    /// Adds a record for a key that ``SlotIndex/find(_:hash:in:)`` did not find at `bucket`.
    @inlinable @discardableResult
    func add(_ key: Key, _ value: Value?, hash: UInt64, bucket: Int) -> Int {
        let slot = keys.count
        index.insert(hash: hash, slot: slot, at: bucket)
        keys.append(key)
        values.append(value)
        dirty.append(false)
        return slot
    }

    @inlinable
    func markDirty(_ slot: Int) {
        if staged != nil { staged = nil }
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

    /// Sorts and encodes the next flush's writes (kept in `staged` until the table changes).
    func prepareFlush() {
        guard staged == nil, !dirtySlots.isEmpty else { return }
        let (arena, order) = sortedDirtyKeys()
        staged = encode(order[...], keys: arena)
    }

    /// The dirty keys, encoded, and their ascending order (indices into `dirtySlots` and the arena).
    private func sortedDirtyKeys() -> (KeyArena, [Int]) {
        var arena = KeyArena(capacity: dirtySlots.count)
        for slot in dirtySlots { arena.add(keys[slot]) }
        return (arena, arena.sortedOrder())
    }

    /// The writes of the dirty records at `order`'s indices, in that order.
    private func encode(_ order: ArraySlice<Int>, keys arena: KeyArena) -> StagedWrites {
        var writer = RecordWriter(capacity: order.count * 32)
        var ends: [Int] = []
        ends.reserveCapacity(order.count)
        values.withUnsafeBufferPointer { records in
            let first = records.baseAddress!  // not empty: every dirty slot is a record's
            for i in order {
                if encoder(first + dirtySlots[i], &writer) {
                    ends.append(writer.bytes.count)
                } else {
                    ends.append(-1)  // deleted
                }
            }
        }
        return StagedWrites(keys: arena, order: order, values: writer.bytes, ends: ends)
    }

    public func flush(_ txn: borrowing Transaction) throws {
        // As in `BlockList.flush`: clean from here on; a failed transaction is followed by `discardChanges`.
        try detachChanges()?.write(txn)
    }

    public func didCommit() {
        staged = nil
        markClean()
        trimCache()
    }

    private func markClean() {
        if dirtySlots.count == dirty.count {
            dirty.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
        } else {
            for slot in dirtySlots { dirty[slot] = false }
        }
        dirtySlots.removeAll(keepingCapacity: true)
    }

    public var isOverCacheLimit: Bool { keys.count > cacheLimit }

    public var pendingChanges: Int { dirtySlots.count }

    public func trimCache() {
        if keys.count > cacheLimit {
            forgetAll()
            complete = false
        }
    }

    public func detachChanges() -> (any DetachedWrites)? {
        guard !dirtySlots.isEmpty else { return nil }
        prepareFlush()
        guard let writes = staged else { return nil }
        staged = nil
        markClean()
        return DetachedTableWrites(table: self, writes: writes)
    }

    public func detachChanges(inPiecesOf size: Int, _ ready: (any DetachedWrites) -> Void) {
        guard staged == nil, !dirtySlots.isEmpty else {
            if let whole = detachChanges() { ready(whole) }
            return
        }
        let (arena, order) = sortedDirtyKeys()
        var start = 0
        while start < order.count {
            let end = min(start + max(1, size), order.count)
            ready(DetachedTableWrites(table: self, writes: encode(order[start..<end], keys: arena)))
            start = end
        }
        markClean()
    }

    /// A detached batch of this table's writes.
    final class DetachedTableWrites: DetachedWrites {
        let table: ViewTable
        let writes: StagedWrites

        init(table: ViewTable, writes: StagedWrites) {
            self.table = table
            self.writes = writes
        }

        // `lastKey` is the one field of the table the writing thread touches; the applying thread
        // leaves it alone while detached writes are pending (it flushes only when none are).
        func write(_ txn: borrowing Transaction) throws {
            table.lastKey = try writes.write(table.database, txn, after: table.lastKey)
        }
    }

    public func discardChanges() {
        forgetAll()
        complete = false
    }

    private func forgetAll() {
        // Freeing a cache of hundreds of thousands of records (millions after a rebuild) takes the
        // follower tens to hundreds of milliseconds, a stall every view would lag by: the storage is
        // handed to another thread to free.
        let old = (index, keys, values)
        staged = nil
        index = SlotIndex()
        keys = []
        values = []
        dirty = []
        dirtySlots = []
        releaseInBackground(old)
    }

    /// Records in memory (for tests and memory reports).
    public var cachedCount: Int { keys.count }
}

/// Writes sorted and encoded ahead of their transaction (``ViewTable/detachChanges()``): keys,
/// their ascending order, and per key in that order the end of its value in `values` (-1: delete).
@usableFromInline
struct StagedWrites {
    let keys: KeyArena
    /// A slice of one sorted order, which the pieces of a table share (its indices need not start at 0).
    let order: ArraySlice<Int>
    let values: [UInt8]
    let ends: [Int]

    /// Puts every value (appending while keys are above `lastKey`, the greatest stored key) and
    /// deletes the deleted keys; returns the greatest stored key after.
    func write(_ database: Database, _ txn: borrowing Transaction, after lastKey: [UInt8]?) throws -> [UInt8]? {
        var append = AppendOrder(after: lastKey)
        var start = 0
        try values.withUnsafeBytes { all in
            for (n, i) in order.enumerated() {
                try keys.withKey(i) { key in
                    guard ends[n] >= 0 else {
                        try txn.delete(database, key: Array(key))
                        return
                    }
                    let value = UnsafeRawBufferPointer(rebasing: all[start..<ends[n]])
                    start = ends[n]
                    let flags: PutFlags = append.mayAppend(i, key, in: keys) ? .append : []
                    try txn.put(database, key: key, value: value, flags: flags)
                }
            }
        }
        return append.greatest(in: keys)
    }
}

/// Frees `storage` (a cache's arrays and dictionaries, which the caller no longer holds anywhere but
/// in the local it passes) on a background thread, at idle priority, instead of the caller's.
func releaseInBackground<T>(_ storage: consuming T) {
    let box = UncheckedBox(storage)
    NamedThread.inBackground { withExtendedLifetime(box) {} }
}
