extension JSONValue {
    /// Decodes exactly one value in Chronicle's binary form (layout: ``JSONBinary``).
    ///
    /// Total on any input: bytes either decode or throw; lengths are checked against the bytes that remain
    /// before anything is allocated, and nesting deeper than `maxDepth` is an error, not a stack overflow.
    /// `maxDepth` is clamped to `1...JSONParser.Limits.maximumDepthCeiling` (the decoder recurses per level).
    public static func decodeBinary(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONBinary.defaultMaxDepth
    ) throws(JSONBinaryError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONBinaryError(kind: .truncated, offset: 0, message: "there are no bytes to decode")
        }
        return try JSONBinaryDecoder.decoding(
            base.assumingMemoryBound(to: UInt8.self), start: 0, end: bytes.count, maxDepth: maxDepth
        ) { (decoder) throws(JSONBinaryError) in
            let value = try decoder.decodeValue()
            guard decoder.i == bytes.count else {
                throw JSONBinaryError(
                    kind: .trailingBytes, offset: decoder.i,
                    message: "\(bytes.count - decoder.i) bytes follow the value")
            }
            return value
        }
    }

    /// Decodes exactly one value in Chronicle's binary form; see ``decodeBinary(_:maxDepth:)-(UnsafeRawBufferPointer,_)``.
    public static func decodeBinary(
        _ bytes: [UInt8], maxDepth: Int = JSONBinary.defaultMaxDepth
    ) throws(JSONBinaryError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONBinaryError) in try decodeBinary(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }
}

/// A cursor over binary JSON, shared by ``JSONValue/decodeBinary(_:maxDepth:)-(UnsafeRawBufferPointer,_)`` and
/// ``JSONBinaryReader``. Offsets in errors are relative to `p`.
struct JSONBinaryDecoder {
    let p: UnsafePointer<UInt8>
    let end: Int
    var i: Int
    let maxDepth: Int
    var depth = 0
    /// Fingerprints of the keys of the objects being decoded, innermost last, for the duplicate-key check;
    /// memory lent for the whole decode (see ``decoding(_:start:end:maxDepth:_:)``), so recursion frames stay
    /// small. Without it (a reader that only skips), or when it is full, objects check keys with a `Set`.
    let fingerprints: UnsafeMutablePointer<JSONKeyFingerprint>?
    var fingerprintCount = 0
    static let fingerprintCapacity = 32

    init(
        _ p: UnsafePointer<UInt8>, start: Int, end: Int, maxDepth: Int = JSONBinary.defaultMaxDepth,
        fingerprints: UnsafeMutablePointer<JSONKeyFingerprint>? = nil
    ) {
        self.p = p
        self.i = start
        self.end = end
        self.maxDepth = min(max(maxDepth, 1), JSONParser.Limits.maximumDepthCeiling)
        self.fingerprints = fingerprints
    }

    /// Runs `body` with a decoder that has fingerprint memory on the stack.
    static func decoding<R>(
        _ p: UnsafePointer<UInt8>, start: Int, end: Int, maxDepth: Int,
        _ body: (inout JSONBinaryDecoder) throws(JSONBinaryError) -> R
    ) throws(JSONBinaryError) -> R {
        try withUnsafeTemporaryAllocation(of: JSONKeyFingerprint.self, capacity: fingerprintCapacity) {
            (fingerprints) throws(JSONBinaryError) in
            var decoder = JSONBinaryDecoder(
                p, start: start, end: end, maxDepth: maxDepth, fingerprints: fingerprints.baseAddress)
            return try body(&decoder)
        }
    }

    // MARK: Decoding

    mutating func decodeValue() throws(JSONBinaryError) -> JSONValue {
        guard i < end else { throw Self.truncated(at: end, "a tag") }
        let tag = p[i]
        i += 1
        switch tag {
        case JSONBinary.Tag.null: return .null
        case JSONBinary.Tag.false: return .bool(false)
        case JSONBinary.Tag.true: return .bool(true)
        case JSONBinary.Tag.integer: return .number(JSONNumber(unchecked: JSONGrammar.decimalText(try readInteger())))
        case JSONBinary.Tag.numberText: return .number(JSONNumber(unchecked: try readNumberText()))
        case JSONBinary.Tag.string: return .string(try readString())
        case JSONBinary.Tag.array: return try decodeArray()
        case JSONBinary.Tag.object: return try decodeObject()
        default: throw Self.unknownTag(at: i - 1, p[i - 1])
        }
    }

    mutating func decodeArray() throws(JSONBinaryError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        let count = try readCount(bytesPerItem: 1)
        var elements: [JSONValue] = []
        // A count is only a claim: reserve a bounded amount and let real elements grow the array.
        elements.reserveCapacity(Swift.min(count, 64))
        for _ in 0..<count { elements.append(try decodeValue()) }
        return .array(elements)
    }

    mutating func decodeObject() throws(JSONBinaryError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        let count = try readCount(bytesPerItem: 2)
        var members: [JSONObject.Element] = []
        members.reserveCapacity(Swift.min(count, 64))
        if count <= 16, let fingerprints, fingerprintCount + count <= Self.fingerprintCapacity {
            // Small objects compare each key with the earlier ones, by fingerprint where possible.
            let first = fingerprintCount
            defer { fingerprintCount = first }
            for m in 0..<count {
                let keyOffset = i
                let (key, fingerprint) = try readKey()
                for k in 0..<m {
                    if JSONKeyFingerprint.sameKey(fingerprint, fingerprints[first + k]) ?? (members[k].key == key) {
                        throw Self.duplicateKey(at: keyOffset)
                    }
                }
                (fingerprints + first + m).initialize(to: fingerprint)
                fingerprintCount += 1
                members.append((key, try decodeValue()))
            }
        } else {
            var seen = Set<String>(minimumCapacity: Swift.min(count, 64))
            for _ in 0..<count {
                let keyOffset = i
                let (key, _) = try readKey()
                guard seen.insert(key).inserted else { throw Self.duplicateKey(at: keyOffset) }
                members.append((key, try decodeValue()))
            }
        }
        return .object(JSONObject(uncheckedMembers: members))
    }

    // MARK: Bodies

    @inline(__always)
    mutating func readVarint() throws(JSONBinaryError) -> UInt64 {
        if i < end && p[i] < 0x80 {
            i += 1
            return UInt64(p[i - 1])
        }
        return try readLongVarint()
    }

    /// A varint of two bytes or more (or none at all).
    mutating func readLongVarint() throws(JSONBinaryError) -> UInt64 {
        guard i < end else { throw Self.truncated(at: end, "a varint") }
        let start = i
        var result = UInt64(p[i] & 0x7F)
        i += 1
        var shift: UInt64 = 7
        while true {
            guard i < end else { throw Self.truncated(at: end, "a varint") }
            let b = p[i]
            i += 1
            if shift == 63 && b > 1 {
                throw Self.failure(.invalidVarint, at: start, "a varint exceeds 64 bits")
            }
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 {
                guard b != 0 else {
                    throw Self.failure(.nonCanonical, at: start, "a varint is longer than its shortest form")
                }
                return result
            }
            shift += 7
        }
    }

    /// A count of items that each take at least `bytesPerItem` bytes, checked against what remains.
    @inline(__always)
    mutating func readCount(bytesPerItem: Int) throws(JSONBinaryError) -> Int {
        let at = i
        let v = try readVarint()
        guard v <= UInt64((end - i) / bytesPerItem) else { throw Self.outOfBounds(at: at) }
        return Int(v)
    }

    /// A byte length, checked against what remains.
    @inline(__always)
    mutating func readLength() throws(JSONBinaryError) -> Int {
        try readCount(bytesPerItem: 1)
    }

    @inline(__always)
    mutating func readInteger() throws(JSONBinaryError) -> Int64 {
        let z = try readVarint()
        return Int64(bitPattern: (z &>> 1) ^ (0 &- (z & 1)))
    }

    mutating func readNumberText() throws(JSONBinaryError) -> String {
        let bytes = try readNumberBytes()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of a tag 0x04 number, checked as ``readNumberText()`` checks it, pointing into the payload.
    @inline(__always)
    mutating func readNumberBytes() throws(JSONBinaryError) -> UnsafeBufferPointer<UInt8> {
        let count = try readLength()
        let start = i
        guard JSONGrammar.isNumber(p, from: start, to: start + count) else {
            throw Self.failure(.invalidNumber, at: start, "number text is outside the JSON number grammar")
        }
        guard JSONGrammar.canonicalInt64(p + start, count: count) == nil else {
            throw Self.failure(.nonCanonical, at: start, "a 64-bit integer is stored as text instead of tag 0x03")
        }
        i += count
        return UnsafeBufferPointer(start: p + start, count: count)
    }

    mutating func readString() throws(JSONBinaryError) -> String {
        try readKey().string
    }

    /// A string, and its fingerprint when it is ASCII (for the duplicate-key check).
    @inline(__always)
    mutating func readKey() throws(JSONBinaryError) -> (string: String, fingerprint: JSONKeyFingerprint) {
        let (utf8, ascii) = try readUTF8()
        let string = JSONGrammar.string(validUTF8: utf8.baseAddress ?? p, count: utf8.count, isASCII: ascii)
        return (string, ascii ? JSONKeyFingerprint(ascii: utf8.baseAddress ?? p, count: utf8.count) : .none)
    }

    /// A string's bytes, checked to be UTF-8, pointing into the payload; and whether they are all ASCII.
    @inline(__always)
    mutating func readUTF8() throws(JSONBinaryError) -> (utf8: UnsafeBufferPointer<UInt8>, isASCII: Bool) {
        let count = try readLength()
        let start = i
        let ascii = JSONGrammar.isASCII(p + start, count: count)
        if !ascii, let bad = JSONGrammar.firstInvalidUTF8(p, from: start, to: start + count) {
            throw Self.failure(.invalidUTF8, at: bad, "string bytes are not valid UTF-8")
        }
        i += count
        return (UnsafeBufferPointer(start: p + start, count: count), ascii)
    }

    // MARK: Skipping (for ``JSONBinaryReader``: structure only, no UTF-8 or duplicate checks)

    @inline(__always)
    mutating func skipValue() throws(JSONBinaryError) {
        guard i < end else { throw Self.truncated(at: end, "a tag") }
        switch p[i] {
        case JSONBinary.Tag.null, JSONBinary.Tag.false, JSONBinary.Tag.true:
            i += 1
        case JSONBinary.Tag.integer:
            i += 1
            _ = try readVarint()
        case JSONBinary.Tag.numberText, JSONBinary.Tag.string:
            i += 1
            i += try readLength()
        default:
            try skipContainer()
        }
    }

    /// Skips an array or an object (or throws for an unknown tag).
    mutating func skipContainer() throws(JSONBinaryError) {
        let tag = p[i]
        i += 1
        switch tag {
        case JSONBinary.Tag.array:
            try enterContainer()
            defer { depth -= 1 }
            let count = try readCount(bytesPerItem: 1)
            for _ in 0..<count { try skipElement() }
        case JSONBinary.Tag.object:
            try enterContainer()
            defer { depth -= 1 }
            let count = try readCount(bytesPerItem: 2)
            for _ in 0..<count {
                i += try readLength()
                try skipElement()
            }
        default:
            throw Self.unknownTag(at: i - 1, p[i - 1])
        }
    }

    /// ``skipValue()`` kept out of line, so the recursion through containers has small frames.
    @inline(never)
    mutating func skipElement() throws(JSONBinaryError) {
        try skipValue()
    }

    @inline(__always)
    mutating func enterContainer() throws(JSONBinaryError) {
        depth += 1
        guard depth <= maxDepth else {
            throw Self.tooDeep(at: i - 1, limit: maxDepth)
        }
    }

    // MARK: Errors
    // Static and out of line: a method would copy the decoder into every throwing frame.

    @inline(never)
    static func truncated(at end: Int, _ what: StaticString) -> JSONBinaryError {
        JSONBinaryError(kind: .truncated, offset: end, message: "the bytes end where \(what) was expected")
    }

    @inline(never)
    static func unknownTag(at offset: Int, _ tag: UInt8) -> JSONBinaryError {
        JSONBinaryError(kind: .unknownTag, offset: offset, message: "tag \(JSONGrammar.hex(tag)) is not defined")
    }

    @inline(never)
    static func outOfBounds(at offset: Int) -> JSONBinaryError {
        JSONBinaryError(
            kind: .lengthOutOfBounds, offset: offset, message: "a length or count exceeds the remaining bytes")
    }

    @inline(never)
    static func tooDeep(at offset: Int, limit: Int) -> JSONBinaryError {
        JSONBinaryError(
            kind: .tooDeep, offset: offset, message: "arrays and objects are nested deeper than \(limit) levels")
    }

    @inline(never)
    static func duplicateKey(at offset: Int) -> JSONBinaryError {
        JSONBinaryError(kind: .duplicateKey, offset: offset, message: "a key appears twice in one object")
    }

    @inline(never)
    static func failure(_ kind: JSONBinaryError.Kind, at offset: Int, _ message: StaticString) -> JSONBinaryError {
        JSONBinaryError(kind: kind, offset: offset, message: "\(message)")
    }
}
