/// Why bytes are not one value in Chronicle's binary JSON form (see ``JSONBinary``), and where.
public struct JSONBinaryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. An open set: new kinds may be added, so switch with a `default`.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes end inside a value.
        public static let truncated = Kind(rawValue: "truncated")
        /// A tag byte outside 0x00–0x07.
        public static let unknownTag = Kind(rawValue: "unknownTag")
        /// A varint longer than ten bytes or above 2^64 − 1.
        public static let invalidVarint = Kind(rawValue: "invalidVarint")
        /// A valid value written in a form the encoder never produces: a varint with redundant bytes, or an
        /// integer stored as text. Rejecting these keeps one byte string per value.
        public static let nonCanonical = Kind(rawValue: "nonCanonical")
        /// A length or count larger than the bytes that remain could hold.
        public static let lengthOutOfBounds = Kind(rawValue: "lengthOutOfBounds")
        /// String or key bytes that are not well-formed UTF-8.
        public static let invalidUTF8 = Kind(rawValue: "invalidUTF8")
        /// Number text outside the JSON number grammar.
        public static let invalidNumber = Kind(rawValue: "invalidNumber")
        /// The same key twice in one object.
        public static let duplicateKey = Kind(rawValue: "duplicateKey")
        /// Arrays and objects nested deeper than the decoder's limit.
        public static let tooDeep = Kind(rawValue: "tooDeep")
        /// Bytes left over after the value.
        public static let trailingBytes = Kind(rawValue: "trailingBytes")

        /// Lets `catch JSONBinaryError.Kind.truncated` match a thrown ``JSONBinaryError``.
        public static func ~= (pattern: Kind, value: any Error) -> Bool {
            (value as? JSONBinaryError)?.kind == pattern
        }
    }

    private let storage: ErrorFields<Kind>

    /// What went wrong.
    public var kind: Kind { storage.kind }
    /// Offset of the offending byte from the start of the input (the input's length when it ended early).
    public var offset: Int { storage.offset }
    /// A sentence for humans; it never quotes the payload.
    public var message: String { storage.message }

    public init(kind: Kind, offset: Int, message: String) {
        storage = ErrorFields(kind: kind, offset: offset, message: message)
    }

    public var description: String { "invalid binary JSON (\(kind)) at byte \(offset): \(message)" }
}
