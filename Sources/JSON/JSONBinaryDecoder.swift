extension JSONValue {
    /// Decodes exactly one value in Chronicle's binary form (layout: ``JSONBinary``).
    ///
    /// Total on any input: bytes either decode or throw; lengths are checked against the bytes that remain
    /// before anything is allocated, and nesting deeper than `maxDepth` is an error, not a stack overflow.
    public static func decodeBinary(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONBinary.defaultMaxDepth
    ) throws(JSONBinaryError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONBinaryError(kind: .truncated, offset: 0, message: "there are no bytes to decode")
        }
        var decoder = JSONBinaryDecoder(
            base.assumingMemoryBound(to: UInt8.self), start: 0, end: bytes.count, maxDepth: maxDepth)
        let value = try decoder.decodeValue()
        guard decoder.i == bytes.count else {
            throw JSONBinaryError(
                kind: .trailingBytes, offset: decoder.i, message: "\(bytes.count - decoder.i) bytes follow the value")
        }
        return value
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

    init(_ p: UnsafePointer<UInt8>, start: Int, end: Int, maxDepth: Int) {
        self.p = p
        self.i = start
        self.end = end
        self.maxDepth = max(maxDepth, 1)
    }

    // MARK: Decoding

    mutating func decodeValue() throws(JSONBinaryError) -> JSONValue {
        guard i < end else { throw truncated("a tag") }
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
        default: throw unknownTag(at: i - 1)
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
        var keys: [String] = []
        var values: [JSONValue] = []
        keys.reserveCapacity(Swift.min(count, 64))
        values.reserveCapacity(Swift.min(count, 64))
        var seen: Set<String>? = nil
        for m in 0..<count {
            let keyOffset = i
            let key = try readString()
            if m < 16 {
                for k in keys where k == key { throw duplicateKey(at: keyOffset) }
            } else {
                if seen == nil { seen = Set(keys) }
                guard seen!.insert(key).inserted else { throw duplicateKey(at: keyOffset) }
            }
            keys.append(key)
            values.append(try decodeValue())
        }
        return .object(JSONObject(uncheckedKeys: keys, values: values))
    }

    // MARK: Bodies

    mutating func readVarint() throws(JSONBinaryError) -> UInt64 {
        guard i < end else { throw truncated("a varint") }
        var b = p[i]
        i += 1
        if b < 0x80 { return UInt64(b) }
        let start = i - 1
        var result = UInt64(b & 0x7F)
        var shift: UInt64 = 7
        while true {
            guard i < end else { throw truncated("a varint") }
            b = p[i]
            i += 1
            if shift == 63 && b > 1 {
                throw JSONBinaryError(kind: .invalidVarint, offset: start, message: "a varint exceeds 64 bits")
            }
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 {
                guard b != 0 else {
                    throw JSONBinaryError(
                        kind: .nonCanonical, offset: start, message: "a varint is longer than its shortest form")
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
        guard v <= UInt64((end - i) / bytesPerItem) else { throw outOfBounds(at: at) }
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
        let count = try readLength()
        let start = i
        guard JSONGrammar.isNumber(p, from: start, to: start + count) else {
            throw JSONBinaryError(
                kind: .invalidNumber, offset: start, message: "number text is outside the JSON number grammar")
        }
        guard JSONGrammar.canonicalInt64(p + start, count: count) == nil else {
            throw JSONBinaryError(
                kind: .nonCanonical, offset: start, message: "a 64-bit integer is stored as text instead of tag 0x03")
        }
        i += count
        return String(decoding: UnsafeBufferPointer(start: p + start, count: count), as: UTF8.self)
    }

    mutating func readString() throws(JSONBinaryError) -> String {
        let count = try readLength()
        let start = i
        guard let s = JSONGrammar.validatedString(p + start, count: count) else {
            let bad = JSONGrammar.firstInvalidUTF8(p, from: start, to: start + count) ?? start
            throw JSONBinaryError(kind: .invalidUTF8, offset: bad, message: "string bytes are not valid UTF-8")
        }
        i += count
        return s
    }

    // MARK: Skipping (for ``JSONBinaryReader``: structure only, no UTF-8 or duplicate checks)

    mutating func skipValue() throws(JSONBinaryError) {
        guard i < end else { throw truncated("a tag") }
        let tag = p[i]
        i += 1
        switch tag {
        case JSONBinary.Tag.null, JSONBinary.Tag.false, JSONBinary.Tag.true:
            return
        case JSONBinary.Tag.integer:
            _ = try readVarint()
        case JSONBinary.Tag.numberText, JSONBinary.Tag.string:
            i += try readLength()
        case JSONBinary.Tag.array:
            try enterContainer()
            defer { depth -= 1 }
            let count = try readCount(bytesPerItem: 1)
            for _ in 0..<count { try skipValue() }
        case JSONBinary.Tag.object:
            try enterContainer()
            defer { depth -= 1 }
            let count = try readCount(bytesPerItem: 2)
            for _ in 0..<count {
                i += try readLength()
                try skipValue()
            }
        default:
            throw unknownTag(at: i - 1)
        }
    }

    @inline(__always)
    mutating func enterContainer() throws(JSONBinaryError) {
        depth += 1
        guard depth <= maxDepth else {
            throw JSONBinaryError(
                kind: .tooDeep, offset: i - 1, message: "arrays and objects are nested deeper than \(maxDepth) levels")
        }
    }

    // MARK: Errors

    @inline(never)
    func truncated(_ what: StaticString) -> JSONBinaryError {
        JSONBinaryError(kind: .truncated, offset: end, message: "the bytes end where \(what) was expected")
    }

    @inline(never)
    func unknownTag(at k: Int) -> JSONBinaryError {
        JSONBinaryError(kind: .unknownTag, offset: k, message: "tag \(JSONGrammar.hex(p[k])) is not defined")
    }

    @inline(never)
    func outOfBounds(at k: Int) -> JSONBinaryError {
        JSONBinaryError(kind: .lengthOutOfBounds, offset: k, message: "a length or count exceeds the remaining bytes")
    }

    @inline(never)
    func duplicateKey(at k: Int) -> JSONBinaryError {
        JSONBinaryError(kind: .duplicateKey, offset: k, message: "a key appears twice in one object")
    }
}
