import Domain
import EventCoding
import EventLog
import JSON
import PersonalData

/// `chronicle export`'s lines (NDJSON objects or CSV rows), written straight from the stored record read in
/// place: envelope fields as their bytes, the binary payload transcoded to JSON text, sealed strings revealed
/// as they are met. Only a payload whose schema an upcaster changes takes the value path (decode, upcast,
/// reveal, write), which gives the same bytes for every event.
struct ExportLines {
    /// Bytes gathered before a write to the sink.
    static let chunk = 1 << 20

    let csv: Bool
    let raw: Bool
    let keys: SubjectKeyStore
    /// JSON text of a CSV row's `tags` and `data`, before it is quoted.
    private var scratch: [UInt8] = []

    init(csv: Bool, raw: Bool, keys: SubjectKeyStore) {
        self.csv = csv
        self.raw = raw
        self.keys = keys
    }

    func appendHeader(into out: inout [UInt8]) {
        if csv { out.append(contentsOf: CSV.header.utf8) }
    }

    /// The value path: the payload decoded, upcast unless `raw`, revealed, and written from values.
    func appendDecoded(
        _ e: EventEnvelope, payload: UnsafeRawBufferPointer, hash: ChainHash, into out: inout [UInt8]
    ) throws {
        let stored = try PayloadCodec.decode(payload)
        var (schema, body) = raw ? (e.schema, stored) : Upcasters.upcast(type: e.type, schema: e.schema, data: stored)
        body = keys.reveal(body)
        if csv {
            CSV.appendRow(e, schema: schema, data: body, hash: hash, into: &out)
        } else {
            JSONValue.object(EventJSON.object(e, schema: schema, data: body, hash: hash)).write(into: &out)
            out.append(0x0a)
        }
    }

    /// The line of `record`: in place, or through ``appendDecoded(_:payload:hash:into:)`` when it is upcast.
    mutating func append(_ record: EventRecordView, into out: inout [UInt8]) throws {
        if !raw && Upcasters.upcasts(type: record.type, schema: record.schema) {
            let hash = ChainHash(bytes: Array(record.hash))
            return try appendDecoded(record.envelope(), payload: record.payload, hash: hash, into: &out)
        }
        if csv {
            try appendRow(record, into: &out)
        } else {
            try appendObject(record, into: &out)
        }
    }

    /// The CONTRACT §1 object, as `EventJSON.object` orders it, and a newline.
    private func appendObject(_ r: EventRecordView, into out: inout [UInt8]) throws {
        out.append(literal: #"{"position":"#)
        JSONWriter.appendInteger(r.position, into: &out)
        out.append(literal: #","stream":"#)
        JSONWriter.appendString(utf8: r.stream, into: &out)
        out.append(literal: #","version":"#)
        JSONWriter.appendInteger(r.version, into: &out)
        out.append(literal: #","type":"#)
        JSONWriter.appendString(utf8: r.type, into: &out)
        out.append(literal: #","schema":"#)
        JSONWriter.appendInteger(UInt64(r.schema), into: &out)
        out.append(literal: #","at":""#)
        Timestamp(milliseconds: r.at).appendISO8601(into: &out)
        out.append(literal: #"","actor":"#)
        JSONWriter.appendString(utf8: r.actor, into: &out)
        out.append(literal: #","commandId":"#)
        Self.appendOptional(r.commandId, into: &out)
        out.append(literal: #","correlationId":"#)
        Self.appendOptional(r.correlationId, into: &out)
        out.append(literal: #","causationId":"#)
        Self.appendOptional(r.causationId, into: &out)
        out.append(literal: #","tags":"#)
        Self.appendTags(r, into: &out)
        out.append(literal: #","data":"#)
        try appendData(r, into: &out)
        out.append(literal: #","hash":""#)
        ChainHash.appendHex(r.hash, into: &out)
        out.append(literal: "\"}\n")
    }

    /// The CSV row, as ``CSV/appendRow(_:schema:data:hash:into:)`` writes it.
    private mutating func appendRow(_ r: EventRecordView, into out: inout [UInt8]) throws {
        JSONWriter.appendInteger(r.position, into: &out)
        out.append(0x2c)
        CSV.appendField(r.stream, &out)
        out.append(0x2c)
        JSONWriter.appendInteger(r.version, into: &out)
        out.append(0x2c)
        CSV.appendField(r.type, &out)
        out.append(0x2c)
        JSONWriter.appendInteger(UInt64(r.schema), into: &out)
        out.append(0x2c)
        Timestamp(milliseconds: r.at).appendISO8601(into: &out)
        out.append(0x2c)
        CSV.appendField(r.actor, &out)
        for v in [r.commandId, r.correlationId, r.causationId] {
            out.append(0x2c)
            if let v { CSV.appendField(v, &out) }
        }
        out.append(0x2c)
        scratch.removeAll(keepingCapacity: true)
        Self.appendTags(r, into: &scratch)
        CSV.appendField(scratch, &out, forceQuote: true)
        out.append(0x2c)
        scratch.removeAll(keepingCapacity: true)
        try appendData(r, into: &scratch)
        CSV.appendField(scratch, &out, forceQuote: true)
        out.append(0x2c)
        ChainHash.appendHex(r.hash, into: &out)
        out.append(0x0a)
    }

    /// The payload as stored (its schema needs no upcasting), sealed strings revealed.
    private func appendData(_ r: EventRecordView, into out: inout [UInt8]) throws {
        do {
            try PayloadCodec.appendText(r.payload, into: &out) { keys.reveal(utf8: $0) }
        } catch {
            throw EventLogError.corrupt(position: r.position, String(describing: error))
        }
    }

    private static func appendOptional(_ utf8: UnsafeRawBufferPointer?, into out: inout [UInt8]) {
        if let utf8 {
            JSONWriter.appendString(utf8: utf8, into: &out)
        } else {
            out.append(literal: "null")
        }
    }

    private static func appendTags(_ r: EventRecordView, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        var first = true
        r.forEachTag { tag in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(utf8: tag, into: &out)
            return true
        }
        out.append(UInt8(ascii: "]"))
    }
}
