/// Why an append or a read failed.
public enum EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stream's version is not what the caller expected.
    case wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: UInt64)
    /// An event with one of the guarded tags was appended after the given position.
    case tagConditionFailed(tag: String, after: UInt64, lastPosition: UInt64)
    /// The command id was used before with a different request.
    case commandIdConflict(commandId: String)
    /// The store cannot write now (disk full, I/O error); reads still work, writes resume by themselves.
    case unavailable(String)
    /// The writer queue is full.
    case overloaded
    /// The log has been closed.
    case closed
    /// An explicit time earlier than the log's last time, or otherwise unusable.
    case invalidTime(String)
    /// A record or index entry could not be decoded.
    case corrupt(position: UInt64, String)
    /// A request the log cannot accept (for example an empty stream name).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .wrongExpectedVersion(let s, let e, let a): "stream \(s) is at version \(a), expected \(e)"
        case .tagConditionFailed(let t, let p, let l): "tag \(t) has an event at \(l), after \(p)"
        case .commandIdConflict(let id): "command id \(id) was used for a different request"
        case .unavailable(let why): "the store cannot write now: \(why)"
        case .overloaded: "the writer queue is full"
        case .closed: "the log is closed"
        case .invalidTime(let why): why
        case .corrupt(let p, let why): "corrupt log at position \(p): \(why)"
        case .invalidRequest(let why): why
        }
    }
}

/// The version a stream must have for an append to go ahead.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last version must be exactly this (0 is the same as `noStream`).
    case exact(UInt64)

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "0"
        case .exact(let v): String(v)
        }
    }
}
