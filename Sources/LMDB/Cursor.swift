internal import CLMDB
import Glibc

/// A position in a database, lent to a closure by ``Transaction/withCursor(_:_:)``.
///
/// Positioning methods return the entry there as raw buffers into the memory map, valid until the
/// transaction ends; nil past either end.
public struct Cursor: ~Copyable {
    public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    let cursor: OpaquePointer
    let database: Database
    /// The page ``next()`` last returned an entry from.
    private var page: UInt = 0
    /// LMDB's page size is the operating system's, fixed when an environment is created.
    private static let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))

    init(cursor: OpaquePointer, database: Database) {
        self.cursor = cursor
        self.database = database
    }

    private func op(_ operation: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws -> Entry? {
        var k = MDB_val()
        if let key { k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress)) }
        var v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, operation)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get \(database.name)")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    public func first() throws -> Entry? { try op(MDB_FIRST) }
    public func last() throws -> Entry? { try op(MDB_LAST) }

    /// The next entry. When it is the first one met on its page, the whole page is asked for
    /// ahead (a prefetch hint per cache line): a forward walk then finds the page's next entries
    /// on their way instead of waiting for each one's first cache line in turn — in-place scans
    /// of the log went from ~4.2 M to ~7.5 M events/s. Only a hint: nothing is read or changed.
    public mutating func next() throws -> Entry? {
        guard let e = try op(MDB_NEXT) else { return nil }
        if let address = e.key.baseAddress {
            let start = UInt(bitPattern: address) & ~(Self.pageSize - 1)
            if start != page {
                page = start
                var line = start
                while line < start + Self.pageSize {
                    clmdb_prefetch(UnsafeRawPointer(bitPattern: line))
                    line += 64
                }
            }
        }
        return e
    }

    public func previous() throws -> Entry? { try op(MDB_PREV) }
    public func current() throws -> Entry? { try op(MDB_GET_CURRENT) }

    /// The next value of the current key (dup-sorted databases); nil after its last value.
    public func nextDuplicate() throws -> Entry? { try op(MDB_NEXT_DUP) }
    /// The previous value of the current key (dup-sorted databases).
    public func previousDuplicate() throws -> Entry? { try op(MDB_PREV_DUP) }
    /// The last value of the current key (dup-sorted databases).
    public func lastDuplicate() throws -> Entry? { try op(MDB_LAST_DUP) }

    /// Positions at `key` exactly and its first value ≥ `value` (dup-sorted databases).
    public func seek(key: UnsafeRawBufferPointer, valueAtLeast value: UnsafeRawBufferPointer) throws -> Entry? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_cursor_get(cursor, &k, &v, MDB_GET_BOTH_RANGE)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get \(database.name)")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// How many values the current key has (dup-sorted databases).
    public func duplicateCount() throws -> Int {
        var n: Int = 0
        try check(mdb_cursor_count(cursor, &n), "mdb_cursor_count \(database.name)")
        return n
    }

    /// Positions at `key` exactly (its first value), nil when absent.
    public func seek(exactly key: UnsafeRawBufferPointer) throws -> Entry? { try op(MDB_SET_KEY, key: key) }

    /// The first entry whose key is ≥ `key`.
    public func seek(atLeast key: UnsafeRawBufferPointer) throws -> Entry? {
        try op(MDB_SET_RANGE, key: key)
    }

    public func seek(atLeast key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { k in try seek(atLeast: k) }
    }

    /// The last entry whose key is ≤ `key`.
    public func seek(atMost key: [UInt8]) throws -> Entry? {
        if let e = try seek(atLeast: key) {
            if e.key.elementsEqual(key) { return e }
            return try previous()
        }
        return try last()
    }

    /// Stores `value` under `key` through the cursor (appending when `flags` has `.append`).
    public func put(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(cursor, &k, &v, flags.rawValue), "mdb_cursor_put \(database.name)")
    }

    /// Deletes the entry at the cursor.
    public func deleteCurrent() throws {
        try check(mdb_cursor_del(cursor, 0), "mdb_cursor_del \(database.name)")
    }
}
