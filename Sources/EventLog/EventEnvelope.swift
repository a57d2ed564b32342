/// An event's metadata (CONTRACT §1) without its payload.
public struct EventEnvelope: Sendable, Hashable {
    /// Global, gap-free, starting at 1.
    public var position: UInt64
    public var stream: String
    /// 1-based position inside the stream.
    public var version: UInt64
    public var type: String
    /// The payload's schema version.
    public var schema: Int
    /// Commit time (or the imported time), milliseconds since the Unix epoch, UTC.
    public var at: Int64
    public var actor: String
    public var commandId: String?
    public var correlationId: String?
    public var causationId: String?
    public var tags: [String]

    public init(
        position: UInt64, stream: String, version: UInt64, type: String, schema: Int, at: Int64, actor: String,
        commandId: String?, correlationId: String?, causationId: String?, tags: [String]
    ) {
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
        self.schema = schema
        self.at = at
        self.actor = actor
        self.commandId = commandId
        self.correlationId = correlationId
        self.causationId = causationId
        self.tags = tags
    }
}

/// A committed event: envelope, payload bytes as stored, and its chain hash.
public struct RecordedEvent: Sendable, Hashable {
    public var envelope: EventEnvelope
    /// The payload exactly as stored (the log does not interpret it).
    public var data: [UInt8]
    public var hash: ChainHash

    public var position: UInt64 { envelope.position }
    public var stream: String { envelope.stream }
    public var type: String { envelope.type }
}

/// A SHA-256 chain hash (CONTRACT §7).
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a chain hash has 32 bytes")
        self.bytes = bytes
    }

    /// The hash before position 1: 32 zero bytes.
    public static let zero = ChainHash(bytes: [UInt8](repeating: 0, count: 32))

    /// Lower-case hex.
    public var hex: String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        bytes.withUnsafeBytes { Self.appendHex($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` as lower-case hex (as ``hex`` writes a hash), e.g. a record's hash read in place:
    /// one append of the whole text, built on the stack (the exporter calls this for every event).
    public static func appendHex(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = bytes.count
        guard n > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * n) { text in
            let digits: StaticString = "0123456789abcdef"
            let d = digits.utf8Start
            for i in 0..<n {
                let b = bytes[i]
                text[2 * i] = d[Int(b >> 4)]
                text[2 * i + 1] = d[Int(b & 0x0f)]
            }
            out.append(contentsOf: text)
        }
    }

    public init?(hex: String) {
        let u = Array(hex.utf8)
        guard u.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        for i in stride(from: 0, to: 64, by: 2) {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        self.bytes = out
    }

    public var description: String { hex }
}

/// An event to append: the log gives it a position, a version in its stream, a time and a hash.
public struct EventToAppend: Sendable, Hashable {
    public var stream: String
    public var type: String
    public var schema: Int
    public var tags: [String]
    /// Payload bytes, stored as given.
    public var data: [UInt8]

    public init(stream: String, type: String, schema: Int = 1, tags: [String] = [], data: [UInt8]) {
        self.stream = stream
        self.type = type
        self.schema = schema
        self.tags = tags
        self.data = data
    }
}
