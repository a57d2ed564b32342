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
        /// The largest ``maxDepth`` honoured. Measured: parsing, writing, encoding, decoding and destroying a
        /// value nested this deep needs under 192 KiB of stack in a release build (512 KiB is the smallest
        /// default thread stack among server platforms).
        public static let maximumDepthCeiling = 1024
    }

    let p: UnsafePointer<UInt8>
    let end: Int
    var i = 0
    let maxDepth: Int
    var depth = 0
    /// Fingerprints of the keys of the objects being parsed, innermost last, for the duplicate-key check.
    /// The memory is lent by the caller for the whole parse, so recursion frames stay small and no parse
    /// allocates for it; an object whose keys do not fit switches to a `Set`.
    let fingerprints: UnsafeMutablePointer<JSONKeyFingerprint>
    var fingerprintCount = 0
    static let fingerprintCapacity = 32
    /// Whether the last string parsed was ASCII without escapes, so its input bytes are its UTF-8.
    var lastStringIsPlainASCII = false
    /// Decoded bytes of a string with escapes.
    var scratch: [UInt8] = []

    /// Parses exactly one value from `count` bytes at `p`.
    static func parse(_ p: UnsafePointer<UInt8>, count: Int, limits: Limits) throws(JSONParseError) -> JSONValue {
        try withUnsafeTemporaryAllocation(of: JSONKeyFingerprint.self, capacity: fingerprintCapacity) {
            (fingerprints) throws(JSONParseError) in
            var parser = JSONParser(p, count: count, limits: limits, fingerprints: fingerprints.baseAddress!)
            return try parser.parseDocument()
        }
    }

    private init(
        _ p: UnsafePointer<UInt8>, count: Int, limits: Limits, fingerprints: UnsafeMutablePointer<JSONKeyFingerprint>
    ) {
        self.p = p
        self.end = count
        self.maxDepth = min(max(limits.maxDepth, 1), Limits.maximumDepthCeiling)
        self.fingerprints = fingerprints
    }

    /// Exactly one value, with optional whitespace around it.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard i < end else { throw JSONParseError(kind: .emptyInput, offset: i, message: "there is no JSON value") }
        let value = try parseValue()
        skipWhitespace()
        guard i == end else {
            throw Self.unexpected(.trailingData, at: i, found: p[i], expected: "the end of the input")
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
        guard i < end else { throw Self.endOfInput(at: end, expected: "a value") }
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
            guard end - i >= 5, p[i + 4] == UInt8(ascii: "e") else { throw Self.badLiteral(at: i, "false") }
            try expectLiteral(0x66, 0x61, 0x6C, 0x73, "false")
            i += 1
            return .bool(false)
        default:
            throw Self.unexpected(.unexpectedCharacter, at: i, found: p[i], expected: "a value")
        }
    }

    @inline(__always)
    mutating func expectLiteral(
        _ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ name: StaticString
    ) throws(JSONParseError) {
        guard end - i >= 4, p[i] == b0, p[i + 1] == b1, p[i + 2] == b2, p[i + 3] == b3 else {
            throw Self.badLiteral(at: i, name)
        }
        i += 4
    }

    @inline(never)
    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        switch JSONGrammar.scanNumber(p, from: start, to: end) {
        case .end(let after): i = after
        case .invalid(let offset, let reason): throw Self.invalidNumber(at: offset, reason)
        }
        return JSONNumber(
            unchecked: String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self))
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
            guard i < end else { throw Self.endOfInput(at: end, expected: "',' or ']'") }
            let b = p[i]
            i += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw Self.unexpected(.unexpectedCharacter, at: i - 1, found: p[i - 1], expected: "',' or ']' in an array")
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
        var members: [JSONObject.Element] = []
        members.reserveCapacity(8)
        // Up to 16 keys are compared with the earlier ones, by fingerprint where possible; past that (or when
        // the fingerprint memory is used up by the enclosing objects) a set keeps 100,000 keys linear time.
        let firstFingerprint = fingerprintCount
        defer { fingerprintCount = firstFingerprint }
        var seen: Set<String>? = nil
        while true {
            guard i < end else { throw Self.endOfInput(at: end, expected: "a member name") }
            guard p[i] == UInt8(ascii: "\"") else {
                throw Self.unexpected(.unexpectedCharacter, at: i, found: p[i], expected: "a quoted member name")
            }
            let keyOffset = i
            let key = try parseString()
            if seen == nil && members.count < 16 && fingerprintCount < Self.fingerprintCapacity {
                let fingerprint =
                    lastStringIsPlainASCII
                    ? JSONKeyFingerprint(ascii: p + keyOffset + 1, count: i - keyOffset - 2) : .none
                for k in members.indices {
                    if JSONKeyFingerprint.sameKey(fingerprint, fingerprints[firstFingerprint + k]) ?? (members[k].key == key) {
                        throw Self.duplicateKey(at: keyOffset)
                    }
                }
                (fingerprints + fingerprintCount).initialize(to: fingerprint)
                fingerprintCount += 1
            } else if !Self.insert(key, into: &seen, startingWith: members) {
                throw Self.duplicateKey(at: keyOffset)
            }
            skipWhitespace()
            guard i < end else { throw Self.endOfInput(at: end, expected: "':'") }
            guard p[i] == UInt8(ascii: ":") else {
                throw Self.unexpected(.unexpectedCharacter, at: i, found: p[i], expected: "':' after a member name")
            }
            i += 1
            members.append((key, try parseValue()))
            skipWhitespace()
            guard i < end else { throw Self.endOfInput(at: end, expected: "',' or '}'") }
            let b = p[i]
            i += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "}") { break }
            throw Self.unexpected(.unexpectedCharacter, at: i - 1, found: p[i - 1], expected: "',' or '}' in an object")
        }
        return .object(JSONObject(uncheckedMembers: members))
    }

    /// Adds `key` to the set of an object's keys (made from `members` on first use); false when it was there.
    @inline(never)
    static func insert(_ key: String, into seen: inout Set<String>?, startingWith members: [JSONObject.Element]) -> Bool {
        if seen == nil { seen = Set(members.lazy.map(\.key)) }
        return seen!.insert(key).inserted
    }

    @inline(__always)
    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw Self.tooDeep(at: i, limit: maxDepth) }
    }

    // MARK: Errors
    // Static and out of line: a method would copy the parser into every throwing frame, and the message
    // would be built there; both made the recursion's frames several times bigger.

    @inline(never)
    static func unexpected(
        _ kind: JSONParseError.Kind, at offset: Int, found byte: UInt8, expected: StaticString
    ) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset, message: "expected \(expected), found \(JSONParseError.show(byte))")
    }

    @inline(never)
    static func endOfInput(at end: Int, expected: StaticString) -> JSONParseError {
        JSONParseError(
            kind: .unexpectedEndOfInput, offset: end, message: "the input ended where \(expected) was expected")
    }

    @inline(never)
    static func badLiteral(at offset: Int, _ name: StaticString) -> JSONParseError {
        JSONParseError(kind: .invalidLiteral, offset: offset, message: "expected the literal \(name)")
    }

    @inline(never)
    static func invalidNumber(at offset: Int, _ reason: StaticString) -> JSONParseError {
        JSONParseError(kind: .invalidNumber, offset: offset, message: "\(reason)")
    }

    @inline(never)
    static func duplicateKey(at offset: Int) -> JSONParseError {
        JSONParseError(kind: .duplicateKey, offset: offset, message: "this member name already appeared in the object")
    }

    @inline(never)
    static func tooDeep(at offset: Int, limit: Int) -> JSONParseError {
        JSONParseError(
            kind: .tooDeep, offset: offset, message: "arrays and objects are nested deeper than \(limit) levels")
    }
}
