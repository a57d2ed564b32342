/// Reads single values out of a binary JSON payload (layout: ``JSONBinary``) without decoding the rest —
/// for projectors that need one or two fields of an event.
///
/// ```swift
/// let leadId = try payload.withUnsafeBytes { raw in
///     try JSONBinaryReader(raw).member("leadId")?.string()
/// }
/// ```
///
/// A reader is a view: it must not outlive the bytes it was made from. It checks only what it reads —
/// tags, varints and lengths on the way to a member, UTF-8 of a string it returns — so a payload that
/// ``JSONValue/decodeBinary(_:maxDepth:)-(UnsafeRawBufferPointer,_)`` would reject for a reason elsewhere
/// (a duplicate key further on, bad UTF-8 in a skipped string, trailing bytes) can still be read here.
/// Keys are matched by their exact UTF-8 bytes. Error offsets count from the start of the payload.
public struct JSONBinaryReader {
    /// The kinds of JSON value, as read from a tag byte.
    public enum ValueType: Sendable, Hashable {
        case null, bool, number, string, array, object
    }

    let base: UnsafePointer<UInt8>?
    /// Offset of this value's tag; the value runs from here up to at most `end`.
    let start: Int
    let end: Int

    /// A reader for the value at the start of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.init(base: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), start: 0, end: bytes.count)
    }

    init(base: UnsafePointer<UInt8>?, start: Int, end: Int) {
        self.base = base
        self.start = start
        self.end = end
    }

    /// The type of this value, or nil when there is no value here (no bytes, or an unknown tag).
    public var type: ValueType? {
        guard let base, start < end else { return nil }
        switch base[start] {
        case JSONBinary.Tag.null: return .null
        case JSONBinary.Tag.false, JSONBinary.Tag.true: return .bool
        case JSONBinary.Tag.integer, JSONBinary.Tag.numberText: return .number
        case JSONBinary.Tag.string: return .string
        case JSONBinary.Tag.array: return .array
        case JSONBinary.Tag.object: return .object
        default: return nil
        }
    }

    /// The value of the member named `key`, when this value is an object that has one; nil otherwise.
    public func member(_ key: String) throws(JSONBinaryError) -> JSONBinaryReader? {
        let result = key.withUTF8InPlace { utf8 in
            Result { () throws(JSONBinaryError) in try member(utf8: utf8) }
        }
        return try result.get()
    }

    /// The value of the member whose key is exactly these UTF-8 bytes.
    public func member(utf8 key: UnsafeBufferPointer<UInt8>) throws(JSONBinaryError) -> JSONBinaryReader? {
        guard var d = try body(expecting: JSONBinary.Tag.object) else { return nil }
        let count = try d.readCount(bytesPerItem: 2)
        for _ in 0..<count {
            let length = try d.readLength()
            let keyStart = d.i
            d.i += length
            if length == key.count && Self.equal(d.p + keyStart, key.baseAddress, length) {
                return JSONBinaryReader(base: d.p, start: d.i, end: end)
            }
            try d.skipValue()
        }
        return nil
    }

    /// A cursor over the members of this object, in stored order; nil when this value is not an object.
    public func members() throws(JSONBinaryError) -> MemberCursor? {
        guard var d = try body(expecting: JSONBinary.Tag.object) else { return nil }
        let count = try d.readCount(bytesPerItem: 2)
        return MemberCursor(decoder: d, remaining: count)
    }

    /// Walks an object's members one at a time (``members()``), so that a reader looking up several
    /// members can stop at the one it wants and later go on from there.
    public struct MemberCursor {
        var decoder: JSONBinaryDecoder
        var remaining: Int

        /// The next member's key bytes and value, or nil after the last one.
        public mutating func next() throws(JSONBinaryError) -> (key: UnsafeBufferPointer<UInt8>, value: JSONBinaryReader)? {
            guard remaining > 0 else { return nil }
            let length = try decoder.readLength()
            let key = UnsafeBufferPointer(start: decoder.p + decoder.i, count: length)
            decoder.i += length
            let valueStart = decoder.i
            try decoder.skipValue()
            remaining -= 1
            return (key, JSONBinaryReader(base: decoder.p, start: valueStart, end: decoder.i))
        }
    }

    /// The element at `index`, when this value is an array that long; nil otherwise.
    public func element(at index: Int) throws(JSONBinaryError) -> JSONBinaryReader? {
        guard var d = try body(expecting: JSONBinary.Tag.array) else { return nil }
        let count = try d.readCount(bytesPerItem: 1)
        guard index >= 0, index < count else { return nil }
        for _ in 0..<index { try d.skipValue() }
        return JSONBinaryReader(base: d.p, start: d.i, end: end)
    }

    /// The number of elements or members, when this value is an array or an object; nil otherwise.
    public func count() throws(JSONBinaryError) -> Int? {
        let tag = try self.tag()
        guard tag == JSONBinary.Tag.array || tag == JSONBinary.Tag.object, let p = base else { return nil }
        var d = JSONBinaryDecoder(p, start: start + 1, end: end)
        return try d.readCount(bytesPerItem: tag == JSONBinary.Tag.object ? 2 : 1)
    }

    /// The raw UTF-8 bytes of this string, pointing into the payload (not copied, not validated); nil when
    /// this value is not a string.
    public func stringBytes() throws(JSONBinaryError) -> UnsafeRawBufferPointer? {
        guard var d = try body(expecting: JSONBinary.Tag.string) else { return nil }
        let length = try d.readLength()
        return UnsafeRawBufferPointer(start: d.p + d.i, count: length)
    }

    /// This string, UTF-8 validated; nil when this value is not a string.
    public func string() throws(JSONBinaryError) -> String? {
        guard var d = try body(expecting: JSONBinary.Tag.string) else { return nil }
        return try d.readString()
    }

    /// This number as an `Int64`, when it is one (tag 0x03); nil for any other value, including numbers
    /// such as `1.5` or `1e3`.
    public func int64() throws(JSONBinaryError) -> Int64? {
        guard var d = try body(expecting: JSONBinary.Tag.integer) else { return nil }
        return try d.readInteger()
    }

    /// This number's exact JSON text; nil when this value is not a number.
    public func numberText() throws(JSONBinaryError) -> String? {
        let tag = try self.tag()
        guard let p = base else { return nil }
        var d = JSONBinaryDecoder(p, start: start + 1, end: end)
        switch tag {
        case JSONBinary.Tag.integer: return JSONGrammar.decimalText(try d.readInteger())
        case JSONBinary.Tag.numberText: return try d.readNumberText()
        default: return nil
        }
    }

    /// This boolean; nil when this value is not a boolean.
    public func bool() throws(JSONBinaryError) -> Bool? {
        switch try tag() {
        case JSONBinary.Tag.true: return true
        case JSONBinary.Tag.false: return false
        default: return nil
        }
    }

    /// Whether this value is `null`.
    public var isNull: Bool { type == .null }

    /// This value, fully decoded (bytes after it are ignored).
    public func decode() throws(JSONBinaryError) -> JSONValue {
        guard let p = base, start < end else { throw Self.noValue(at: start) }
        return try JSONBinaryDecoder.decoding(p, start: start, end: end, maxDepth: JSONBinary.defaultMaxDepth) {
            (decoder) throws(JSONBinaryError) in try decoder.decodeValue()
        }
    }

    /// Exactly the encoded bytes of this value, pointing into the payload — for copying a member's binary
    /// form elsewhere without decoding it.
    public func encodedBytes() throws(JSONBinaryError) -> UnsafeRawBufferPointer {
        guard let p = base, start < end else { throw Self.noValue(at: start) }
        var d = JSONBinaryDecoder(p, start: start, end: end)
        try d.skipValue()
        return UnsafeRawBufferPointer(start: p + start, count: d.i - start)
    }

    // MARK: Helpers

    /// This value's tag byte, or an error when there is none or it is unknown.
    func tag() throws(JSONBinaryError) -> UInt8 {
        guard let p = base, start < end else { throw Self.noValue(at: start) }
        let tag = p[start]
        guard tag <= JSONBinary.Tag.object else {
            throw JSONBinaryError(
                kind: .unknownTag, offset: start, message: "tag \(JSONGrammar.hex(tag)) is not defined")
        }
        return tag
    }

    /// A decoder placed after the tag when this value has tag `expected`; nil when it has another known tag.
    func body(expecting expected: UInt8) throws(JSONBinaryError) -> JSONBinaryDecoder? {
        guard try tag() == expected, let p = base else { return nil }
        return JSONBinaryDecoder(p, start: start + 1, end: end)
    }

    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard count > 0, let b else { return true }
        for k in 0..<count where a[k] != b[k] { return false }
        return true
    }

    static func noValue(at offset: Int) -> JSONBinaryError {
        JSONBinaryError(kind: .truncated, offset: offset, message: "there is no value here")
    }
}
