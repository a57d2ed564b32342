import EventLog
import Foundation
import LMDB

/// Where a projection stands: the last position it applied (0: none), the chain hash of that event
/// (so a store that does not belong to this log — restored elsewhere, or ahead of it — is noticed),
/// and the layout version it was written with.
public struct Checkpoint: Sendable, Hashable {
    public var position: UInt64
    public var hash: [UInt8]
    public var version: Int

    public init(position: UInt64, hash: [UInt8], version: Int) {
        self.position = position
        self.hash = hash
        self.version = version
    }

    /// Whether this checkpoint was written with layout `version` for this log: the log's event at
    /// its position (which must exist) has the hash it recorded.
    public func belongs(to log: EventLog, version: Int) throws -> Bool {
        guard self.version == version else { return false }
        if position == 0 { return true }
        return try log.withRecord(at: position) { view in view.map { Array($0.hash) == hash } ?? false }
    }

    func encoded() -> [UInt8] {
        var w = RecordWriter(capacity: 48)
        w.varint(UInt64(max(version, 0)))
        w.bigEndian(position)
        w.raw(hash)
        return w.bytes
    }

    static func decode(_ b: UnsafeRawBufferPointer) -> Checkpoint? {
        var r = RecordReader(b)
        guard let version = try? r.varint(), let position = try? r.bigEndian() else { return nil }
        return Checkpoint(position: position, hash: Array(r.rest()), version: Int(version))
    }
}

/// One views environment (`<data>/views/`, or a rebuild or replay directory): the named databases of
/// every projection and a `meta` database of checkpoints.
///
/// | database | key | value |
/// |---|---|---|
/// | `meta` | `checkpoint:<projection>` | varint layout version ‖ position u64 BE ‖ 32-byte chain hash |
/// | `<projection>.<table>` | see each projection | see each projection |
///
/// Queries read it through ``read(_:)`` (a snapshot that never waits for the projector); the runtime
/// writes each batch of each projection together with its checkpoint in one transaction. Written
/// with `MDB_NOSYNC`: an OS crash may lose the last batches, but LMDB's commit is atomic, so what
/// survives is always a checkpoint with exactly the writes up to it — and the log replays the rest.
public final class ViewStore: Sendable {
    public let directory: String
    public let env: Environment
    let databases: [String: Database]
    let meta: Database

    /// The environment's map: a large virtual reservation (the file only grows as it is written),
    /// so a rebuild's single big transaction never meets `MDB_MAP_FULL`.
    public static let defaultMapSize = 1 << 40

    private init(directory: String, env: Environment, databases: [String: Database], meta: Database) {
        self.directory = directory
        self.env = env
        self.databases = databases
        self.meta = meta
    }

    /// Opens (creating unless `readOnly`) the environment in `directory` with every database the
    /// projections declare. Read-only, the databases that do not exist are left out.
    public static func open(
        directory: String, projections: [Projection], readOnly: Bool = false, mapSize: Int = defaultMapSize
    ) throws -> ViewStore {
        if !readOnly { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let count = projections.reduce(1) { $0 + $1.databases.count }
        let env = try Environment(
            path: directory,
            options: .init(mapSize: mapSize, maxDatabases: count + 4, noSync: true, readOnly: readOnly))
        var dbs: [String: Database] = [:]
        for spec in projections.flatMap(\.databases) {
            do {
                dbs[spec.name] = try env.openDatabase(spec.name, flags: spec.flags)
            } catch let e as LMDBError where readOnly && e.code == LMDBError.notFound.code {
                continue
            }
        }
        let meta: Database
        do {
            meta = try env.openDatabase("meta")
        } catch let e as LMDBError where readOnly && e.code == LMDBError.notFound.code {
            throw ProjectionError.notAViewStore(directory)
        }
        return ViewStore(directory: directory, env: env, databases: dbs, meta: meta)
    }

    /// The named database (opened when the store was).
    public func database(_ name: String) throws -> Database {
        guard let db = databases[name] else { throw ProjectionError.missingDatabase(name) }
        return db
    }

    public func hasDatabase(_ name: String) -> Bool { databases[name] != nil }

    /// Runs `body` over a consistent snapshot of every view. Never waits for the projector.
    public func read<R>(_ body: (borrowing Transaction) throws -> R) throws -> R { try env.read(body) }

    /// The projection's checkpoint in `txn`'s snapshot (nil when it was never written).
    public func checkpoint(_ projection: String, _ txn: borrowing Transaction) throws -> Checkpoint? {
        try txn.withValue(meta, key: Array("checkpoint:\(projection)".utf8)) { v in v.flatMap(Checkpoint.decode) }
    }

    /// Every projection's checkpoint, as committed now.
    public func checkpoints(_ names: [String]) throws -> [String: Checkpoint] {
        try read { txn in
            var out: [String: Checkpoint] = [:]
            for name in names { out[name] = try checkpoint(name, txn) }
            return out
        }
    }

    func writeCheckpoint(_ projection: String, _ checkpoint: Checkpoint, _ txn: borrowing Transaction) throws {
        try txn.put(meta, key: Array("checkpoint:\(projection)".utf8), value: checkpoint.encoded())
    }

    /// The greatest key stored in `db` (nil when empty).
    func lastKey(_ db: Database) throws -> [UInt8]? {
        try read { txn in try txn.withCursor(db) { c in try c.last().map { Array($0.key) } } }
    }

    /// Flushes everything written with `MDB_NOSYNC` to disk.
    public func sync() throws { try env.sync() }

    /// Closes the environment; every reader must be done.
    public func close() { env.close() }
}

/// Failures of the projection runtime that are not domain errors.
public enum ProjectionError: Error, Sendable, CustomStringConvertible {
    case missingDatabase(String)
    case notAViewStore(String)
    case unknownProjection(String)
    case stopped
    case logShorterThan(UInt64)
    case notEmpty(String)

    public var description: String {
        switch self {
        case .missingDatabase(let name): "the views environment has no database \(name)"
        case .notAViewStore(let dir): "\(dir) holds no views (no meta database)"
        case .unknownProjection(let name): "no projection is named \(name)"
        case .stopped: "the projection engine is stopped"
        case .logShorterThan(let p): "the log has no event at position \(p)"
        case .notEmpty(let dir): "\(dir) already holds views; replay into a new directory"
        }
    }
}
