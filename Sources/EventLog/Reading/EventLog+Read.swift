import LMDB

extension EventLog {
    /// The event at `position`, or nil.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        try env.read { txn in try self.event(at: position, txn) }
    }

    func event(at position: UInt64, _ txn: borrowing Transaction) throws -> RecordedEvent? {
        try txn.withValue(dbs.events, key: Bytes.key(position)) { v in
            guard let v else { return nil }
            return try recorded(position, v)
        }
    }

    func recorded(_ position: UInt64, _ value: UnsafeRawBufferPointer) throws -> RecordedEvent {
        do {
            let (envelope, data, hash) = try EventRecord.decode(position: position, value, names: names)
            return RecordedEvent(envelope: envelope, data: Array(data), hash: ChainHash(bytes: Array(hash)))
        } catch {
            throw EventLogError.corrupt(position: position, String(describing: error))
        }
    }

    /// The stream's last version (0 when it does not exist).
    public func streamVersion(_ stream: String) throws -> UInt64 {
        try env.read { txn in
            let snapshot = try Snapshot(self, txn)
            return UInt64(try positions(.stream, stream, from: 1, through: snapshot.end, snapshot, txn).count)
        }
    }

    /// Reads the whole log from `position` (inclusive; default the start, or the end when
    /// `backwards`), at most `limit` events matching `filter`.
    public func read(from position: UInt64? = nil, limit: Int, backwards: Bool = false, filter: EventFilter = .all)
        throws -> ReadPage
    {
        let limit = max(1, limit)
        return try env.read { txn in
            let snapshot = try Snapshot(self, txn)
            guard snapshot.end > 0 else { return ReadPage(events: [], next: nil) }
            if filter.isAll {
                return try readAll(from: position, limit: limit, backwards: backwards, snapshot, txn)
            }
            var events: [RecordedEvent] = []
            var cursor = position ?? (backwards ? snapshot.end : 1)
            if !backwards && cursor == 0 { cursor = 1 }
            while events.count < limit {
                if backwards ? cursor < 1 : cursor > snapshot.end { break }
                let window = limit - events.count
                let candidates = try candidatePositions(filter, from: cursor, window: window, backwards: backwards, snapshot, txn)
                if candidates.isEmpty {
                    cursor = backwards ? 0 : snapshot.end + 1
                    break
                }
                for p in candidates {
                    guard let e = try event(at: p, txn) else { continue }
                    if filter.matches(e.envelope) { events.append(e) }
                    cursor = backwards ? p - 1 : p + 1
                    if events.count == limit { break }
                }
            }
            let more = backwards ? cursor >= 1 : cursor <= snapshot.end
            return ReadPage(events: events, next: more && events.count == limit ? cursor : nil)
        }
    }

    private func readAll(from position: UInt64?, limit: Int, backwards: Bool, _ snapshot: Snapshot,
                         _ txn: borrowing Transaction) throws -> ReadPage {
        var events: [RecordedEvent] = []
        events.reserveCapacity(min(limit, 1024))
        let start = position ?? (backwards ? snapshot.end : 1)
        return try txn.withCursor(dbs.events) { c in
            var entry = try c.seek(atLeast: Bytes.key(backwards ? min(start, snapshot.end) : max(start, 1)))
            if backwards, let e = entry, Bytes.readBigEndianUInt64(e.key) > start { entry = try c.previous() }
            if backwards, entry == nil { entry = try c.last() }
            var last: UInt64 = 0
            while let e = entry, events.count < limit {
                let p = Bytes.readBigEndianUInt64(e.key)
                if backwards ? p > start : p < start { break }
                events.append(try recorded(p, e.value))
                last = p
                entry = backwards ? try c.previous() : try c.next()
            }
            guard !events.isEmpty else { return ReadPage(events: [], next: nil) }
            let next: UInt64? = backwards ? (last > 1 ? last - 1 : nil) : (last < snapshot.end ? last + 1 : nil)
            return ReadPage(events: events, next: next)
        }
    }

    /// Reads one stream from `version` (1-based, inclusive; default its start, or its end when
    /// `backwards`). `next` is a stream version.
    public func readStream(_ stream: String, from version: UInt64? = nil, limit: Int, backwards: Bool = false,
                           filter: EventFilter = .all) throws -> ReadPage {
        let limit = max(1, limit)
        return try env.read { txn in
            let snapshot = try Snapshot(self, txn)
            let all = try positions(.stream, stream, from: 1, through: snapshot.end, snapshot, txn)
            guard !all.isEmpty else { return ReadPage(events: [], next: nil) }
            let count = UInt64(all.count)
            var v = version ?? (backwards ? count : 1)
            if !backwards && v == 0 { v = 1 }
            // Backwards from past the end starts at the last version (as a read by position does).
            if backwards && v > count { v = count }
            var events: [RecordedEvent] = []
            while events.count < limit, v >= 1, v <= count {
                if let e = try event(at: all[Int(v - 1)], txn), filter.matches(e.envelope) { events.append(e) }
                v = backwards ? v - 1 : v + 1
            }
            let more = v >= 1 && v <= count
            return ReadPage(events: events, next: more ? v : nil)
        }
    }

    /// Calls `body` for each event from `position` through `through` (inclusive) in order, with the
    /// envelope and the payload bytes (valid during the call). Stops when `body` returns false.
    /// - Returns: the last position passed to `body` (0 when none).
    @discardableResult
    public func scan(from position: UInt64 = 1, through: UInt64? = nil,
                     _ body: (EventEnvelope, UnsafeRawBufferPointer) throws -> Bool) throws -> UInt64 {
        try scanRecords(from: position, through: through) { p, value in
            let decoded = try decodeRecord(p, value)
            return try body(decoded.envelope, decoded.data)
        }
    }

    func decodeRecord(_ position: UInt64, _ value: UnsafeRawBufferPointer) throws
        -> (envelope: EventEnvelope, data: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer)
    {
        do {
            return try EventRecord.decode(position: position, value, names: names)
        } catch {
            throw EventLogError.corrupt(position: position, String(describing: error))
        }
    }

    /// Like ``scan(from:through:_:)``, also handing out each event's chain hash.
    @discardableResult
    public func scanWithHashes(from position: UInt64 = 1, through: UInt64? = nil,
                               _ body: (EventEnvelope, UnsafeRawBufferPointer, ChainHash) throws -> Bool) throws -> UInt64 {
        try scanRecords(from: position, through: through) { p, value in
            let decoded = try decodeRecord(p, value)
            return try body(decoded.envelope, decoded.data, ChainHash(bytes: Array(decoded.hash)))
        }
    }

    /// Like ``scan(from:through:_:)`` but hands out the raw stored records (key position, value bytes).
    @discardableResult
    public func scanRecords(from position: UInt64 = 1, through: UInt64? = nil,
                            _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws -> UInt64 {
        try env.read { txn in
            try txn.withCursor(dbs.events) { c in
                var entry = try c.seek(atLeast: Bytes.key(max(position, 1)))
                var last: UInt64 = 0
                while let e = entry {
                    let p = Bytes.readBigEndianUInt64(e.key)
                    if let through, p > through { break }
                    last = p
                    guard try body(p, e.value) else { break }
                    entry = try c.next()
                }
                return last
            }
        }
    }
}

/// What a read transaction sees: the last position and how far the key index is flushed.
struct Snapshot {
    let end: UInt64
    let flushedRun: Int64

    init(_ log: EventLog, _ txn: borrowing Transaction) throws {
        end = try txn.withCursor(log.dbs.events) { c in try c.last().map { Bytes.readBigEndianUInt64($0.key) } } ?? 0
        // Only runs recorded as flushed to `keyRuns` count (none on a layout-1 store).
        flushedRun = log.dbs.keyRuns == nil ? -1 : try txn.withValue(log.dbs.meta, key: Array(LogMeta.keyRunsFlushed.utf8)) { v in
            guard let v, v.count == 4 else { return -1 }
            return Int64(Bytes.readBigEndianUInt32(v))
        }
    }
}

extension EventLog {
    /// The first position whose event time is ≥ `milliseconds` (times never decrease along positions,
    /// so this is a binary search), or nil when every event is earlier.
    public func firstPosition(atOrAfter milliseconds: Int64) throws -> UInt64? {
        try env.read { txn in
            let snapshot = try Snapshot(self, txn)
            var lo: UInt64 = 1
            var hi = snapshot.end
            guard hi >= 1 else { return nil }
            guard try time(at: hi, txn) >= milliseconds else { return nil }
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if try time(at: mid, txn) >= milliseconds { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }

    private func time(at position: UInt64, _ txn: borrowing Transaction) throws -> Int64 {
        try txn.withValue(dbs.events, key: Bytes.key(position)) { v in
            guard let v else { throw EventLogError.corrupt(position: position, "missing event") }
            return try EventRecord.decodeAt(v)
        }
    }
}
