import LMDB

/// A stored event read in place: the envelope's fields as raw bytes pointing into the memory map,
/// decoded only when asked — for projectors that replay millions of events and need two or three
/// fields of each (CONTRACT §6 record layout, ``EventRecord``).
///
/// A view is only valid inside the closure that lends it (``EventLog/scanInPlace(from:through:_:)``,
/// ``EventLog/withRecord(at:_:)``): its buffers point into a read transaction's snapshot. Strings are
/// not validated until a `String` is made of them.
public struct EventRecordView {
    public let position: UInt64
    /// 1-based version inside the stream.
    public let version: UInt64
    /// Commit time, milliseconds since the Unix epoch.
    public let at: Int64
    /// The payload's schema version.
    public let schema: Int
    public let stream: UnsafeRawBufferPointer
    /// The event type's bytes (from the record, or the log's key names for format 2).
    public var type: UnsafeRawBufferPointer { name(typeField) }
    public let actor: UnsafeRawBufferPointer
    public let commandId: UnsafeRawBufferPointer?
    public let correlationId: UnsafeRawBufferPointer?
    public let causationId: UnsafeRawBufferPointer?
    /// The payload bytes as stored.
    public let payload: UnsafeRawBufferPointer
    /// The 32-byte chain hash.
    public let hash: UnsafeRawBufferPointer
    public let tagCount: Int
    private let typeField: NameField
    private let tags: UnsafeRawBufferPointer
    private let record: UnsafeRawBufferPointer
    private let format: UInt8
    /// The log's key names (format 2), alive as long as the log — longer than any view (unretained:
    /// a view is made for every event of a scan, and reference counting was a tenth of its cost).
    private let names: Unmanaged<KeyNames>

    init(position: UInt64, _ value: UnsafeRawBufferPointer, names: __shared KeyNames) throws(RecordError) {
        guard value.count > EventRecord.hashLength, let base = value.baseAddress else { throw RecordError.truncated }
        record = value
        self.names = Unmanaged.passUnretained(names)
        let bodyEnd = base.assumingMemoryBound(to: UInt8.self) + (value.count - EventRecord.hashLength)
        hash = UnsafeRawBufferPointer(start: bodyEnd, count: EventRecord.hashLength)
        var c = RecordCursor(base.assumingMemoryBound(to: UInt8.self), end: bodyEnd)
        let f = try c.byte()
        guard f == EventRecord.format1 || f == EventRecord.format2 else { throw RecordError.unsupportedFormat(f) }
        format = f
        self.position = position
        version = try c.varint()
        let at = try c.varint()
        guard at <= UInt64(Int64.max) else { throw RecordError.malformed("time out of range") }
        self.at = Int64(at)
        let schema = try c.varint()
        guard schema <= UInt64(Int32.max) else { throw RecordError.malformed("schema out of range") }
        self.schema = Int(schema)
        if f == EventRecord.format2 { _ = try c.varint() }  // the stream's new key id + 1, or 0
        stream = try c.string()
        // One past the highest key id referenced (0: none); ids are dense, so making sure of the
        // highest makes sure of all, and `forEachTag` never meets an unknown one.
        var keyEnd: UInt64 = 0
        typeField = try c.nameField(f, &keyEnd)
        actor = try c.string()
        commandId = try c.optionalString()
        correlationId = try c.optionalString()
        causationId = try c.optionalString()
        let count = try c.varint()
        guard count <= UInt64(c.remaining) else { throw RecordError.truncated }
        tagCount = Int(count)
        let tagsStart = c.position
        for _ in 0..<tagCount { _ = try c.nameField(f, &keyEnd) }
        tags = UnsafeRawBufferPointer(start: tagsStart, count: c.position - tagsStart)
        if keyEnd > 0 { try names.ensure(UInt32(truncatingIfNeeded: keyEnd - 1)) }
        let dataLength = try c.varint()
        guard dataLength == UInt64(c.remaining) else { throw RecordError.malformed("payload length mismatch") }
        payload = UnsafeRawBufferPointer(start: c.position, count: Int(dataLength))
    }

    /// Calls `body` with each tag's UTF-8 bytes, in order; stops early when `body` returns false.
    public func forEachTag(_ body: (UnsafeRawBufferPointer) throws -> Bool) rethrows {
        guard let start = tags.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var c = RecordCursor(start, end: start + tags.count)
        var keyEnd: UInt64 = 0
        for _ in 0..<tagCount {
            // The initialiser already walked these and made sure of their key ids.
            guard let tag = try? c.nameField(format, &keyEnd) else { return }
            if try !body(name(tag)) { return }
        }
    }

    @inline(__always)
    private func name(_ field: NameField) -> UnsafeRawBufferPointer {
        if let base = field.base { return UnsafeRawBufferPointer(start: base, count: field.count) }
        return names._withUnsafeGuaranteedRef { $0.name(UInt32(truncatingIfNeeded: field.count)) }
    }

    /// The whole envelope, decoded and validated as ``EventLog/scan(from:through:_:)`` would.
    public func envelope() throws -> EventEnvelope {
        do {
            return try EventRecord.decode(position: position, record, names: names.takeUnretainedValue()).envelope
        } catch {
            throw EventLogError.corrupt(position: position, String(describing: error))
        }
    }
}

/// A name in the record, or — with no base address — a key id (in `count`) looked up on use, so a
/// reader that never asks for a name never touches the name table.
struct NameField {
    var base: UnsafeRawPointer?
    var count: Int

    /// A name spelled out in the record. An empty one (only a damaged format-1 record has one)
    /// must not read as a key id.
    @inline(__always)
    init(inRecord name: UnsafeRawBufferPointer) {
        base = name.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
        count = name.count
    }

    @inline(__always)
    init(keyId: UInt64) {
        base = nil
        count = Int(keyId)
    }
}

extension RecordCursor {
    /// A type or tag: the name's bytes when the record holds them (format 1, or a key's first use
    /// in format 2), else the key id (in `count`), raising `keyEnd` past it.
    @inline(__always)
    mutating func nameField(_ format: UInt8, _ keyEnd: inout UInt64) throws(RecordError) -> NameField {
        if format == EventRecord.format1 { return NameField(inRecord: try string()) }
        let v = try varint()
        guard v >> 1 <= UInt64(UInt32.max) else { throw RecordError.malformed("key id out of range") }
        if v & 1 == 1 { return NameField(inRecord: try string()) }
        keyEnd = max(keyEnd, v >> 1 + 1)
        return NameField(keyId: v >> 1)
    }
}

extension ByteReader {
    @inline(__always)
    mutating func rawString() throws(RecordError) -> UnsafeRawBufferPointer {
        let n = try varint()
        guard n <= UInt64(remaining) else { throw RecordError.truncated }
        return try bytes(Int(n))
    }
}

extension EventLog {
    /// Calls `body` for each event from `position` through `through` (inclusive), in order, with the
    /// record read in place (no allocation per event). Stops when `body` returns false.
    /// - Returns: the last position passed to `body` (0 when none).
    @discardableResult
    public func scanInPlace(from position: UInt64 = 1, through: UInt64? = nil,
                            _ body: (EventRecordView) throws -> Bool) throws -> UInt64 {
        try env.read { txn in
            try txn.withCursor(dbs.events) { c in
                var entry = try c.seek(atLeast: Bytes.key(max(position, 1)))
                var last: UInt64 = 0
                while let e = entry {
                    let p = Bytes.readBigEndianUInt64(e.key)
                    if let through, p > through { break }
                    let view: EventRecordView
                    do {
                        view = try EventRecordView(position: p, e.value, names: names)
                    } catch {
                        throw EventLogError.corrupt(position: p, String(describing: error))
                    }
                    last = p
                    guard try body(view) else { break }
                    entry = try c.next()
                }
                return last
            }
        }
    }

    /// Like ``scanInPlace(from:through:_:)``, but hands the records out in batches of up to
    /// `batchSize`, and every record handed out stays valid until `finish` returns: `finish` runs in
    /// the same read transaction after the last batch — also when `body` or the scan threw — so
    /// other threads may read the batches meanwhile as long as `finish` waits for them.
    /// - Returns: the last position handed out (0 when none).
    @discardableResult
    public func scanInPlaceBatches(
        from position: UInt64 = 1, through: UInt64? = nil, batchSize: Int,
        _ body: ([EventRecordView]) throws -> Void, finish: () -> Void
    ) throws -> UInt64 {
        let size = max(1, batchSize)
        return try env.read { txn in
            defer { finish() }
            var batch: [EventRecordView] = []
            batch.reserveCapacity(size)
            var last: UInt64 = 0
            try txn.withCursor(dbs.events) { c in
                var entry = try c.seek(atLeast: Bytes.key(max(position, 1)))
                while let e = entry {
                    let p = Bytes.readBigEndianUInt64(e.key)
                    if let through, p > through { break }
                    do {
                        batch.append(try EventRecordView(position: p, e.value, names: names))
                    } catch {
                        throw EventLogError.corrupt(position: p, String(describing: error))
                    }
                    last = p
                    if batch.count == size {
                        try body(batch)
                        batch = []
                        batch.reserveCapacity(size)
                    }
                    entry = try c.next()
                }
            }
            if !batch.isEmpty { try body(batch) }
            return last
        }
    }

    /// Calls `body` with the record at `position` read in place, or nil when there is none.
    public func withRecord<R>(at position: UInt64, _ body: (EventRecordView?) throws -> R) throws -> R {
        try env.read { txn in
            try txn.withValue(dbs.events, key: Bytes.key(position)) { v in
                guard let v else { return try body(nil) }
                do {
                    return try body(try EventRecordView(position: position, v, names: names))
                } catch let e as RecordError {
                    throw EventLogError.corrupt(position: position, String(describing: e))
                }
            }
        }
    }
}
