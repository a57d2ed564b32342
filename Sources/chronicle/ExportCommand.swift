import ArgumentParser
import Domain
import EventCoding
import EventLog
import Foundation
import JSON
import PersonalData

/// `chronicle export`: events as NDJSON (one §1 object per line) or CSV (RFC 4180), filtered.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write events as NDJSON or CSV for analysts' tools (DuckDB, pandas), filtered by time, stream, type and tag.",
        discussion: """
            CSV columns: position, stream, version, type, schema, at, actor, commandId, correlationId, \
            causationId, tags, data, hash — tags and data as JSON text in quoted fields. Payloads are \
            upcast to their newest schema unless --raw. Personal fields read as their value, or [erased].
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "ndjson (default) or csv.") var format = "ndjson"
    @Option(help: "Only events at or after this ISO-8601 time.") var from: String?
    @Option(help: "Only events before this ISO-8601 time.") var until: String?
    @Option(help: "Only this stream.") var stream: String?
    @Option(name: .customLong("type"), help: "Only these event types (repeatable).") var types: [String] = []
    @Option(name: .customLong("tag"), help: "Only events carrying one of these tags (repeatable).") var tags: [String] = []
    @Flag(help: "Write payloads as stored (no upcasting).") var raw = false
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: .hidden) var threads = 2
    /// Positions per chunk of the threaded export (tests make it small, so that a small store has many).
    @Option(help: .hidden) var chunkPositions = Int(ExportChunks.defaultPositions)
    @Flag(help: .hidden) var reference = false

    func validate() throws {
        guard ["ndjson", "csv"].contains(format) else { throw ValidationError("--format must be ndjson or csv") }
        if let from, Timestamp(iso8601: from) == nil { throw ValidationError("--from must be an ISO-8601 time") }
        if let until, Timestamp(iso8601: until) == nil { throw ValidationError("--until must be an ISO-8601 time") }
        guard (1...16).contains(threads) else { throw ValidationError("--threads must be 1 to 16") }
        guard chunkPositions >= 1 else { throw ValidationError("--chunk-positions must be at least 1") }
    }

    func run() throws {
        let dir = data.directory
        // Types are an open set (a newer build's log still exports), so an unknown one is only noted.
        for type in types where !CompanyState.eventTypes.contains(EventType(rawValue: type)) {
            printError("note: this build knows no event type \(type); the export holds only events of that type, if any")
        }
        if let out, dir.contains(out) {
            throw CLIError("--out \(out) is inside the store's own directories (log, keys, views); write the export elsewhere")
        }
        let log = try dir.openLogForScan()
        defer { log.close() }
        let keys = try SubjectKeyStore(path: dir.keys, readOnly: true)
        defer { keys.close() }
        let sink = try OutputSink(path: out)
        let filter = EventFilter(types: types.isEmpty ? nil : Set(types), tags: tags.isEmpty ? nil : Set(tags))
        let fromMs = from.flatMap { Timestamp(iso8601: $0)?.milliseconds }
        let untilMs = until.flatMap { Timestamp(iso8601: $0)?.milliseconds }
        let lines = ExportLines(csv: format == "csv", raw: raw, keys: keys)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(ExportLines.chunk + (1 << 16))
        lines.appendHeader(into: &buffer)
        var start: UInt64 = 1
        if let fromMs {
            guard let p = try log.firstPosition(atOrAfter: fromMs) else {
                try sink.write(buffer)
                return
            }
            start = p
        }
        var count = 0
        var progress = Progress("export", unit: "events")
        let last = log.lastPosition
        /// Hands a full buffer to the sink.
        func flush(at position: UInt64) throws {
            guard buffer.count >= ExportLines.chunk else { return }
            try sink.write(buffer)
            buffer.removeAll(keepingCapacity: true)
            progress.update(position, of: last)
        }
        if reference {
            // The value path for every event, as export ran before the in-place one: what tests compare with.
            try log.scanWithHashes(from: start) { envelope, payload, hash in
                if let untilMs, envelope.at >= untilMs { return false }
                if let stream, envelope.stream != stream { return true }
                guard filter.matches(envelope) else { return true }
                try lines.appendDecoded(envelope, payload: payload, hash: hash, into: &buffer)
                count += 1
                try flush(at: envelope.position)
                return true
            }
        } else {
            try sink.write(buffer)
            buffer.removeAll()
            let chunks = ExportChunks(
                log: log, untilMs: untilMs, stream: stream, filter: filter, positions: UInt64(chunkPositions))
            count = try chunks.run(from: start, through: last, threads: threads, lines: lines) { bytes, through in
                try sink.write(bytes)
                progress.update(through, of: last)
            }
        }
        try sink.write(buffer)
        progress.finish()
        sink.close()
        if out != nil { printError("exported \(count) events to \(out!)") }
    }
}

/// RFC 4180 rows.
enum CSV {
    static let header =
        "position,stream,version,type,schema,at,actor,commandId,correlationId,causationId,tags,data,hash\n"

    static func appendRow(_ e: EventEnvelope, schema: Int, data: JSONObject, hash: ChainHash, into out: inout [UInt8]) {
        appendField(String(e.position).utf8, &out, quote: false)
        out.append(0x2c)
        appendField(e.stream.utf8, &out)
        out.append(0x2c)
        appendField(String(e.version).utf8, &out, quote: false)
        out.append(0x2c)
        appendField(e.type.utf8, &out)
        out.append(0x2c)
        appendField(String(schema).utf8, &out, quote: false)
        out.append(0x2c)
        appendField(Timestamp(milliseconds: e.at).iso8601.utf8, &out, quote: false)
        out.append(0x2c)
        appendField(e.actor.utf8, &out)
        for v in [e.commandId, e.correlationId, e.causationId] {
            out.append(0x2c)
            if let v { appendField(v.utf8, &out) }
        }
        out.append(0x2c)
        appendField(JSONValue.array(e.tags.map(JSONValue.string)).jsonBytes, &out, forceQuote: true)
        out.append(0x2c)
        appendField(JSONValue.object(data).jsonBytes, &out, forceQuote: true)
        out.append(0x2c)
        appendField(hash.hex.utf8, &out, quote: false)
        out.append(0x0a)
    }

    /// A field's UTF-8 bytes, quoted when they hold a comma, quote, CR or LF (or always with `forceQuote`).
    static func appendField(
        _ s: some Collection<UInt8>, _ out: inout [UInt8], quote: Bool = true, forceQuote: Bool = false
    ) {
        let needs = forceQuote || (quote && s.contains { $0 == 0x2c || $0 == 0x22 || $0 == 0x0a || $0 == 0x0d })
        guard needs else {
            out.append(contentsOf: s)
            return
        }
        out.append(0x22)
        for b in s {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
    }
}

/// Standard output or a file, written in large chunks.
final class OutputSink {
    private let handle: FileHandle

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let h = FileHandle(forWritingAtPath: path)
            else { throw CLIError("cannot write \(path)") }
            handle = h
        } else {
            handle = FileHandle.standardOutput
        }
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try handle.write(contentsOf: bytes)
    }

    func close() { try? handle.synchronize() }
}
