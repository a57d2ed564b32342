/// A strict RFC 8259 parser over bytes, written for the request path: one pass, no Foundation, numbers kept as
/// their exact text. Use it through ``JSONValue/parse(_:limits:)-(UnsafeRawBufferPointer,_)``.
///
/// Beyond the grammar it rejects what a request must not smuggle: invalid UTF-8, lone surrogates, raw control
/// characters and duplicate keys. Nesting is bounded by ``Limits/maxDepth``, so hostile input gets an error,
/// never a stack overflow. How many bytes to accept at all is the caller's decision (the line limit).
public struct JSONParser {
    /// Bounds on what the parser accepts.
    public struct Limits: Sendable, Hashable {
        /// The deepest nesting of arrays and objects accepted (a top-level `[]` is depth 1). Values are
        /// clamped to `1...maximumDepthCeiling` because the parser recurses once per level.
        public var maxDepth: Int

        public init(maxDepth: Int = 64) { self.maxDepth = maxDepth }

        /// 64 levels: far more than any Chronicle request needs.
        public static let `default` = Limits()
        /// The largest ``maxDepth`` honoured (recursion stays well inside a 512 KiB thread stack).
        public static let maximumDepthCeiling = 1024
    }

    let p: UnsafePointer<UInt8>
    let end: Int
    var i = 0
    let maxDepth: Int
    var depth = 0
    /// Fingerprints of the keys of the objects being parsed, innermost last, for the duplicate-key check.
    var fingerprints: [JSONKeyFingerprint] = []
    /// Whether the last string parsed was ASCII without escapes, so its input bytes are its UTF-8.
    var lastStringIsPlainASCII = false
    /// Decoded bytes of a string with escapes.
    var scratch: [UInt8] = []

    init(_ p: UnsafePointer<UInt8>, count: Int, limits: Limits) {
        self.p = p
        self.end = count
        self.maxDepth = min(max(limits.maxDepth, 1), Limits.maximumDepthCeiling)
    }

    /// Exactly one value, with optional whitespace around it.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard i < end else { throw JSONParseError(kind: .emptyInput, offset: i, message: "there is no JSON value") }
        let value = try parseValue()
        skipWhitespace()
        guard i == end else {
            throw fail(.trailingData, i, "unexpected \(JSONParseError.show(p[i])) after the JSON value")
        }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard i < end else { throw endOfInput("a value") }
        switch p[i] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral(0x74, 0x72, 0x75, 0x65, "true")
            return .bool(true)
        case UInt8(ascii: "n"):
            try expectLiteral(0x6E, 0x75, 0x6C, 0x6C, "null")
            return .null
        case UInt8(ascii: "f"):
            guard end - i >= 5, p[i + 4] == UInt8(ascii: "e") else { throw badLiteral("false") }
            try expectLiteral(0x66, 0x61, 0x6C, 0x73, "false")
            i += 1
            return .bool(false)
        default:
            throw fail(.unexpectedCharacter, i, "expected a value, found \(JSONParseError.show(p[i]))")
        }
    }

    @inline(__always)
    mutating func expectLiteral(
        _ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ name: StaticString
    ) throws(JSONParseError) {
        guard end - i >= 4, p[i] == b0, p[i + 1] == b1, p[i + 2] == b2, p[i + 3] == b3 else {
            throw badLiteral(name)
        }
        i += 4
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        switch JSONGrammar.scanNumber(p, from: start, to: end) {
        case .end(let after): i = after
        case .invalid(let offset, let reason): throw fail(.invalidNumber, offset, "\(reason)")
        }
        return JSONNumber(unchecked: String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self))
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        i += 1
        skipWhitespace()
        if i < end && p[i] == UInt8(ascii: "]") {
            i += 1
            return .array([])
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(4)
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard i < end else { throw endOfInput("',' or ']'") }
            let b = p[i]
            i += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw fail(.unexpectedCharacter, i - 1, "expected ',' or ']' in an array, found \(JSONParseError.show(b))")
        }
        return .array(elements)
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        i += 1
        skipWhitespace()
        if i < end && p[i] == UInt8(ascii: "}") {
            i += 1
            return .object(JSONObject())
        }
        var keys: [String] = []
        var values: [JSONValue] = []
        keys.reserveCapacity(8)
        values.reserveCapacity(8)
        // Small objects compare each key with the earlier ones (by fingerprint where possible); a big one
        // switches to a set, so 100,000 keys stay linear time.
        let firstFingerprint = fingerprints.count
        defer { fingerprints.removeLast(fingerprints.count - firstFingerprint) }
        var seen: Set<String>? = nil
        while true {
            guard i < end else { throw endOfInput("a member name") }
            guard p[i] == UInt8(ascii: "\"") else {
                throw fail(
                    .unexpectedCharacter, i, "expected a quoted member name, found \(JSONParseError.show(p[i]))")
            }
            let keyOffset = i
            let key = try parseString()
            if keys.count < 16 {
                let fingerprint =
                    lastStringIsPlainASCII ? JSONKeyFingerprint(ascii: p + keyOffset + 1, count: i - keyOffset - 2) : .none
                for k in keys.indices {
                    if JSONKeyFingerprint.sameKey(fingerprint, fingerprints[firstFingerprint + k]) ?? (keys[k] == key) {
                        throw fail(.duplicateKey, keyOffset, "this member name already appeared in the object")
                    }
                }
                fingerprints.append(fingerprint)
            } else {
                if seen == nil { seen = Set(keys) }
                guard seen!.insert(key).inserted else {
                    throw fail(.duplicateKey, keyOffset, "this member name already appeared in the object")
                }
            }
            keys.append(key)
            skipWhitespace()
            guard i < end else { throw endOfInput("':'") }
            guard p[i] == UInt8(ascii: ":") else {
                throw fail(.unexpectedCharacter, i, "expected ':' after a member name, found \(JSONParseError.show(p[i]))")
            }
            i += 1
            values.append(try parseValue())
            skipWhitespace()
            guard i < end else { throw endOfInput("',' or '}'") }
            let b = p[i]
            i += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "}") { break }
            throw fail(.unexpectedCharacter, i - 1, "expected ',' or '}' in an object, found \(JSONParseError.show(b))")
        }
        return .object(JSONObject(uncheckedKeys: keys, values: values))
    }

    @inline(__always)
    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else {
            throw fail(.tooDeep, i, "arrays and objects are nested deeper than \(maxDepth) levels")
        }
    }

    // MARK: Errors (kept out of line so the hot paths stay small)

    @inline(never)
    func fail(_ kind: JSONParseError.Kind, _ offset: Int, _ message: String) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset, message: message)
    }

    @inline(never)
    func endOfInput(_ expected: String) -> JSONParseError {
        JSONParseError(kind: .unexpectedEndOfInput, offset: end, message: "the input ended where \(expected) was expected")
    }

    @inline(never)
    func badLiteral(_ name: StaticString) -> JSONParseError {
        JSONParseError(kind: .invalidLiteral, offset: i, message: "expected the literal \(name)")
    }
}
