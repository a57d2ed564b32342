import LMDB
import StringBytes

/// The log as one work item of a batch sees it, inside the single writer.
///
/// Conditions are checked against everything appended before: committed, in the batch still
/// committing, or by earlier work items of the same batch — so two concurrent writers can never both
/// pass a check. An `append` that
/// returns has been applied: it is committed with the batch (or the whole batch fails).
public struct LogWriter: ~Copyable {
    let state: WriterState
    let registry: KeyRegistry
    let names: KeyNames
    let env: Environment
    let dbs: LogDatabases
    var staged: UnsafeMutablePointer<StagedWrites>
    /// The commit time of this batch (ms), never earlier than the last event's.
    public let batchAt: Int64
    /// Waits on the writer thread until the batch before this one is done committing.
    let waitForBatchInFlight: () -> Void
    /// A command id this work item looked up and did not find: `append` need not look again (a
    /// processor checks before it decides, then appends; nothing else writes in between).
    var absentCommandId: String? = nil
    /// `absentCommandId`'s hash, so that recording it after the append does not hash it again.
    var absentCommandHash = 0

    /// The position of the last event appended so far (committed or earlier in this batch).
    public var lastPosition: UInt64 { state.lastPosition }
    /// The time of the last event appended so far.
    public var lastAt: Int64 { state.lastAt }

    /// The stream's last version (0 when it does not exist).
    public func streamVersion(_ stream: String) -> UInt64 {
        guard let id = state.keyIds.id(.stream, stream) else { return 0 }
        return state.head(id).count
    }

    /// The position of the last event carrying `tag` (0 when none).
    public func lastPosition(ofTag tag: String) -> UInt64 {
        guard let id = state.keyIds.id(.tag, tag) else { return 0 }
        return state.head(id).lastPosition
    }

    /// Returns once the store holds every event before this batch (the batch before it, which may
    /// still be committing, is done): a work item that rebuilds state of its own by reading the store
    /// calls this first. When that batch failed, this one fails too, whatever the item does.
    public func waitUntilStoreHoldsEverythingBefore() {
        waitForBatchInFlight()
    }

    /// Registers work to run once every work item of this batch has run and before the batch commits
    /// (for example making keys durable that the batch's events need). If it throws, the whole batch
    /// fails with ``EventLogError/unavailable(_:)`` and nothing is written.
    public func beforeCommit(_ hook: @escaping () throws -> Void) {
        staged.pointee.beforeCommit.append(hook)
    }

    /// The original result of a command id, when it was seen before.
    public mutating func previousResult(commandId: String, hash knownHash: Int? = nil) throws -> (result: AppendResult, fingerprint: UInt64)? {
        if absentCommandId == commandId { return nil }
        assert(knownHash == nil || knownHash == commandId.hashValue, "a command id's hash is not the log's")
        let hash = knownHash ?? commandId.hashValue
        guard let found = try findCommand(commandId, hash: hash) else {
            absentCommandId = commandId
            absentCommandHash = hash
            return nil
        }
        let record = found.record
        let events = try found.events ?? storedEvents(of: record)
        return (AppendResult(position: record.resultPosition, events: events, duplicate: true, at: record.at), record.fingerprint)
    }

    /// The hash the log files `commandId` under, for ``prefetchCommand(hash:)`` and
    /// ``previousResult(commandId:hash:)``: any thread may compute it ahead (it is the same in the
    /// whole process, and only in it).
    public static func commandHash(_ commandId: String) -> Int { commandId.hashValue }

    /// Starts loading where a command id of this hash is looked up, so that the look-up a few
    /// commands later finds it in the cache. Only a hint: nothing is read or changed.
    public func prefetchCommand(hash: Int) {
        state.commandIndex.prefetch(hash: hash)
    }

    /// Appends the request's events atomically, after checking its command id and conditions.
    ///
    /// - Returns: the positions written, or the original result when the command id was seen before
    ///   with the same fingerprint (`duplicate == true`, nothing written).
    /// - Throws: ``EventLogError`` for a failed condition or a conflicting command id; nothing is
    ///   written then.
    /// The request is consumed: the writer keeps it until its records are encoded (a borrowed one
    /// was copied into the batch, a retain of each of its buffers).
    public mutating func append(_ request: consuming AppendRequest) throws -> AppendResult {
        if let id = request.commandId, let (previous, fingerprint) = try previousResult(commandId: id) {
            guard fingerprint == request.fingerprint else { throw EventLogError.commandIdConflict(commandId: id) }
            var r = previous
            r.duplicate = true
            return r
        }
        // Known absent (just looked up): its hash is known too.
        let knownHash = request.commandId != nil && absentCommandId == request.commandId ? absentCommandHash : nil
        absentCommandId = nil  // this append may record it: look it up again next time
        try validate(request)
        let at = request.at ?? batchAt
        guard at >= state.lastAt else {
            throw EventLogError.invalidTime("time \(at) is earlier than the log's last time \(state.lastAt)")
        }
        for (stream, expected) in request.expectedVersions {
            let actual = streamVersion(stream)
            switch expected {
            case .any: continue
            case .noStream, .exact(0):
                if actual != 0 { throw EventLogError.wrongExpectedVersion(stream: stream, expected: expected, actual: actual) }
            case .exact(let v):
                if actual != v { throw EventLogError.wrongExpectedVersion(stream: stream, expected: expected, actual: actual) }
            }
        }
        if let condition = request.tagCondition {
            for tag in condition.tags {
                let last = lastPosition(ofTag: tag)
                if last > condition.position {
                    throw EventLogError.tagConditionFailed(tag: tag, after: condition.position, lastPosition: last)
                }
            }
        }

        var appended: [AppendedEvent] = []
        appended.reserveCapacity(request.events.count)
        let firstPosition = state.lastPosition + 1
        // Borrowed in place: no copy (and no retain of its arrays) per event.
        request.events.withUnsafeBufferPointer { events in
            // First every key of the request, in record order (so ids are handed out in order of
            // first use), then the heads they lead to: lookups of keys that recur rarely miss the
            // cache, and in loops of their own those misses overlap instead of queueing behind each
            // event's encoding and hashing.
            var keys = staged.pointee.requestKeys
            var probes = staged.pointee.requestProbes
            staged.pointee.requestKeys = []
            staged.pointee.requestProbes = []
            keys.removeAll(keepingCapacity: true)
            probes.removeAll(keepingCapacity: true)
            // Through the pointer, so each field is read in place (`events[i].stream` copied the whole
            // event, retaining its four buffers, for every field read).
            let base = events.baseAddress
            // Every key hashed and its slot requested first, then each looked up: the slots' cache
            // misses overlap instead of each look-up waiting for its own.
            unowned(unsafe) let state = self.state
            state.unretainedKeyIds._withUnsafeGuaranteedRef { table in
                for i in events.indices {
                    let e = base.unsafelyUnwrapped + i
                    probes.append(table.probe(.stream, at: e.pointer(to: \.stream)!))
                    probes.append(table.probe(.type, at: e.pointer(to: \.type)!))
                    e.pointee.tags.withUnsafeBufferPointer { tags in
                        for t in tags.indices {
                            probes.append(table.probe(.tag, at: tags.baseAddress.unsafelyUnwrapped + t))
                        }
                    }
                }
                // A long name is compared with its entry in the key names: those loads overlap too.
                probes.withUnsafeBufferPointer { probes in
                    for p in probes { table.prefetchName(p) }
                }
            }
            probes.withUnsafeBufferPointer { probes in
                var k = 0
                for i in events.indices {
                    let e = base.unsafelyUnwrapped + i
                    keys.append(keyId(probes[k], e.pointer(to: \.stream)!))
                    keys.append(keyId(probes[k + 1], e.pointer(to: \.type)!))
                    k += 2
                    e.pointee.tags.withUnsafeBufferPointer { tags in
                        for t in tags.indices {
                            keys.append(keyId(probes[k], tags.baseAddress.unsafelyUnwrapped + t))
                            k += 1
                        }
                    }
                }
            }
            staged.pointee.requestProbes = probes
            var touched: UInt64 = 0
            state.heads.withUnsafeBufferPointer { heads in
                for k in keys { touched &+= heads[Int(k.id)].lastPosition }
            }
            state.touchedHeads = touched  // kept, so the loads are not optimised away
            let requestIndex = Int32(staged.pointee.requests.count)
            keys.withUnsafeBufferPointer { keys in
                var k = 0
                for i in events.indices {
                    let e = base.unsafelyUnwrapped + i
                    let n = 2 + e.pointee.tags.count
                    appended.append(write(e, index: i, request: requestIndex, keys: UnsafeBufferPointer(rebasing: keys[k..<(k + n)]), at: at))
                    k += n
                }
            }
            staged.pointee.requestKeys = keys
        }
        state.lastAt = at
        let result = AppendResult(
            position: state.lastPosition, events: appended, duplicate: false, at: at)
        if let id = request.commandId {
            let record = CommandRecord(
                commandId: id, fingerprint: request.fingerprint,
                firstPosition: appended.isEmpty ? 0 : firstPosition, count: UInt64(appended.count),
                resultPosition: state.lastPosition, at: at)
            let seq = state.nextCommandSeq
            state.nextCommandSeq += 1
            state.recentCommands.append(RecentCommand(record: record, events: appended))
            state.remember(commandId: id, hash: knownHash ?? id.hashValue, seq: seq)
            staged.pointee.commands.append((seq, record))
        }
        // Last: the request moves into the batch.
        if !request.events.isEmpty { staged.pointee.requests.append(request) }
        return result
    }

    // MARK: Internals

    private func validate(_ request: borrowing AppendRequest) throws {
        try request.events.withUnsafeBufferPointer { events in
            guard let base = events.baseAddress else { return }
            for i in events.indices {
                // Read in place: iterating copied each event, and reading a string's length through
                // the pointer copied the string (see ``Swift/String/withUTF8(at:_:)``).
                let e = base + i
                guard (1...512).contains(String.utf8Count(at: e.pointer(to: \.stream)!)) else {
                    throw EventLogError.invalidRequest("stream names are 1–512 bytes")
                }
                guard (1...256).contains(String.utf8Count(at: e.pointer(to: \.type)!)) else {
                    throw EventLogError.invalidRequest("event types are 1–256 bytes")
                }
                try e.pointee.tags.withUnsafeBufferPointer { tags in
                    for t in tags.indices
                    where !(1...512).contains(String.utf8Count(at: tags.baseAddress.unsafelyUnwrapped + t)) {
                        throw EventLogError.invalidRequest("tags are 1–512 bytes")
                    }
                }
            }
        }
    }

    /// Stages one event; `keys` are its stream's, type's and tags' ids, in that order. Its record is
    /// encoded and chained by the writer's encoder (see ``RecordEncoder``); here it gets its position,
    /// version and index entries.
    private mutating func write(_ e: UnsafePointer<EventToAppend>, index: Int, request: Int32,
                                keys: UnsafeBufferPointer<(id: UInt32, new: Bool)>, at: Int64) -> AppendedEvent {
        let position = state.lastPosition + 1
        let run = registry.runs.of(position)
        let streamId = keys[0].id
        let typeId = keys[1].id
        let version = state.heads[Int(streamId)].count + 1

        staged.pointee.events.append(PendingRecord(
            position: position, version: version, at: at, request: request, event: Int32(index),
            keysStart: Int32(staged.pointee.eventKeys.count)))
        staged.pointee.eventKeys.append(contentsOf: keys)

        // In-memory heads and index.
        state.lastPosition = position
        state.heads[Int(streamId)].count = version
        state.heads[Int(streamId)].lastPosition = position
        state.heads[Int(typeId)].count += 1
        state.heads[Int(typeId)].lastPosition = position
        staged.pointee.keyEntries.append((run, streamId, position))
        staged.pointee.keyEntries.append((run, typeId, position))
        for k in keys[2...] {
            let id = k.id
            // The same tag twice on one event counts once: its head already points here.
            if state.heads[Int(id)].lastPosition == position { continue }
            state.heads[Int(id)].count += 1
            state.heads[Int(id)].lastPosition = position
            staged.pointee.keyEntries.append((run, id, position))
        }
        return AppendedEvent(position: position, stream: e.pointee.stream, version: version, type: e.pointee.type)
    }

    /// The key's id, assigning the next one (and naming it for readers) on its first use.
    private mutating func keyId(_ probe: KeyTable.Probe, _ name: UnsafePointer<String>) -> (id: UInt32, new: Bool) {
        // Unretained: this writer holds its state, and the state its key table, for the whole call;
        // retaining and releasing both was four atomic operations for every key of every event
        // (the table read from an unowned state was still retained: hence the `Unmanaged`).
        unowned(unsafe) let state = self.state
        let (id, inserted) = state.unretainedKeyIds._withUnsafeGuaranteedRef { table in
            table.id(probe, at: name) {
                let id = state.nextKeyId
                state.nextKeyId += 1
                return id
            }
        }
        if inserted {
            // (The table has named the id in `names` for readers.)
            state.heads.append(KeyHead(count: 0, lastPosition: 0))
            staged.pointee.newKeys.append((id, probe.kind))
        }
        return (id, inserted)
    }

    /// The command's record, with its events when it is recent (not necessarily stored yet).
    private func findCommand(_ commandId: String, hash: Int) throws -> (record: CommandRecord, events: [AppendedEvent]?)? {
        var candidates: [UInt64] = []
        if let seq = state.commandIndex.sequence(forHash: hash) { candidates.append(seq) }
        // Hash collisions of ids only: nearly always empty, and then not worth hashing the id again.
        if !state.commandOverflow.isEmpty, let seq = state.commandOverflow[commandId] { candidates.append(seq) }
        for seq in candidates {
            if let recent = state.recentCommand(seq) {
                if recent.record.commandId == commandId { return (recent.record, recent.events) }
                continue
            }
            let record = try env.read { txn in
                try txn.withValue(dbs.commands, key: Bytes.key(seq)) { v in
                    try v.map { try CommandRecord(decoding: $0) }
                }
            }
            if let record, record.commandId == commandId { return (record, nil) }
        }
        return nil
    }

    /// The events of a command whose batch is in the store (it is not among the recent ones).
    private func storedEvents(of record: CommandRecord) throws -> [AppendedEvent] {
        guard record.count > 0 else { return [] }
        return try env.read { txn in
            try (record.firstPosition..<(record.firstPosition + record.count)).map { p in
                let e = try txn.withValue(dbs.events, key: Bytes.key(p)) { v in
                    try v.map { try EventRecord.decode(position: p, $0, names: names).envelope }
                }
                guard let e else { throw EventLogError.corrupt(position: p, "event of command \(record.commandId) missing") }
                return AppendedEvent(position: p, stream: e.stream, version: e.version, type: e.type)
            }
        }
    }
}
