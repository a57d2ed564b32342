/// The stored form of an event: the value under its position in the `events` database.
///
/// Layout (format 1), all integers LEB128 varints unless noted, strings as varint length + UTF-8,
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
/// The canonical bytes of an event are the 8-byte big-endian position followed by the record without
/// its final 32 hash bytes.
enum EventRecord {
    static let format: UInt8 = 1
    static let hashLength = 32

    /// Writes everything but the hash.
    static func encodeBody(
        version: UInt64, at: Int64, actor: String, commandId: String?, correlationId: String?,
        causationId: String?, event: EventToAppend, into out: inout [UInt8]
    ) {
        out.append(format)
        Bytes.appendVarint(version, to: &out)
        Bytes.appendVarint(UInt64(bitPattern: max(at, 0)), to: &out)
        Bytes.appendVarint(UInt64(max(event.schema, 0)), to: &out)
        Bytes.appendString(event.stream, to: &out)
        Bytes.appendString(event.type, to: &out)
        Bytes.appendString(actor, to: &out)
        Bytes.appendOptionalString(commandId, to: &out)
        Bytes.appendOptionalString(correlationId, to: &out)
        Bytes.appendOptionalString(causationId, to: &out)
        Bytes.appendVarint(UInt64(event.tags.count), to: &out)
        for t in event.tags { Bytes.appendString(t, to: &out) }
        Bytes.appendVarint(UInt64(event.data.count), to: &out)
        out.append(contentsOf: event.data)
    }

    /// Decodes the envelope; returns it with the payload and hash slices of `value`.
    static func decode(position: UInt64, _ value: UnsafeRawBufferPointer) throws(RecordError)
        -> (envelope: EventEnvelope, data: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer)
    {
        guard value.count > hashLength else { throw RecordError.truncated }
        let body = UnsafeRawBufferPointer(rebasing: value[0..<(value.count - hashLength)])
        var r = ByteReader(body)
        let f = try r.byte()
        guard f == format else { throw RecordError.unsupportedFormat(f) }
        let version = try r.varint()
        let at = try r.varint()
        guard at <= UInt64(Int64.max) else { throw RecordError.malformed("time out of range") }
        let schema = try r.varint()
        guard schema <= UInt64(Int32.max) else { throw RecordError.malformed("schema out of range") }
        let stream = try r.string()
        let type = try r.string()
        let actor = try r.string()
        let commandId = try r.optionalString()
        let correlationId = try r.optionalString()
        let causationId = try r.optionalString()
        let tagCount = try r.varint()
        guard tagCount <= UInt64(r.remaining) else { throw RecordError.truncated }
        var tags: [String] = []
        if tagCount > 0 {
            tags.reserveCapacity(Int(tagCount))
            for _ in 0..<tagCount { tags.append(try r.string()) }
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
    static func decodeKeys(_ value: UnsafeRawBufferPointer, _ body: (_ stream: String, _ type: String, _ tags: [String]) -> Void)
        throws(RecordError)
    {
        guard value.count > hashLength else { throw RecordError.truncated }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: value[0..<(value.count - hashLength)]))
        let f = try r.byte()
        guard f == format else { throw RecordError.unsupportedFormat(f) }
        _ = try r.varint()
        _ = try r.varint()
        _ = try r.varint()
        let stream = try r.string()
        let type = try r.string()
        try r.skipString()
        try r.skipOptionalString()
        try r.skipOptionalString()
        try r.skipOptionalString()
        let tagCount = try r.varint()
        guard tagCount <= UInt64(r.remaining) else { throw RecordError.truncated }
        var tags: [String] = []
        for _ in 0..<tagCount { tags.append(try r.string()) }
        body(stream, type, tags)
    }

    /// The commit time, read without decoding the rest.
    static func decodeAt(_ value: UnsafeRawBufferPointer) throws(RecordError) -> Int64 {
        var r = ByteReader(value)
        let f = try r.byte()
        guard f == format else { throw RecordError.unsupportedFormat(f) }
        _ = try r.varint()
        return Int64(truncatingIfNeeded: try r.varint())
    }
}

/// Decoding of stored records for tools (fuzzing, forensic readers) that hold raw `events` values.
public enum StoredRecord {
    /// Decodes a raw value of the `events` database, or throws ``RecordError``; never traps.
    public static func decode(position: UInt64, _ value: UnsafeRawBufferPointer) throws -> RecordedEvent {
        let (envelope, data, hash) = try EventRecord.decode(position: position, value)
        return RecordedEvent(envelope: envelope, data: Array(data), hash: ChainHash(bytes: Array(hash)))
    }
}
