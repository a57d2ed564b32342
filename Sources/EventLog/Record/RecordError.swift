/// A stored record that cannot be decoded: the log was damaged or written by a newer format.
public enum RecordError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated
    case unsupportedFormat(UInt8)
    case malformed(String)

    public var description: String {
        switch self {
        case .truncated: "event record is truncated"
        case .unsupportedFormat(let f): "event record format \(f) is not supported by this build"
        case .malformed(let why): "event record is malformed: \(why)"
        }
    }
}
