import LMDB
import Locking

/// A command appended in the batch being built or in the one in flight, with where its events landed
/// (a repeat of it is answered from here: its records may not be encoded, let alone stored, yet).
struct RecentCommand {
    var record: CommandRecord
    var events: [AppendedEvent]
}

/// A key's head: how many events carry it and the position of the last one.
struct KeyHead: Sendable, Hashable {
    var count: UInt64
    var lastPosition: UInt64
}

/// The writer's in-memory state: last position and hash, key heads, command ids, index progress.
///
/// Touched only by the writer thread once the log is open. Built from the store at open and rebuilt
/// the same way after a failed commit, so it never disagrees with what is on disk.
///
/// Being confined to one thread, its hot fields skip the run-time exclusivity checks (a few per
/// cent of the writer's time when every event reads and updates several of them).
final class WriterState {
    @exclusivity(unchecked) var lastPosition: UInt64 = 0
    @exclusivity(unchecked) var lastAt: Int64 = 0
    @exclusivity(unchecked) var lastHash: [UInt8] = ChainHash.zero.bytes
    /// The record format this store is written in: 2 on layout 3, 1 on older layouts.
    var recordFormat = EventRecord.format1
    @exclusivity(unchecked) var heads: [KeyHead] = []
    /// A sum of the heads a request will update, read ahead of its encoding to bring them into the cache.
    @exclusivity(unchecked) var touchedHeads: UInt64 = 0
    /// Names → key ids, looked up for every event without a lock; readers share it through the
    /// registry (see ``KeyTable``). It adds each new key's name to the log's ``KeyNames``.
    let keyIds: KeyTable
    /// `keyIds` for the writer's look-ups, which reach it without a retain (the state holds it).
    let unretainedKeyIds: Unmanaged<KeyTable>
    @exclusivity(unchecked) var nextKeyId: UInt32 = 0
    @exclusivity(unchecked) var nextCommandSeq: UInt64 = 1
    /// Hash of a command id → its sequence in `commands` (collisions go to `commandOverflow`).
    @exclusivity(unchecked) var commandIndex = CommandIndex()
    @exclusivity(unchecked) var commandOverflow: [String: UInt64] = [:]
    /// Command records of the batch being built and of the batches still in flight, which the store
    /// may not hold yet: `recentCommands[i]` has sequence `recentBase + i` (sequences are consecutive).
    @exclusivity(unchecked) var recentCommands: [RecentCommand] = []
    @exclusivity(unchecked) var recentBase: UInt64 = 1
    /// Highest run fully in `keyRuns`, or -1.
    var flushedRun: Int64 = -1
    /// The sealed run being flushed, its entries grouped by key, and how many keys are done.
    var flushing: (run: UInt32, groups: KeyGroups, done: Int)?
    /// The next sealed run's entries being grouped by key on another thread, before its flush
    /// starts (grouping a run of millions of entries on the writer's thread stalled every command).
    var grouping: RunGrouping?

    init(names: KeyNames) {
        keyIds = KeyTable(names: names)
        unretainedKeyIds = Unmanaged.passUnretained(keyIds)
    }

    /// Loads everything from the store: registry, heads, command ids, the unflushed tail of the index.
    /// Also brings `names` to exactly the ids the store holds (after a failed batch, it may hold more).
    static func load(env: Environment, dbs: LogDatabases, registry: KeyRegistry, names: KeyNames) throws -> WriterState {
        let s = WriterState(names: names)
        var registryState = KeyRegistry.State()
        try env.read { txn in
            if let v = try txn.get(dbs.meta, key: Array(LogMeta.layoutVersion.utf8)), v.count == 1, v[0] >= 3 {
                s.recordFormat = EventRecord.format2
            }
            // Only runs recorded as flushed to `keyRuns` count (none on a layout-1 store).
            if dbs.keyRuns != nil, let v = try txn.get(dbs.meta, key: Array(LogMeta.keyRunsFlushed.utf8)), v.count == 4 {
                s.flushedRun = Int64(v.withUnsafeBytes { Bytes.readBigEndianUInt32($0) })
            }
            try txn.withCursor(dbs.keys) { c in
                var e = try c.first()
                while let entry = e {
                    let id = Bytes.readBigEndianUInt32(entry.key)
                    guard entry.value.count >= 1, let kind = KeyKind(rawValue: entry.value[0]) else {
                        throw EventLogError.corrupt(position: 0, "bad entry in keys for id \(id)")
                    }
                    // Ids are handed out densely: a gap means an entry was removed from `keys`.
                    guard id == s.nextKeyId else {
                        throw EventLogError.corrupt(position: 0, "the keys database has no entry for key id \(s.nextKeyId)")
                    }
                    // (The table adds the name to `names`, unless it holds the id already.)
                    s.keyIds.insert(kind, String(decoding: entry.value[1...], as: UTF8.self), id: id)
                    s.nextKeyId = max(s.nextKeyId, id + 1)
                    e = try c.next()
                }
            }
            names.truncate(to: Int(s.nextKeyId))
            s.heads = Array(repeating: KeyHead(count: 0, lastPosition: 0), count: Int(s.nextKeyId))
            try txn.withCursor(dbs.heads) { c in
                var e = try c.first()
                while let entry = e {
                    let id = Int(Bytes.readBigEndianUInt32(entry.key))
                    if id < s.heads.count, entry.value.count == 16 {
                        s.heads[id] = KeyHead(
                            count: Bytes.readBigEndianUInt64(entry.value),
                            lastPosition: Bytes.readBigEndianUInt64(entry.value, at: 8))
                    }
                    e = try c.next()
                }
            }
            try txn.withCursor(dbs.commands) { c in
                var e = try c.first()
                while let entry = e {
                    let seq = Bytes.readBigEndianUInt64(entry.key)
                    let record = try CommandRecord(decoding: entry.value)
                    s.remember(commandId: record.commandId, seq: seq)
                    s.nextCommandSeq = seq + 1
                    e = try c.next()
                }
                s.recentBase = s.nextCommandSeq
            }
            try txn.withCursor(dbs.events) { c in
                guard let last = try c.last() else { return }
                s.lastPosition = Bytes.readBigEndianUInt64(last.key)
                let value = last.value
                guard value.count > EventRecord.hashLength else {
                    throw EventLogError.corrupt(position: s.lastPosition, "record too short")
                }
                s.lastHash = Array(value[(value.count - EventRecord.hashLength)...])
                s.lastAt = try EventRecord.decodeAt(value)
            }
            // The index tail: every run after the last fully flushed one is rebuilt from the events.
            let firstUnflushed = registry.runs.firstPosition(UInt32(s.flushedRun + 1))
            guard s.lastPosition >= firstUnflushed else { return }
            try txn.withCursor(dbs.events) { c in
                var e = try Bytes.key(firstUnflushed).withUnsafeBytes { try c.seek(atLeast: $0) }
                var seen: [UInt32] = []
                while let entry = e {
                    let position = Bytes.readBigEndianUInt64(entry.key)
                    let run = registry.runs.of(position)
                    seen.removeAll(keepingCapacity: true)
                    try EventRecord.decodeKeys(entry.value, names: names) { stream, type, tags in
                        func note(_ kind: KeyKind, _ name: String) {
                            guard let id = s.keyIds.id(kind, name),
                                  !seen.contains(id)  // the same tag twice on one event is one entry
                            else { return }
                            seen.append(id)
                            registryState.memtables[run, default: Memtable(reservingFor: registry.runs)].add(keyId: id, position: position)
                            // `heads` holds counts as of the last flush, which may reach into this run.
                            if s.heads[Int(id)].lastPosition < position {
                                s.heads[Int(id)].count += 1
                                s.heads[Int(id)].lastPosition = position
                            }
                        }
                        note(.stream, stream)
                        note(.type, type)
                        for t in tags { note(.tag, t) }
                    }
                    e = try c.next()
                }
            }
        }
        registryState.ids = s.keyIds
        registry.state.withLock { $0 = registryState }
        return s
    }

    /// The record of a command of the batch being built or of one in flight.
    func recentCommand(_ seq: UInt64) -> RecentCommand? {
        guard seq >= recentBase, seq - recentBase < UInt64(recentCommands.count) else { return nil }
        return recentCommands[Int(seq - recentBase)]
    }

    /// Forgets the records of commands before `seq`, whose batches are in the store.
    func forgetRecentCommands(before seq: UInt64) {
        guard seq > recentBase else { return }
        let n = Int(min(seq - recentBase, UInt64(recentCommands.count)))
        recentCommands.removeFirst(n)
        recentBase += UInt64(n)
    }

    func remember(commandId: String, hash: Int? = nil, seq: UInt64) {
        if !commandIndex.insert(hash: hash ?? commandId.hashValue, sequence: seq) {
            commandOverflow[commandId] = seq
        }
    }

    func head(_ id: UInt32) -> KeyHead { heads[Int(id)] }
}

/// A sealed run's memtable grouped by key on a background thread (the run no longer changes), at
/// idle priority: the flush of the run waits for it, and the writer does not.
final class RunGrouping: Sendable {
    let run: UInt32
    private let result = Lock<KeyGroups?>(nil)

    init(run: UInt32, table: Memtable) {
        self.run = run
        NamedThread.inBackground { [self] in
            let groups = table.groupedByKey()
            result.withLock { $0 = groups }
        }
    }

    /// The groups, once ready.
    var groups: KeyGroups? { result.withLock { $0 } }
}
