/// The stored form of an event: the value under its position in the `events` database.
///
/// Layout (format 1, stores of layout ≤ 2), all integers LEB128 varints unless noted, strings as varint length + UTF-8,
/// optional strings as varint (length + 1) with 0 meaning null:
///
/// ```
/// u8      format = 1
/// varint  version          stream version, 1-based
/// varint  at               milliseconds since 1970-01-01T00:00:00Z
/// varint  schema           payload schema version
/// string  stream
/// string  type
/// string  actor
/// string? commandId
/// string? correlationId
/// string? causationId
/// varint  tagCount, then tagCount strings
/// varint  dataLength, then the payload bytes
/// u8[32]  hash             SHA-256(previous hash ‖ canonical bytes)
/// ```
///
/// Format 2 (stores of layout 3) differs in three fields. The type and each tag are *key fields*:
/// `varint (id << 1 | 1)` followed by the name (a string) in the one record that uses the key first,
/// `varint (id << 1)` in every later one. The stream stays spelled out (a stream name is what a
/// reader of a record asks for most, and streams are the most numerous keys, so looking each up
/// would be a cache miss), after a varint that is the stream's new key id + 1 in its first event and
/// 0 in every later one. Key ids are dense and handed out in order of first use — stream, type,
/// tags, event after event — so the log itself defines every key id, in order, and the chain covers
/// the definitions; the `keys` database is an index of them that `verify` checks against the log.
///
/// The canonical bytes of an event are the 8-byte big-endian position followed by the record without
/// its final 32 hash bytes (in both formats: a record is hashed as it is stored).
enum EventRecord {
    /// Records of stores of layout 2 and earlier: every name spelled out in every record.
    static let format1: UInt8 = 1
    /// Records of stores of layout 3: types and tags as key ids, each defined in the record that first
    /// uses it; the stream spelled out as in format 1.
    static let format2: UInt8 = 2
    static let hashLength = 32

    /// Writes everything but the hash, in format 1. `data` is the payload (the event's own, or the
    /// one its request's ``AppendRequest/payloads`` made).
    static func encodeBody(
        version: UInt64, at: Int64, actor: UnsafePointer<String>, commandId: String?, correlationId: String?,
        causationId: String?, event e: UnsafePointer<EventToAppend>, data: UnsafeRawBufferPointer, into out: inout [UInt8]
    ) {
        out.append(format1)
        Bytes.appendVarint(version, to: &out)
        Bytes.appendVarint(UInt64(bitPattern: max(at, 0)), to: &out)
        Bytes.appendVarint(UInt64(max(e.pointee.schema, 0)), to: &out)
        Bytes.appendString(e.pointee.stream, to: &out)
        Bytes.appendString(e.pointee.type, to: &out)
        appendTail(actor: actor, commandId: commandId, correlationId: correlationId, causationId: causationId, into: &out)
        Bytes.appendVarint(UInt64(e.pointee.tags.count), to: &out)
        for t in e.pointee.tags { Bytes.appendString(t, to: &out) }
        Bytes.appendVarint(UInt64(data.count), to: &out)
        out.append(contentsOf: data)
    }

    /// Writes everything but the hash, in format 2. `keys` holds the key ids of the stream, the type
    /// and each tag in that order, with `true` for a key this record is the first to use (its id is
    /// then written beside its name).
    static func encodeBody2(
        version: UInt64, at: Int64, actor: UnsafePointer<String>, commandId: String?, correlationId: String?,
        causationId: String?, event e: UnsafePointer<EventToAppend>, keys: UnsafeBufferPointer<(id: UInt32, new: Bool)>,
        data: UnsafeRawBufferPointer, into out: inout [UInt8]
    ) {
        out.append(format2)
        Bytes.appendVarint(version, to: &out)
        Bytes.appendVarint(UInt64(bitPattern: max(at, 0)), to: &out)
        Bytes.appendVarint(UInt64(max(e.pointee.schema, 0)), to: &out)
        // The stream: its new key id + 1 in its first event, else 0; then always its name.
        Bytes.appendVarint(keys[0].new ? UInt64(keys[0].id) + 1 : 0, to: &out)
        // Names are read where they are stored (see ``Swift/String/withUTF8(at:_:)``): each read
        // through the pointer was a retain and a release of a string the stager made.
        Bytes.appendString(at: e.pointer(to: \.stream)!, to: &out)
        // A known key is its id alone: its name is not even read.
        if keys[1].new {
            Bytes.appendVarint(UInt64(keys[1].id) << 1 | 1, to: &out)
            Bytes.appendString(at: e.pointer(to: \.type)!, to: &out)
        } else {
            Bytes.appendVarint(UInt64(keys[1].id) << 1, to: &out)
        }
        appendTail(actor: actor, commandId: commandId, correlationId: correlationId, causationId: causationId, into: &out)
        e.pointee.tags.withUnsafeBufferPointer { tags in
            // (Checked, not assumed: a tag's name is read through a pointer below.)
            precondition(keys.count - 2 == tags.count, "a record's keys are its stream's, its type's and one per tag")
            Bytes.appendVarint(UInt64(tags.count), to: &out)
            for i in tags.indices {
                let key = keys[2 + i]
                if key.new {
                    Bytes.appendVarint(UInt64(key.id) << 1 | 1, to: &out)
                    Bytes.appendString(at: tags.baseAddress.unsafelyUnwrapped + i, to: &out)
                } else {
                    Bytes.appendVarint(UInt64(key.id) << 1, to: &out)
                }
            }
        }
        Bytes.appendVarint(UInt64(data.count), to: &out)
        out.append(contentsOf: data)
    }

    @inline(__always)
    private static func appendTail(
        actor: UnsafePointer<String>, commandId: String?, correlationId: String?, causationId: String?,
        into out: inout [UInt8]
    ) {
        Bytes.appendString(at: actor, to: &out)
        Bytes.appendOptionalString(commandId, to: &out)
        Bytes.appendOptionalString(correlationId, to: &out)
        Bytes.appendOptionalString(causationId, to: &out)
    }

    /// Reads the format byte; throws for any format this build does not know.
    @inline(__always)
    static func format(_ r: inout ByteReader) throws(RecordError) -> UInt8 {
        let f = try r.byte()
        guard f == format1 || f == format2 else { throw RecordError.unsupportedFormat(f) }
        return f
    }

    /// Decodes the envelope; returns it with the payload and hash slices of `value`.
    static func decode(position: UInt64, _ value: UnsafeRawBufferPointer, names: KeyNames?) throws(RecordError)
        -> (envelope: EventEnvelope, data: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer)
    {
        guard value.count > hashLength else { throw RecordError.truncated }
        let body = UnsafeRawBufferPointer(rebasing: value[0..<(value.count - hashLength)])
        var r = ByteReader(body)
        let f = try format(&r)
        let version = try r.varint()
        let at = try r.varint()
        guard at <= UInt64(Int64.max) else { throw RecordError.malformed("time out of range") }
        let schema = try r.varint()
        guard schema <= UInt64(Int32.max) else { throw RecordError.malformed("schema out of range") }
        let stream = try r.streamName(f)
        let type = try r.name(.type, f, names)
        let actor = try r.string()
        let commandId = try r.optionalString()
        let correlationId = try r.optionalString()
        let causationId = try r.optionalString()
        let tagCount = try r.varint()
        guard tagCount <= UInt64(r.remaining) else { throw RecordError.truncated }
        var tags: [String] = []
        if tagCount > 0 {
            tags.reserveCapacity(Int(tagCount))
            for _ in 0..<tagCount { tags.append(try r.name(.tag, f, names)) }
        }
        let dataLength = try r.varint()
        guard dataLength == UInt64(r.remaining) else { throw RecordError.malformed("payload length mismatch") }
        let data = try r.bytes(Int(dataLength))
        let envelope = EventEnvelope(
            position: position, stream: stream, version: version, type: type, schema: Int(schema),
            at: Int64(at), actor: actor, commandId: commandId, correlationId: correlationId,
            causationId: causationId, tags: tags)
        return (envelope, data, UnsafeRawBufferPointer(rebasing: value[(value.count - hashLength)...]))
    }

    /// The stream name, type and tags only — what the index rebuild needs.
    static func decodeKeys(_ value: UnsafeRawBufferPointer, names: KeyNames?,
                           _ body: (_ stream: String, _ type: String, _ tags: [String]) -> Void) throws(RecordError)
    {
        guard value.count > hashLength else { throw RecordError.truncated }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: value[0..<(value.count - hashLength)]))
        let f = try format(&r)
        _ = try r.varint()
        _ = try r.varint()
        _ = try r.varint()
        let stream = try r.streamName(f)
        let type = try r.name(.type, f, names)
        let tagCount = try r.skipToTags()
        var tags: [String] = []
        for _ in 0..<tagCount { tags.append(try r.name(.tag, f, names)) }
        body(stream, type, tags)
    }

    /// The key fields of a format-2 record, in order (none for format 1): each key it defines (with
    /// its name) and each it refers to (without) — what `verify` checks against the `keys` database.
    static func keyDefinitions(_ value: UnsafeRawBufferPointer,
                               _ body: (_ id: UInt32, _ kind: KeyKind, _ name: UnsafeRawBufferPointer?) throws(RecordError) -> Void)
        throws(RecordError)
    {
        guard value.count > hashLength else { throw RecordError.truncated }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: value[0..<(value.count - hashLength)]))
        guard try format(&r) == format2 else { return }
        _ = try r.varint()
        _ = try r.varint()
        _ = try r.varint()
        func key(_ kind: KeyKind) throws(RecordError) {
            let (id, name) = try r.keyField()
            try body(id, kind, name)
        }
        let newStream = try r.varint()
        let stream = try r.rawString()
        if newStream > 0 {
            guard newStream - 1 <= UInt64(UInt32.max) else { throw RecordError.malformed("key id out of range") }
            try body(UInt32(newStream - 1), .stream, stream)
        }
        try key(.type)
        for _ in 0..<(try r.skipToTags()) { try key(.tag) }
    }

    /// The commit time, read without decoding the rest (at the same place in both formats).
    static func decodeAt(_ value: UnsafeRawBufferPointer) throws(RecordError) -> Int64 {
        var r = ByteReader(value)
        _ = try format(&r)
        _ = try r.varint()
        return Int64(truncatingIfNeeded: try r.varint())
    }
}

extension ByteReader {
    /// The stream name: a string in format 1; in format 2 after the varint that holds its new key id
    /// + 1 in the stream's first event (else 0).
    @inline(__always)
    mutating func rawStreamName(_ format: UInt8) throws(RecordError) -> UnsafeRawBufferPointer {
        if format == EventRecord.format2 { _ = try varint() }
        return try rawString()
    }

    @inline(__always)
    mutating func streamName(_ format: UInt8) throws(RecordError) -> String {
        try Self.validatedString(try rawStreamName(format))
    }

    /// Skips the actor and the command, correlation and causation ids, then reads the tag count.
    mutating func skipToTags() throws(RecordError) -> UInt64 {
        try skipString()
        try skipOptionalString()
        try skipOptionalString()
        try skipOptionalString()
        let tagCount = try varint()
        guard tagCount <= UInt64(remaining) else { throw RecordError.truncated }
        return tagCount
    }

    /// A key field of format 2: `varint (id << 1 | 1)` then the name for the key's first use,
    /// `varint (id << 1)` for later ones. Returns the id and, for a first use, the name's bytes.
    @inline(__always)
    mutating func keyField() throws(RecordError) -> (id: UInt32, name: UnsafeRawBufferPointer?) {
        let v = try varint()
        guard v >> 1 <= UInt64(UInt32.max) else { throw RecordError.malformed("key id out of range") }
        let id = UInt32(truncatingIfNeeded: v >> 1)
        return (id, v & 1 == 1 ? try rawString() : nil)
    }

    /// The bytes of a stream, type or tag name: spelled out (format 1, or a first use in format 2) or
    /// looked up by key id (format 2).
    @inline(__always)
    mutating func rawName(_ kind: KeyKind, _ format: UInt8, _ names: KeyNames?) throws(RecordError) -> UnsafeRawBufferPointer {
        if format == EventRecord.format1 { return try rawString() }
        let (id, name) = try keyField()
        if let name { return name }
        guard let names else { throw RecordError.malformed("key id \(id) cannot be resolved here") }
        return try names.resolve(id, as: kind)
    }

    /// ``rawName(_:_:_:)`` as a validated `String`.
    @inline(__always)
    mutating func name(_ kind: KeyKind, _ format: UInt8, _ names: KeyNames?) throws(RecordError) -> String {
        if format == EventRecord.format1 { return try string() }
        return try Self.validatedString(try rawName(kind, format, names))
    }
}

/// Decoding of stored records for tools (fuzzing) that hold raw `events` values, without a log.
public enum StoredRecord {
    /// Decodes a raw value of the `events` database, or throws ``RecordError``; never traps. Without
    /// the log's key names, a format-2 record that refers to a key defined elsewhere is refused too.
    public static func decode(position: UInt64, _ value: UnsafeRawBufferPointer) throws -> RecordedEvent {
        let (envelope, data, hash) = try EventRecord.decode(position: position, value, names: nil)
        return RecordedEvent(envelope: envelope, data: Array(data), hash: ChainHash(bytes: Array(hash)))
    }
}
