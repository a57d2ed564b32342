/// The bytes of a short ASCII key packed into two words, so the duplicate-key check of an object compares
/// integers instead of `String`s (a `String` comparison of two different keys costs a call into the
/// standard library's slow path; this is a few instructions).
///
/// Keys that are not plain ASCII — non-ASCII text, or text written with escapes — get no fingerprint and
/// are compared as `String`s, because Swift compares strings by canonical equivalence and some non-ASCII
/// keys equal ASCII ones (`"\u{212A}"`, the Kelvin sign, equals `"K"`).
struct JSONKeyFingerprint {
    /// The key's length in bytes; -1 when the key has no fingerprint.
    let length: Int
    /// Bytes 0..<8 (fewer for short keys, zero-padded).
    let head: UInt64
    /// Bytes length-8..<length, for keys of eight bytes or more.
    let tail: UInt64

    static let none = JSONKeyFingerprint(length: -1, head: 0, tail: 0)

    init(length: Int, head: UInt64, tail: UInt64) {
        self.length = length
        self.head = head
        self.tail = tail
    }

    /// The fingerprint of `count` ASCII bytes at `p`.
    @inline(__always)
    init(ascii p: UnsafePointer<UInt8>, count: Int) {
        length = count
        if count >= 8 {
            head = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
            tail = UnsafeRawPointer(p).loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            var h: UInt64 = 0
            for k in 0..<count { h |= UInt64(p[k]) &<< (8 &* UInt64(k)) }
            head = h
            tail = 0
        }
    }

    /// Whether two keys are the same, when their fingerprints can tell; nil when the `String`s must decide
    /// (a key without a fingerprint, or two equal fingerprints of keys longer than 16 bytes).
    @inline(__always)
    static func sameKey(_ a: JSONKeyFingerprint, _ b: JSONKeyFingerprint) -> Bool? {
        if a.length < 0 || b.length < 0 { return nil }
        if a.length != b.length || a.head != b.head || a.tail != b.tail { return false }
        return a.length <= 16 ? true : nil
    }
}
