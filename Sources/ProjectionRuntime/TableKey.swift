import JSON

/// A key of a view table: hashable in memory, and encoded into bytes that sort in LMDB the way the
/// view wants to scan them. Composite keys separate their parts with a 0 byte, which sorts before
/// every character an id may hold (CONTRACT §1), so `a ‖ 0 ‖ b` groups all `b` under `a`.
public protocol TableKey: Hashable, SendableMetatype {
    func encode(into bytes: inout [UInt8])
    /// The hash a view table's ``SlotIndex`` places the key by (by default Swift's own hash; the
    /// keys of the runtime hash their bytes with ``KeyHash``, which is several times cheaper).
    var slotHash: UInt64 { get }
}

extension TableKey {
    @inlinable
    public var slotHash: UInt64 { KeyHash.number(UInt64(bitPattern: Int64(hashValue)), seed: 0) }
}

extension String: TableKey {
    public func encode(into bytes: inout [UInt8]) {
        withUTF8InPlace { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public var slotHash: UInt64 { KeyHash.string(self, seed: 0) }
}

/// Two strings: `first ‖ 0 ‖ second`.
public struct KeyPair: TableKey {
    public var first: String
    public var second: String

    public init(_ first: String, _ second: String) {
        self.first = first
        self.second = second
    }

    public func encode(into bytes: inout [UInt8]) {
        first.encode(into: &bytes)
        bytes.append(0)
        second.encode(into: &bytes)
    }

    @inlinable
    public var slotHash: UInt64 { KeyHash.string(second, seed: KeyHash.string(first, seed: 0)) }
}

/// A string and a number: `prefix ‖ 0 ‖ number (8 bytes big-endian)` — entries of one prefix in
/// numeric (usually position) order.
public struct KeyOrdered: TableKey {
    public var prefix: String
    public var number: UInt64

    public init(_ prefix: String, _ number: UInt64) {
        self.prefix = prefix
        self.number = number
    }

    public func encode(into bytes: inout [UInt8]) {
        prefix.encode(into: &bytes)
        bytes.append(0)
        withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public var slotHash: UInt64 { KeyHash.number(number, seed: KeyHash.string(prefix, seed: 0)) }
}

/// Helpers for building and taking apart encoded keys in queries.
public enum ViewKeys {
    /// `prefix ‖ 0`: the start of every key under `prefix`.
    public static func prefix(_ prefix: String) -> [UInt8] {
        var b: [UInt8] = []
        prefix.encode(into: &b)
        b.append(0)
        return b
    }

    public static func encode(_ key: some TableKey) -> [UInt8] {
        var b: [UInt8] = []
        key.encode(into: &b)
        return b
    }

    /// Whether `key` starts with `prefix`.
    public static func hasPrefix(_ key: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        guard key.count >= prefix.count else { return false }
        for i in 0..<prefix.count where key[i] != prefix[i] { return false }
        return true
    }

    /// The string after `prefix ‖ 0` in `key`.
    public static func suffix(_ key: UnsafeRawBufferPointer, after prefix: [UInt8]) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: key[prefix.count...]), as: UTF8.self)
    }

    /// The 8-byte big-endian number at the end of `key`.
    public static func trailingNumber(_ key: UnsafeRawBufferPointer) -> UInt64 {
        guard key.count >= 8 else { return 0 }
        return UInt64(bigEndian: key.loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self))
    }

    /// Lexicographic byte order, as LMDB's default comparator.
    public static func less(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return c < 0 }
        }
        return a.count < b.count
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ViewKeys {
    /// Whether `key` starts with `prefix`.
    public static func hasPrefixArray(_ key: [UInt8], _ prefix: [UInt8]) -> Bool {
        key.count >= prefix.count && key[0..<prefix.count].elementsEqual(prefix)
    }
}
