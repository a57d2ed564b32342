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
    /// The log's key names (format 2), alive as long as the log — longer than any view.
    private unowned(unsafe) let names: KeyNames

    init(position: UInt64, _ value: UnsafeRawBufferPointer, names: KeyNames) throws(RecordError) {
        guard value.count > EventRecord.hashLength else { throw RecordError.truncated }
        record = value
        self.names = names
        let body = UnsafeRawBufferPointer(rebasing: value[0..<(value.count - EventRecord.hashLength)])
        hash = UnsafeRawBufferPointer(rebasing: value[(value.count - EventRecord.hashLength)...])
        var r = ByteReader(body)
        let f = try EventRecord.format(&r)
        format = f
        self.position = position
        version = try r.varint()
        let at = try r.varint()
        guard at <= UInt64(Int64.max) else { throw RecordError.malformed("time out of range") }
        self.at = Int64(at)
        let schema = try r.varint()
        guard schema <= UInt64(Int32.max) else { throw RecordError.malformed("schema out of range") }
        self.schema = Int(schema)
        stream = try r.rawStreamName(f)
        typeField = try r.nameField(f, names)
        actor = try r.rawString()
        commandId = try r.rawOptionalString()
        correlationId = try r.rawOptionalString()
        causationId = try r.rawOptionalString()
        let count = try r.varint()
        guard count <= UInt64(r.remaining) else { throw RecordError.truncated }
        tagCount = Int(count)
        let tagsStart = r.offset
        // Every tag is resolved once here, so `forEachTag` never meets an unknown key id.
        for _ in 0..<tagCount { _ = try r.nameField(f, names) }
        tags = UnsafeRawBufferPointer(rebasing: body[tagsStart..<r.offset])
        let dataLength = try r.varint()
        guard dataLength == UInt64(r.remaining) else { throw RecordError.malformed("payload length mismatch") }
        payload = try r.bytes(Int(dataLength))
    }

    /// Calls `body` with each tag's UTF-8 bytes, in order; stops early when `body` returns false.
    public func forEachTag(_ body: (UnsafeRawBufferPointer) throws -> Bool) rethrows {
        var r = ByteReader(tags)
        for _ in 0..<tagCount {
            // The initialiser already walked and resolved these, so they are well formed.
            guard let tag = try? r.nameField(format, names) else { return }
            if try !body(name(tag)) { return }
        }
    }

    @inline(__always)
    private func name(_ field: NameField) -> UnsafeRawBufferPointer {
        if let base = field.base { return UnsafeRawBufferPointer(start: base, count: field.count) }
        return names.name(UInt32(truncatingIfNeeded: field.count))
    }

    /// The whole envelope, decoded and validated as ``EventLog/scan(from:through:_:)`` would.
    public func envelope() throws -> EventEnvelope {
        do {
            return try EventRecord.decode(position: position, record, names: names).envelope
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
}

extension ByteReader {
    /// A type or tag as ``EventRecordView`` keeps it: the name's bytes when the record holds
    /// them, else the key id, checked to be known to `names`.
    @inline(__always)
    mutating func nameField(_ format: UInt8, _ names: KeyNames) throws(RecordError) -> NameField {
        if format == EventRecord.format1 { return Self.inRecord(try rawString()) }
        let (id, name) = try keyField()
        if let name { return Self.inRecord(name) }
        try names.ensure(id)
        return NameField(base: nil, count: Int(id))
    }

    /// An empty name (only a damaged format-1 record has one) must not read as a key id.
    @inline(__always)
    private static func inRecord(_ name: UnsafeRawBufferPointer) -> NameField {
        NameField(base: name.baseAddress ?? UnsafeRawPointer(bitPattern: 1), count: name.count)
    }

    @inline(__always)
    mutating func rawString() throws(RecordError) -> UnsafeRawBufferPointer {
        let n = try varint()
        guard n <= UInt64(remaining) else { throw RecordError.truncated }
        return try bytes(Int(n))
    }

    @inline(__always)
    mutating func rawOptionalString() throws(RecordError) -> UnsafeRawBufferPointer? {
        let n = try varint()
        if n == 0 { return nil }
        guard n - 1 <= UInt64(remaining) else { throw RecordError.truncated }
        return try bytes(Int(n - 1))
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
