import StringBytes

/// Little helpers for the binary record: LEB128 varints, length-prefixed strings, big-endian keys.
enum Bytes {
    @inline(__always)
    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// A string: its UTF-8 length, then its bytes. The bytes are read in place: `var copy = s` to
    /// call `withUTF8` retained and released the string, an object the stager made on another core,
    /// for every string of every record the encoder wrote.
    @inline(__always)
    static func appendString(_ s: String, to out: inout [UInt8]) {
        withUTF8(of: s) { u in
            appendVarint(UInt64(u.count), to: &out)
            out.append(contentsOf: u)
        }
    }

    /// ``appendString(_:to:)`` for the string stored at `s`, read in place (see
    /// ``Swift/String/withUTF8(at:_:)``).
    @inline(__always)
    static func appendString(at s: UnsafePointer<String>, to out: inout [UInt8]) {
        String.withUTF8(at: s) { u in
            appendVarint(UInt64(u.count), to: &out)
            out.append(contentsOf: u)
        }
    }

    /// An optional string: length + 1, or 0 for null.
    @inline(__always)
    static func appendOptionalString(_ s: String?, to out: inout [UInt8]) {
        guard let s else {
            out.append(0)
            return
        }
        withUTF8(of: s) { u in
            appendVarint(UInt64(u.count) + 1, to: &out)
            out.append(contentsOf: u)
        }
    }

    /// A string's UTF-8 bytes, in place when it is native (always, on Linux), else from a copy.
    /// (The log's own `String.withUTF8InPlace` of the JSON module, which it does not depend on.)
    @inline(__always)
    static func withUTF8<R>(of s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = s
        return copy.withUTF8(body)
    }

    @inline(__always)
    static func appendBigEndian(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendBigEndian(_ v: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func readBigEndianUInt64(_ b: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        UInt64(bigEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    static func readBigEndianUInt32(_ b: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    static func key(_ v: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8)
        appendBigEndian(v, to: &out)
        return out
    }
}

/// A bounds-checked cursor over record bytes. Every read throws on truncated or malformed input.
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    var remaining: Int { buffer.count - offset }

    @inline(__always)
    mutating func byte() throws(RecordError) -> UInt8 {
        guard offset < buffer.count else { throw RecordError.truncated }
        defer { offset += 1 }
        return buffer[offset]
    }

    @inline(__always)
    mutating func varint() throws(RecordError) -> UInt64 {
        // Most varints of a record (lengths, versions, counts, schema) are one byte; key ids and
        // payload lengths mostly two or three.
        if offset + 2 < buffer.count {
            let b0 = buffer.load(fromByteOffset: offset, as: UInt8.self)
            if b0 < 0x80 {
                offset += 1
                return UInt64(b0)
            }
            let b1 = buffer.load(fromByteOffset: offset + 1, as: UInt8.self)
            if b1 < 0x80 {
                offset += 2
                return UInt64(b0 & 0x7f) | UInt64(b1) << 7
            }
            let b2 = buffer.load(fromByteOffset: offset + 2, as: UInt8.self)
            if b2 < 0x80 {
                offset += 3
                return UInt64(b0 & 0x7f) | UInt64(b1 & 0x7f) << 7 | UInt64(b2) << 14
            }
        } else if offset < buffer.count {
            let b = buffer.load(fromByteOffset: offset, as: UInt8.self)
            if b < 0x80 {
                offset += 1
                return UInt64(b)
            }
        }
        return try longVarint()
    }

    private mutating func longVarint() throws(RecordError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < buffer.count else { throw RecordError.truncated }
            let b = buffer[offset]
            offset += 1
            if shift == 63 && b > 1 { throw RecordError.malformed("varint overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw RecordError.malformed("varint too long") }
        }
    }

    @inline(__always)
    mutating func bytes(_ count: Int) throws(RecordError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw RecordError.truncated }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
    }

    @inline(__always)
    mutating func string() throws(RecordError) -> String {
        let n = try varint()
        guard n <= UInt64(remaining) else { throw RecordError.truncated }
        return try Self.validatedString(try bytes(Int(n)))
    }

    @inline(__always)
    mutating func optionalString() throws(RecordError) -> String? {
        let n = try varint()
        if n == 0 { return nil }
        guard n - 1 <= UInt64(remaining) else { throw RecordError.truncated }
        return try Self.validatedString(try bytes(Int(n - 1)))
    }

    @inline(__always)
    static func isASCII(_ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var bits: UInt64 = 0
        while i + 8 <= b.count {
            bits |= b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count {
            bits |= UInt64(b[i])
            i += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// Skips a length-prefixed string without decoding it.
    @inline(__always)
    mutating func skipString() throws(RecordError) {
        let n = try varint()
        guard n <= UInt64(remaining) else { throw RecordError.truncated }
        offset += Int(n)
    }

    @inline(__always)
    mutating func skipOptionalString() throws(RecordError) {
        let n = try varint()
        if n == 0 { return }
        guard n - 1 <= UInt64(remaining) else { throw RecordError.truncated }
        offset += Int(n - 1)
    }

    @inline(__always)
    static func validatedString(_ b: UnsafeRawBufferPointer) throws(RecordError) -> String {
        // Names and ids are nearly always ASCII: checked eight bytes at a time, then made without
        // the general validator (ASCII is valid UTF-8 as it is).
        if isASCII(b) { return String(decoding: b, as: UTF8.self) }
        guard let s = String(validating: b.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw RecordError.malformed("invalid UTF-8")
        }
        return s
    }
}

/// ``ByteReader``'s reads over a pointer pair, for the hottest decoding loop (``EventRecordView``'s
/// initialiser, once per event of every in-place scan): with the position a pointer in a register
/// instead of an offset into a buffer held in memory, each field costs a few instructions.
/// Every read is bounds-checked and throws on truncated or malformed input, as ByteReader's do.
struct RecordCursor {
    var position: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>

    @inline(__always)
    init(_ start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) {
        position = start
        self.end = end
    }

    @inline(__always)
    var remaining: Int { end - position }

    @inline(__always)
    mutating func byte() throws(RecordError) -> UInt8 {
        guard position < end else { throw RecordError.truncated }
        defer { position += 1 }
        return position.pointee
    }

    @inline(__always)
    mutating func varint() throws(RecordError) -> UInt64 {
        guard end - position >= 10 else { return try slowVarint() }
        // Most of a record's varints are one byte (lengths, counts, versions, the schema).
        let b0 = position.pointee
        if b0 < 0x80 {
            position += 1
            return UInt64(b0)
        }
        // Ten bytes hold any varint: no bounds check per byte. The position stays in a register
        // (no call here takes the cursor by reference).
        var p = position + 1
        var result = UInt64(b0 & 0x7f)
        var shift: UInt64 = 7
        while true {
            let b = p.pointee
            p += 1
            if shift == 63 && b > 1 { throw Self.malformed("varint overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { break }
            shift += 7
            if shift > 63 { throw Self.malformed("varint too long") }
        }
        position = p
        return result
    }

    /// Made out of line: the varint loop is inlined into every field of the hot parser.
    @inline(never)
    private static func malformed(_ why: StaticString) -> RecordError { .malformed(String(describing: why)) }

    /// A varint within ten bytes of the end, through ``ByteReader`` (its checks, its errors).
    @inline(never)
    private mutating func slowVarint() throws(RecordError) -> UInt64 {
        var reader = ByteReader(UnsafeRawBufferPointer(start: position, count: end - position))
        let v = try reader.varint()
        position += reader.offset
        return v
    }

    /// The next `count` bytes.
    @inline(__always)
    mutating func bytes(_ count: UInt64) throws(RecordError) -> UnsafeRawBufferPointer {
        guard count <= UInt64(end - position) else { throw RecordError.truncated }
        defer { position += Int(count) }
        return UnsafeRawBufferPointer(start: position, count: Int(count))
    }

    /// A length-prefixed string's bytes.
    @inline(__always)
    mutating func string() throws(RecordError) -> UnsafeRawBufferPointer {
        try bytes(try varint())
    }

    /// An optional string's bytes (length + 1, or 0 for null).
    @inline(__always)
    mutating func optionalString() throws(RecordError) -> UnsafeRawBufferPointer? {
        let n = try varint()
        if n == 0 { return nil }
        return try bytes(n - 1)
    }
}
