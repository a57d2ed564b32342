import JSON

/// The compact binary form of view records: LEB128 varints, zig-zag signed integers, length-prefixed
/// UTF-8 strings, and optional strings as (length + 1) with 0 for nil. Views own their record
/// layouts; these two types are the only encoding they share.
public struct RecordWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always)
    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    public mutating func int(_ value: Int64) { varint(UInt64(bitPattern: (value &<< 1) ^ (value &>> 63))) }

    @inline(__always)
    public mutating func int(_ value: Int) { int(Int64(value)) }

    @inline(__always)
    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func string(_ s: String) {
        s.withUTF8InPlace { u in
            varint(UInt64(u.count))
            bytes.append(contentsOf: u)
        }
    }

    public mutating func optionalString(_ s: String?) {
        guard let s else {
            bytes.append(0)
            return
        }
        s.withUTF8InPlace { u in
            varint(UInt64(u.count) + 1)
            bytes.append(contentsOf: u)
        }
    }

    /// Big-endian, fixed 8 bytes (for keys and values that must sort by number).
    public mutating func bigEndian(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func raw(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}

/// Reads what a ``RecordWriter`` wrote. Every read throws ``RecordDecodingError`` on malformed bytes.
public struct RecordReader {
    let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var isAtEnd: Bool { offset >= buffer.count }

    @inline(__always)
    public mutating func varint() throws(RecordDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < buffer.count, shift < 64 else { throw RecordDecodingError() }
            let b = buffer[offset]
            offset += 1
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    @inline(__always)
    public mutating func int() throws(RecordDecodingError) -> Int64 {
        let z = try varint()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    @inline(__always)
    public mutating func intValue() throws(RecordDecodingError) -> Int { Int(truncatingIfNeeded: try int()) }

    public mutating func bool() throws(RecordDecodingError) -> Bool {
        guard offset < buffer.count else { throw RecordDecodingError() }
        defer { offset += 1 }
        return buffer[offset] != 0
    }

    public mutating func string() throws(RecordDecodingError) -> String {
        let n = try varint()
        guard n <= UInt64(buffer.count - offset) else { throw RecordDecodingError() }
        defer { offset += Int(n) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + Int(n))]), as: UTF8.self)
    }

    public mutating func optionalString() throws(RecordDecodingError) -> String? {
        let n = try varint()
        if n == 0 { return nil }
        guard n - 1 <= UInt64(buffer.count - offset) else { throw RecordDecodingError() }
        defer { offset += Int(n - 1) }
        return String(
            decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + Int(n - 1))]), as: UTF8.self)
    }

    public mutating func bigEndian() throws(RecordDecodingError) -> UInt64 {
        guard buffer.count - offset >= 8 else { throw RecordDecodingError() }
        defer { offset += 8 }
        return UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The bytes from here to the end.
    public mutating func rest() -> UnsafeRawBufferPointer {
        defer { offset = buffer.count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset...])
    }
}

/// A view record whose bytes do not decode: the views environment was damaged or written by another
/// layout version (which the runtime prevents by rebuilding on a version change).
public struct RecordDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public init() {}
    public var description: String { "a view record is malformed" }
}

/// A value stored in a view database.
public protocol ViewRecord: SendableMetatype {
    func encode(into writer: inout RecordWriter)
    init(from reader: inout RecordReader) throws(RecordDecodingError)
}

extension ViewRecord {
    /// Decodes a whole stored value.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodingError) -> Self {
        var r = RecordReader(bytes)
        return try Self(from: &r)
    }
}

extension RecordWriter {
    /// A 128-bit signed integer (money sums): sign byte, then the magnitude's high and low halves.
    public mutating func int128(_ value: Int128) {
        let m = value.magnitude
        bytes.append(value < 0 ? 1 : 0)
        varint(UInt64(truncatingIfNeeded: m >> 64))
        varint(UInt64(truncatingIfNeeded: m))
    }

    public mutating func optionalInt(_ value: Int64?) {
        guard let value else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        int(value)
    }
}

extension RecordReader {
    public mutating func int128() throws(RecordDecodingError) -> Int128 {
        let negative = try bool()
        let high = try varint()
        let low = try varint()
        let m = (UInt128(high) << 64) | UInt128(low)
        return negative ? -Int128(m) : Int128(m)
    }

    public mutating func optionalInt() throws(RecordDecodingError) -> Int64? {
        try bool() ? try int() : nil
    }
}
