/// Why a byte sequence is not one RFC 8259 JSON text, and the byte offset where the parser noticed.
///
/// The message names at most one input byte (as `'x'` or `0x..`), never the input text, so an error can be
/// logged without leaking what a client sent.
///
/// ```swift
/// do { _ = try JSONValue.parse(#"{"a":1,"a":2}"#) }
/// catch JSONParseError.Kind.duplicateKey { /* reject the request */ }
/// ```
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. An open set: new kinds may be added, so switch with a `default`.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input holds no value at all (nothing, or only whitespace).
        public static let emptyInput = Kind(rawValue: "emptyInput")
        /// The input ends inside a value (an unterminated string, array or object, a missing value).
        public static let unexpectedEndOfInput = Kind(rawValue: "unexpectedEndOfInput")
        /// A byte that cannot appear here (a missing `,` or `:`, an unquoted key, a stray character).
        public static let unexpectedCharacter = Kind(rawValue: "unexpectedCharacter")
        /// Something that starts like `true`, `false` or `null` but is not.
        public static let invalidLiteral = Kind(rawValue: "invalidLiteral")
        /// A number outside the JSON grammar (`01`, `1.`, `-`, `1e`).
        public static let invalidNumber = Kind(rawValue: "invalidNumber")
        /// An unknown escape (`\x`) or a `\u` without four hexadecimal digits.
        public static let invalidEscape = Kind(rawValue: "invalidEscape")
        /// A `\u` escape of a UTF-16 surrogate without its partner.
        public static let loneSurrogate = Kind(rawValue: "loneSurrogate")
        /// Bytes in a string that are not well-formed UTF-8 (overlong, surrogate, truncated, stray).
        public static let invalidUTF8 = Kind(rawValue: "invalidUTF8")
        /// A raw control character (below 0x20) inside a string; it must be escaped.
        public static let controlCharacterInString = Kind(rawValue: "controlCharacterInString")
        /// The same key twice in one object (compared as Swift strings, so canonically equivalent keys clash).
        public static let duplicateKey = Kind(rawValue: "duplicateKey")
        /// Arrays and objects nested deeper than ``JSONParser/Limits/maxDepth``.
        public static let tooDeep = Kind(rawValue: "tooDeep")
        /// Anything but whitespace after the value.
        public static let trailingData = Kind(rawValue: "trailingData")

        /// Lets `catch JSONParseError.Kind.duplicateKey` match a thrown ``JSONParseError``.
        public static func ~= (pattern: Kind, value: any Error) -> Bool {
            (value as? JSONParseError)?.kind == pattern
        }
    }

    private let storage: ErrorFields<Kind>

    /// What went wrong.
    public var kind: Kind { storage.kind }
    /// Offset of the offending byte from the start of the input (the input's length when it ended early).
    public var offset: Int { storage.offset }
    /// A sentence for humans; it quotes at most one byte of the input.
    public var message: String { storage.message }

    public init(kind: Kind, offset: Int, message: String) {
        storage = ErrorFields(kind: kind, offset: offset, message: message)
    }

    public var description: String { "invalid JSON (\(kind)) at byte \(offset): \(message)" }
}

extension JSONParseError {
    /// How one input byte is shown in a message: `'x'` when printable ASCII, else `0xNN`.
    static func show(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(hex)" : "0x\(hex)"
    }
}
