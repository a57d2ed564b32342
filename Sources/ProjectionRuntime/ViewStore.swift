import EventLog
import Foundation
import Glibc
import LMDB
import Synchronization

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
/// writes each batch of each projection together with its checkpoint in one transaction.
///
/// Written with `MDB_NOSYNC`, because views can always be rebuilt from the log: a process that dies
/// loses nothing (its writes are in the kernel's page cache, and LMDB's commit is atomic there), but
/// an OS crash or power loss can write a commit's meta page before its data pages and leave the
/// file torn. So each process that opens a store for writing first makes a marker file durable
/// (`unsynced.<boot id>.<pid>.<serial>`), and removes its own only after ``close()`` has synced everything.
/// A marker of an earlier boot means the machine stopped with unsynced pages:
/// ``open(directory:projections:readOnly:mapSize:)`` refuses the store
/// (``ProjectionError/tornByRestart(_:)``) without reading it, and the engine builds the views
/// afresh from the log. Markers of this boot whose process is gone were left by a killed process
/// (nothing lost) and are removed.
public final class ViewStore: Sendable {
    public let directory: String
    public let env: Environment
    let databases: [String: Database]
    let meta: Database
    /// The directory, held open while the store may be written (-1 otherwise): the marker is
    /// removed through it, wherever a rebuild's swap has moved the directory since.
    private let markedDirectory: Atomic<Int32>

    /// The prefix of the markers' file names in the store's directory.
    public static let unsyncedMarkerPrefix = "unsynced."
    /// This process's marker, while it may write the store.
    private let markerName: String

    /// The marker of process `pid` in boot `boot`, for its `serial`th store opened for writing (a
    /// process may open one directory more than once).
    public static func markerName(boot: String, pid: Int32, serial: Int = 0) -> String {
        "\(unsyncedMarkerPrefix)\(boot).\(pid).\(serial)"
    }
    private static let openSerial = Atomic<Int>(0)

    /// The environment's map: a large virtual reservation (the file only grows as it is written),
    /// so a rebuild's single big transaction never meets `MDB_MAP_FULL`.
    public static let defaultMapSize = 1 << 40

    private init(
        directory: String, env: Environment, databases: [String: Database], meta: Database, markedDirectory: Int32,
        markerName: String
    ) {
        self.directory = directory
        self.env = env
        self.databases = databases
        self.meta = meta
        self.markedDirectory = Atomic(markedDirectory)
        self.markerName = markerName
    }

    deinit {
        let fd = markedDirectory.exchange(-1, ordering: .relaxed)
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Opens (creating unless `readOnly`) the environment in `directory` with every database the
    /// projections declare. Read-only, the databases that do not exist are left out.
    public static func open(
        directory: String, projections: [Projection], readOnly: Bool = false, mapSize: Int = defaultMapSize
    ) throws -> ViewStore {
        if !readOnly { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let boot = bootIdentifier()
        try checkMarkers(in: directory, boot: boot)
        let marker = markerName(
            boot: boot, pid: getpid(), serial: openSerial.wrappingAdd(1, ordering: .relaxed).newValue)
        let marked = readOnly ? -1 : try markUnsynced(directory, name: marker)
        let count = projections.reduce(1) { $0 + $1.databases.count }
        var opened: Environment?
        do {
            let env = try Environment(
                path: directory,
                options: .init(mapSize: mapSize, maxDatabases: count + 4, noSync: true, readOnly: readOnly))
            opened = env
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
            return ViewStore(
                directory: directory, env: env, databases: dbs, meta: meta, markedDirectory: marked, markerName: marker)
        } catch {
            // Nothing was written: the marker's directory handle and the environment are let go.
            if marked >= 0 { Glibc.close(marked) }
            opened?.close()
            throw error
        }
    }

    /// The boot this process runs in (Linux: `/proc/sys/kernel/random/boot_id`; elsewhere, where
    /// there is no such id, every process counts as a new boot, so an unclean stop means a rebuild).
    public static func bootIdentifier() -> String {
        let id = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let id, !id.isEmpty { return id }
        return "process-\(getpid())-\(ProcessInfo.processInfo.systemUptime)"
    }

    /// Throws ``ProjectionError/tornByRestart(_:)`` when a marker of another boot is in
    /// `directory`; removes the markers of this boot's processes that are gone.
    static func checkMarkers(in directory: String, boot: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(unsyncedMarkerPrefix) {
            // unsynced.<boot>.<pid>.<serial>
            let parts = name.dropFirst(unsyncedMarkerPrefix.count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), Int(parts[parts.count - 1]) != nil else {
                throw ProjectionError.tornByRestart(directory)  // not ours to judge: trust nothing
            }
            guard parts.dropLast(2).joined(separator: ".") == boot else { throw ProjectionError.tornByRestart(directory) }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: directory + "/" + name)
            }
        }
    }

    /// Writes the marker and makes it durable — file and directory entry — before the first
    /// unsynced write of this process can reach the disk. Returns the directory, open.
    static func markUnsynced(_ directory: String, name: String) throws -> Int32 {
        let path = directory + "/" + name
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LMDBError(code: errno, operation: "open \(path)") }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw LMDBError(code: errno, operation: "fsync \(path)") }
        let dir = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw LMDBError(code: errno, operation: "open \(directory)") }
        guard fsync(dir) == 0 else {
            let code = errno
            Glibc.close(dir)
            throw LMDBError(code: code, operation: "fsync \(directory)")
        }
        return dir
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

    /// Closes the environment; every reader must be done. A store opened for writing is synced
    /// first and its marker removed, so that the next boot opens it without a rebuild.
    public func close() {
        let fd = markedDirectory.exchange(-1, ordering: .relaxed)
        if fd >= 0 {
            if (try? env.sync()) != nil { unlinkat(fd, markerName, 0) }
            Glibc.close(fd)
        }
        env.close()
    }
}

/// Failures of the projection runtime that are not domain errors.
public enum ProjectionError: Error, Sendable, CustomStringConvertible {
    case missingDatabase(String)
    case notAViewStore(String)
    case unknownProjection(String)
    case stopped
    case logShorterThan(UInt64)
    case notEmpty(String)
    case tornByRestart(String)

    public var description: String {
        switch self {
        case .missingDatabase(let name): "the views environment has no database \(name)"
        case .notAViewStore(let dir): "\(dir) holds no views (no meta database)"
        case .unknownProjection(let name): "no projection is named \(name)"
        case .stopped: "the projection engine is stopped"
        case .logShorterThan(let p): "the log has no event at position \(p)"
        case .notEmpty(let dir): "\(dir) already holds views; replay into a new directory"
        case .tornByRestart(let dir):
            "the views in \(dir) were being written when the machine stopped (their pages may be torn); "
                + "rebuild them from the log"
        }
    }
}
