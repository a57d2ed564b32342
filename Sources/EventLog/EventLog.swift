import Foundation
import LMDB
import StringBytes

/// Chronicle's event log: an append-only sequence of events in LMDB with gap-free positions,
/// group-committed durable appends, stream/type/tag indexes, subscriptions and a hash chain.
///
/// ```swift
/// let log = try EventLog.open(directory: "data/log")
/// let result = try await log.append(AppendRequest(
///     events: [EventToAppend(stream: "lead-L-1", type: "LeadCaptured", tags: ["lead:L-1"], data: payload)],
///     actor: "E-7", commandId: "c-1", expectedVersions: ["lead-L-1": .noStream]))
/// let page = try log.read(from: 1, limit: 100)
/// ```
///
/// Many tasks may append at once: their requests share one write transaction and one fsync.
/// Readers never wait for the writer.
public final class EventLog: Sendable {
    public struct Options: Sendable {
        public var mapSize: Int
        /// Most work items in one write transaction.
        public var maxBatchItems: Int
        /// Most work items waiting for the writer; more are `overloaded`.
        public var maxQueuedItems: Int
        public var clock: any LogClock
        /// Open for reading only (another process may be writing).
        public var readOnly: Bool
        /// log2 of the positions per key-index run, used when the log is created (tests use small runs).
        public var indexRunShift: Int
        /// Open read-only for scanning commands (verify, digest, export, replay): skips loading the
        /// writer's state (key registry, command ids, the in-memory index tail), so opening costs
        /// nothing however long the log. Reads by position, scans and verify work as usual; reads
        /// that need the key index (streams, tags, types) work by scanning the events. Implies `readOnly`.
        public var scanOnly: Bool
        /// The storage layout a new log is created with (tests create older layouts with it).
        var createLayout = EventLog.currentLayout
        /// Requests the writer's stager hands its encoder at a time (tests use small chunks, so that
        /// a batch of a few requests spans several).
        var encoderChunk = 256

        public init(
            mapSize: Int = 1 << 30, maxBatchItems: Int = 2048, maxQueuedItems: Int = 200_000,
            clock: any LogClock = SystemClock(), readOnly: Bool = false, indexRunShift: Int = 20,
            scanOnly: Bool = false
        ) {
            self.scanOnly = scanOnly
            self.indexRunShift = indexRunShift
            self.mapSize = mapSize
            self.maxBatchItems = maxBatchItems
            self.maxQueuedItems = maxQueuedItems
            self.clock = clock
            self.readOnly = readOnly
        }
    }

    let env: Environment
    let dbs: LogDatabases
    let registry: KeyRegistry
    /// Key id → name, for records of format 2.
    let names: KeyNames
    let notifier: CommitNotifier
    let writer: BatchWriter?
    /// In a read-only process: the position up to which the in-memory index was loaded.
    let loadedThrough: UInt64
    public let directory: String

    private init(directory: String, env: Environment, dbs: LogDatabases, registry: KeyRegistry, names: KeyNames,
                 notifier: CommitNotifier, writer: BatchWriter?, loadedThrough: UInt64) {
        self.directory = directory
        self.names = names
        self.env = env
        self.dbs = dbs
        self.registry = registry
        self.notifier = notifier
        self.writer = writer
        self.loadedThrough = loadedThrough
    }

    /// Opens (creating when needed) the log in `directory`.
    public static func open(directory: String, options: Options = Options()) throws -> EventLog {
        // The writer reads names through pointers as the standard library lays strings out; a
        // toolchain that laid them out otherwise is refused here rather than trusted with records.
        guard String.bytesAreReadInPlaceAsExpected else {
            throw EventLogError.unavailable(
                "this build's Swift runtime lays strings out differently from what the log reads (StringBytes)")
        }
        let readOnly = options.readOnly || options.scanOnly
        let env = try Environment(
            path: directory,
            options: .init(mapSize: options.mapSize, maxDatabases: 16, readOnly: readOnly))
        let dbs = try LogDatabases(env, readOnly: readOnly)
        let (shift, layout) = try env.read { txn in
            (try txn.get(dbs.meta, key: Array(LogMeta.runShift.utf8)).flatMap { $0.count == 1 ? Int($0[0]) : nil },
             try txn.get(dbs.meta, key: Array(LogMeta.layoutVersion.utf8)).flatMap { $0.count == 1 ? Int($0[0]) : nil })
        }
        if let layout, layout > currentLayout {
            throw EventLogError.unavailable(
                "the log in \(directory) has storage layout \(layout); this version reads layouts up to \(currentLayout)")
        }
        let runShift = shift ?? min(max(options.indexRunShift, 4), 40)
        if shift == nil && !readOnly {
            try env.write { txn in
                try txn.put(dbs.meta, key: Array(LogMeta.runShift.utf8), value: [UInt8(runShift)])
                try txn.put(dbs.meta, key: Array(LogMeta.layoutVersion.utf8), value: [UInt8(options.createLayout)])
            }
        } else if let layout, layout < 2, !readOnly {
            try upgradeLayout1(env, dbs)
        }
        let registry = KeyRegistry(runs: IndexRuns(shift: UInt64(runShift)))
        let names = KeyNames(loader: { first, needed, add in try loadKeys(env, dbs, from: first, through: needed, add) })
        if options.scanOnly {
            // No registry and nothing loaded (`loadedThrough` 0): index reads scan the events.
            let last = try env.read { txn in
                try txn.withCursor(dbs.events) { c in try c.last().map { Bytes.readBigEndianUInt64($0.key) } ?? 0 }
            }
            return EventLog(
                directory: directory, env: env, dbs: dbs, registry: registry, names: names,
                notifier: CommitNotifier(committed: last), writer: nil, loadedThrough: 0)
        }
        let state = try WriterState.load(env: env, dbs: dbs, registry: registry, names: names)
        let notifier = CommitNotifier(committed: state.lastPosition)
        var writer: BatchWriter?
        if !options.readOnly {
            let w = BatchWriter(
                env: env, dbs: dbs, registry: registry, names: names, notifier: notifier, clock: options.clock, state: state,
                limits: .init(
                    maxBatchItems: options.maxBatchItems, maxQueuedItems: options.maxQueuedItems,
                    encoderChunk: options.encoderChunk))
            w.start()
            writer = w
        }
        return EventLog(
            directory: directory, env: env, dbs: dbs, registry: registry, names: names, notifier: notifier, writer: writer,
            loadedThrough: options.readOnly ? state.lastPosition : .max)
    }

    /// The storage layout this version creates (`meta` `layoutVersion`): 3, whose records are of
    /// format 2 (names as key ids). A store of layout 2 keeps layout 2 and format-1 records; a store
    /// of layout 1 is upgraded to layout 2 by its first writable open.
    static let currentLayout = 3

    /// `keys` entries from id `first` on, at least through `needed` when it exists, and at most a
    /// block of 4,096 past it (a reader meets ids in nearly increasing order).
    static func loadKeys(
        _ env: Environment, _ dbs: LogDatabases, from first: UInt32, through needed: UInt32,
        _ add: (_ id: UInt32, _ kind: UInt8, _ name: UnsafeRawBufferPointer) -> Void
    ) throws {
        try env.read { txn in
            try txn.withCursor(dbs.keys) { c in
                var e = try withUnsafeBytes(of: first.bigEndian) { try c.seek(atLeast: $0) }
                while let entry = e, entry.key.count == 4 {
                    let id = Bytes.readBigEndianUInt32(entry.key)
                    guard entry.value.count >= 1 else { break }
                    add(id, entry.value[0], UnsafeRawBufferPointer(rebasing: entry.value[1...]))
                    if id >= needed && id - needed >= 4096 { break }
                    e = try c.next()
                }
            }
        }
    }

    /// Layout 1 kept the key index in two dup-sorted databases, `typeIndex` and `keyIndex`. Layouts 2
    /// and 3 keep it in `keyRuns`, one packed entry per key and run. The upgrade deletes the old databases
    /// (no run is flushed to `keyRuns` yet): opening then rebuilds the in-memory index from the events, and the
    /// writer moves each run to `keyRuns` as it goes. `heads` stays valid (counts as of a flush are
    /// never counted twice: see ``WriterState/load(env:dbs:registry:names:)``). One transaction: a crash
    /// leaves either layout, whole.
    private static func upgradeLayout1(_ env: Environment, _ dbs: LogDatabases) throws {
        let old = try ["typeIndex", "keyIndex"].compactMap { try env.openExistingDatabase($0, flags: [.dupSort, .dupFixed]) }
        try env.write { txn in
            for db in old { try txn.deleteDatabase(db) }
            _ = try txn.delete(dbs.meta, key: Array(LogMeta.layout1FlushedRun.utf8))
            try txn.put(dbs.meta, key: Array(LogMeta.layoutVersion.utf8), value: [2])
        }
    }

    /// Finishes queued work, then closes the environment.
    public func close() {
        writer?.close()
        notifier.close()
        env.close()
    }

    /// Keeps `object` alive for as long as the writer can run payload closures
    /// (``AppendRequest/payloads``), so that a closure may use it unretained. An object every request
    /// captures (the command processor's key store) had its reference count written for every
    /// command by the deciding thread and again by the encoder thread: that cache line moving between
    /// the cores cost more than the rest of the capture. (A read-only log runs no closures.)
    public func keepAliveForPayloads(_ object: AnyObject & Sendable) {
        writer?.keepAliveForPayloads(object)
    }

    /// The last committed position (0 for an empty log).
    public var lastPosition: UInt64 {
        if writer != nil { return notifier.committed }
        return (try? env.read { txn in try txn.withCursor(dbs.events) { c in try c.last().map { Bytes.readBigEndianUInt64($0.key) } ?? 0 } }) ?? 0
    }

    /// How many work items wait for the writer.
    public var queuedWork: Int { writer?.queuedCount ?? 0 }

    /// Called on the writer thread after a batch failed and the writer reloaded its state from disk,
    /// with no batch in flight (the store holds every event the writer's state does): owners of
    /// state derived inside write closures reload theirs here.
    public func setReloadHandler(_ handler: @escaping @Sendable () -> Void) { writer?.onReload = handler }

    // MARK: Writing

    /// Runs `body` inside the single writer's next batch and returns once that batch is durable.
    ///
    /// `body` runs on the writer thread, in order with other submissions; it must be quick and must
    /// not block. What it appends through the ``LogWriter`` is committed with the batch. When the
    /// batch cannot commit (disk full), this throws ``EventLogError/unavailable(_:)`` and nothing of the
    /// batch is written — nor of the batch staged after it, whose conditions counted on it. `body`
    /// runs once: the transaction only writes what the batch staged, and is what runs again when
    /// the map had to grow.
    public func write<R: Sendable>(_ body: @escaping @Sendable (inout LogWriter) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, Error>) in
            submit(body) { continuation.resume(with: $0) }
        }
    }

    /// ``write(_:)`` without waiting: `body` is queued for the writer before this returns (so work
    /// submitted from one thread runs in the order submitted), and `answer` gets its result once the
    /// batch is durable, or the error that kept it from being written. `answer` runs on one of the
    /// writer's threads (the committer's after a commit; the stager's when the batch fails before
    /// it, or when a lone small batch is committed there), or on the caller's when the work cannot
    /// be queued: it must be quick and must not block (hand anything longer to another thread).
    public func submit<R: Sendable>(
        _ body: @escaping @Sendable (inout LogWriter) throws -> R,
        answer: @escaping @Sendable (Result<R, Error>) -> Void
    ) {
        guard let writer else {
            answer(.failure(EventLogError.invalidRequest("the log is open read-only")))
            return
        }
        let box = ResultBox<R>()
        let item = WorkItem(
            body: { w in box.result = Result { try body(&w) } },
            answer: { commitError in
                if let commitError {
                    answer(.failure(commitError))
                } else if let result = box.result {
                    answer(result)
                } else {
                    answer(.failure(EventLogError.unavailable("the batch did not run")))
                }
            })
        do {
            try writer.submit(item)
        } catch {
            answer(.failure(error))
        }
    }

    /// Appends one request (see ``LogWriter/append(_:)``) and returns once it is durable.
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        try await write { w in try w.append(request) }
    }

    /// Calls `body` with the last position after every commit of this process's writer, on the
    /// thread that committed (the writer's committer, or its stager for a lone small batch), just
    /// after the commit's appenders are answered (``lastPosition`` has moved before either): it must
    /// be quick and must not block, since the next commit — and, on the stager, the next batch's
    /// staging — waits for it (a follower wakes its thread with it). Returns a token for
    /// ``stopObservingCommits(_:)``.
    public func observeCommits(_ body: @escaping @Sendable (UInt64) -> Void) -> Int { notifier.observe(body) }

    public func stopObservingCommits(_ token: Int) { notifier.stopObserving(token) }

    /// Returns once the log has committed a position after `position` (or the task is cancelled).
    public func waitForCommit(after position: UInt64) async {
        await notifier.wait(after: position)
    }

    // MARK: Stats

    /// Pages and bytes per named database, as `mdb_stat -a` shows them.
    public func databaseStats() throws -> [(name: String, entries: Int, bytes: Int)] {
        try env.read { txn in
            try ([dbs.events, dbs.keys, dbs.heads] + [dbs.keyRuns].compactMap { $0 } + [dbs.commands, dbs.meta]).map { db in
                let s = try txn.stat(db)
                return (db.name, s.entries, s.bytes)
            }
        }
    }

    /// Size of the data file on disk.
    public func fileSize() -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: directory + "/data.mdb"))?[.size] as? Int) ?? 0
    }

    /// Writer statistics: batches committed, work items and events in them.
    public var writerStats: (batches: Int, items: Int, events: Int) { writer?.stats ?? (0, 0, 0) }

    /// A consistent, compacted copy of the log environment into `directory` (hot: the writer goes on).
    public func backup(to directory: String) throws {
        try env.copy(to: directory, compact: true)
    }
}
