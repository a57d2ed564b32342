internal import CLMDB

/// A read or write transaction. Only ever lent to a closure (`borrowing`), so it cannot escape it.
///
/// Buffers handed out by the `with…` methods point into the memory map and are valid only inside
/// their closure; the copying variants return arrays.
public struct Transaction: ~Copyable {
    let txn: OpaquePointer
    public let isWritable: Bool

    init(txn: OpaquePointer, writable: Bool) {
        self.txn = txn
        self.isWritable = writable
    }

    // MARK: Reading

    /// Calls `body` with the value stored under `key` (nil when absent), without copying it.
    public func withValue<R>(
        _ db: Database, key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return try body(nil) }
        try check(rc, "mdb_get \(db.name)")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Calls `body` with the value stored under `key` (nil when absent), without copying it.
    public func withValue<R>(_ db: Database, key: [UInt8], _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        try key.withUnsafeBytes { k in try withValue(db, key: k, body) }
    }

    /// The value stored under `key`, copied; nil when absent.
    public func get(_ db: Database, key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { k in try withValue(db, key: k) { v in v.map { Array($0) } } }
    }

    /// The value stored under a big-endian 8-byte key.
    public func get(_ db: Database, key: UInt64) throws -> [UInt8]? {
        try withUnsafeBytes(of: key.bigEndian) { k in try withValue(db, key: k) { v in v.map { Array($0) } } }
    }

    /// Calls `body` with a cursor over `db`, closed when `body` returns.
    public func withCursor<R>(_ db: Database, _ body: (inout Cursor) throws -> R) throws -> R {
        var c: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &c), "mdb_cursor_open \(db.name)")
        var cursor = Cursor(cursor: c!, database: db)
        defer { mdb_cursor_close(c) }
        return try body(&cursor)
    }

    /// Entry and page counts of `db` in this transaction's snapshot.
    public func stat(_ db: Database) throws -> Database.Stat {
        var s = MDB_stat()
        try check(mdb_stat(txn, db.dbi, &s), "mdb_stat \(db.name)")
        return Database.Stat(
            entries: s.ms_entries, depth: Int(s.ms_depth), branchPages: s.ms_branch_pages,
            leafPages: s.ms_leaf_pages, overflowPages: s.ms_overflow_pages, pageSize: Int(s.ms_psize))
    }

    // MARK: Writing

    /// Stores `value` under `key`.
    public func put(
        _ db: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []
    ) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(txn, db.dbi, &k, &v, flags.rawValue), "mdb_put \(db.name)")
    }

    public func put(_ db: Database, key: [UInt8], value: [UInt8], flags: PutFlags = []) throws {
        try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in try put(db, key: k, value: v, flags: flags) }
        }
    }

    /// Reserves `size` bytes for `key` and lets `fill` write the value in place (no extra copy).
    public func put(
        _ db: Database, key: UnsafeRawBufferPointer, reserving size: Int, flags: PutFlags = [],
        _ fill: (UnsafeMutableRawBufferPointer) -> Void
    ) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: size, mv_data: nil)
        try check(mdb_put(txn, db.dbi, &k, &v, flags.rawValue | UInt32(MDB_RESERVE)), "mdb_put \(db.name)")
        fill(UnsafeMutableRawBufferPointer(start: v.mv_data, count: size))
    }

    /// Deletes `key`; returns false when it was absent.
    @discardableResult
    public func delete(_ db: Database, key: [UInt8]) throws -> Bool {
        var rc: Int32 = 0
        key.withUnsafeBytes { kb in
            var k = MDB_val(mv_size: kb.count, mv_data: UnsafeMutableRawPointer(mutating: kb.baseAddress))
            rc = mdb_del(txn, db.dbi, &k, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del \(db.name)")
        return true
    }

    /// Deletes `db` and everything in it from the environment; its handle is closed with the commit.
    public func deleteDatabase(_ db: Database) throws {
        try check(mdb_drop(txn, db.dbi, 1), "mdb_drop \(db.name)")
    }

    /// Deletes every entry of `db` (the database itself stays).
    public func empty(_ db: Database) throws {
        try check(mdb_drop(txn, db.dbi, 0), "mdb_drop \(db.name)")
    }
}
