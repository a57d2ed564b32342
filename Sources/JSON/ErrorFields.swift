/// The three fields of ``JSONParseError`` and ``JSONBinaryError`` behind one reference: with typed throws
/// every call site in the recursive parser and decoder reserves stack for the error value, and a 40-byte
/// error made their frames several times bigger.
final class ErrorFields<Kind: Hashable & Sendable>: Sendable, Hashable {
    let kind: Kind
    let offset: Int
    let message: String

    init(kind: Kind, offset: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    static func == (a: ErrorFields, b: ErrorFields) -> Bool {
        a.kind == b.kind && a.offset == b.offset && a.message == b.message
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(offset)
        hasher.combine(message)
    }
}
