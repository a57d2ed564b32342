internal import CLMDB
import Glibc

/// An LMDB environment: one directory holding a memory-mapped B+tree file with named databases.
///
/// Read transactions run concurrently with the single writer (MVCC). Transactions are closures whose
/// handle cannot escape:
///
/// ```swift
/// let env = try Environment(path: dir, options: .init(maxDatabases: 8))
/// let events = try env.openDatabase("events")
/// try env.write { txn in try txn.put(events, key: key, value: value) }
/// let value = try env.read { txn in try txn.get(events, key: key) }
/// ```
///
/// The map grows by itself: ``write(_:)`` grows it and runs the body again when LMDB reports
/// `MDB_MAP_FULL`, so that code never reaches callers.
public final class Environment: @unchecked Sendable {  // MDB_env is thread-safe with MDB_NOTLS; resizes are serialised by `resizeLock`
    public struct Options: Sendable {
        public var mapSize: Int
        public var maxDatabases: Int
        public var maxReaders: Int
        /// Skip fsync on commit. Only for scratch environments that are rebuilt from the log.
        public var noSync: Bool
        public var readOnly: Bool
        /// Grow the map when less than this fraction of it is free before a write.
        public var growThreshold: Double

        public init(
            mapSize: Int = 1 << 30, maxDatabases: Int = 32, maxReaders: Int = 1022, noSync: Bool = false,
            readOnly: Bool = false, growThreshold: Double = 0.25
        ) {
            self.mapSize = mapSize
            self.maxDatabases = maxDatabases
            self.maxReaders = maxReaders
            self.noSync = noSync
            self.readOnly = readOnly
            self.growThreshold = growThreshold
        }
    }

    let env: OpaquePointer
    public let path: String
    public let options: Options
    let resizeLock = ReadersLock()
    private nonisolated(unsafe) var closed = false

    /// Opens (creating when needed) the environment in directory `path`.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        if !options.readOnly { mkdir(path, 0o755) }
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        self.env = env
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(options.maxDatabases)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, UInt32(options.maxReaders)), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if options.noSync { flags |= UInt32(MDB_NOSYNC) }
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            try check(mdb_env_open(env, path, flags, 0o644), "mdb_env_open \(path)")
        } catch {
            // The instance is fully initialised, so deinit runs after this throw: close only once.
            mdb_env_close(env)
            closed = true
            throw error
        }
        // A map larger than asked (set by another process) is adopted.
        try check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize")
    }

    deinit { close() }

    /// Closes the environment. Every transaction must have ended.
    public func close() {
        resizeLock.withExclusive {
            if !closed {
                closed = true
                mdb_env_close(env)
            }
        }
    }

    /// Opens (creating unless read-only) a named database. Handles are valid for the environment's life.
    public func openDatabase(_ name: String, flags: Database.Flags = []) throws -> Database {
        try resizeLock.withShared {
                var txn: OpaquePointer?
                let readOnly = options.readOnly
                try check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
                var dbi: MDB_dbi = 0
                let createFlag = readOnly ? 0 : UInt32(MDB_CREATE)
                let rc = mdb_dbi_open(txn, name, flags.rawValue | createFlag, &dbi)
                if rc != 0 {
                    mdb_txn_abort(txn)
                    throw LMDBError(code: rc, operation: "mdb_dbi_open \(name)")
                }
                try check(mdb_txn_commit(txn), "mdb_txn_commit")
                return Database(dbi: dbi, name: name)
        }
    }

    /// Opens a named database only when it exists (never creates it); nil when it does not.
    public func openExistingDatabase(_ name: String, flags: Database.Flags = []) throws -> Database? {
        try resizeLock.withShared {
            var txn: OpaquePointer?
            try check(mdb_txn_begin(env, nil, options.readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, name, flags.rawValue, &dbi)
            if rc == MDB_NOTFOUND {
                mdb_txn_abort(txn)
                return nil
            }
            if rc != 0 {
                mdb_txn_abort(txn)
                throw LMDBError(code: rc, operation: "mdb_dbi_open \(name)")
            }
            try check(mdb_txn_commit(txn), "mdb_txn_commit")
            return Database(dbi: dbi, name: name)
        }
    }

    /// Runs `body` in a read transaction over a consistent snapshot. A read may run inside another
    /// transaction of the same thread (the environment is opened `MDB_NOTLS`, and the resize lock is
    /// re-entrant for readers); it sees its own, possibly newer, snapshot.
    public func read<R>(_ body: (borrowing Transaction) throws -> R) throws -> R {
        try resizeLock.withShared {
            var txn: OpaquePointer?
            try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
            let t = Transaction(txn: txn!, writable: false)
            defer { mdb_txn_abort(txn) }
            return try body(t)
        }
    }

    /// Runs `body` in the write transaction and commits it (durably unless `noSync`); aborts when
    /// `body` throws. When the map is full, the map grows and `body` runs again from the start, so
    /// `body` must not have effects outside the transaction that a second run would repeat — or
    /// must undo them in `onRetry`.
    public func write<R>(onRetry: () -> Void = {}, _ body: (borrowing Transaction) throws -> R) throws -> R {
        try growIfNeeded()
        while true {
            do {
                return try resizeLock.withShared {
                    var txn: OpaquePointer?
                    try check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(write)")
                    let t = Transaction(txn: txn!, writable: true)
                    let result: R
                    do {
                        result = try body(t)
                    } catch {
                        mdb_txn_abort(txn)
                        throw error
                    }
                    try check(mdb_txn_commit(txn), "mdb_txn_commit")
                    return result
                }
            } catch let e as LMDBError where e.isMapFull {
                onRetry()
                try grow(to: currentMapSize() * 2)
            }
        }
    }

    /// The current map size in bytes.
    public func currentMapSize() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }

    /// Bytes of the map in use (last used page × page size).
    public func usedBytes() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var stat = MDB_stat()
        mdb_env_stat(env, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// Page size in bytes.
    public var pageSize: Int {
        var stat = MDB_stat()
        mdb_env_stat(env, &stat)
        return Int(stat.ms_psize)
    }

    /// Grows the map ahead of time when little of it is free, so most writes never see `MDB_MAP_FULL`.
    public func growIfNeeded() throws {
        guard !options.readOnly else { return }
        let size = currentMapSize()
        let used = usedBytes()
        if Double(size - used) < Double(size) * options.growThreshold {
            try grow(to: max(size * 2, used * 2))
        }
    }

    /// Sets the map size (waits until no transaction of this process is open).
    public func grow(to newSize: Int) throws {
        try resizeLock.withExclusive {
            let current = currentMapSize()
            if newSize > current { try check(mdb_env_set_mapsize(env, newSize), "mdb_env_set_mapsize") }
        }
    }

    /// Copies the environment to directory `path` as a consistent snapshot, compacted (free pages
    /// omitted) when `compact` is set. Runs beside readers and the writer.
    public func copy(to path: String, compact: Bool = true) throws {
        mkdir(path, 0o755)
        try check(mdb_env_copy2(env, path, compact ? UInt32(MDB_CP_COMPACT) : 0), "mdb_env_copy2 \(path)")
    }

    /// Flushes buffers to disk (needed after `noSync` writes).
    public func sync() throws {
        try check(mdb_env_sync(env, 1), "mdb_env_sync")
    }

    /// Entries and pages of a named database.
    public func stat(_ db: Database) throws -> Database.Stat {
        try read { txn in try txn.stat(db) }
    }
}
