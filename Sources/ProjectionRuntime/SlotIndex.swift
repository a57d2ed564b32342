import JSON

/// A view table's map from key to slot: open addressing with linear probing over one array of
/// 64-bit buckets, each `slot + 1` (0: empty) beside the low 32 bits of the key's hash.
///
/// It replaces `[Key: Int]`, which hashed every key with SipHash and touched three arrays per
/// lookup: a rebuild looks a key up for nearly every event it applies, and those lookups were the
/// largest single cost of the customer360 projection. Here a lookup hashes the key's bytes with a
/// few multiply-folds (``KeyHash``, seeded per process so that ids chosen by clients cannot be
/// made to collide), reads one bucket, and compares keys only when the stored hash bits match.
/// Entries are never removed one by one (a table forgets everything at once), so there are no
/// tombstones.
@usableFromInline
struct SlotIndex {
    @usableFromInline var buckets: [UInt64]
    @usableFromInline var mask: Int
    @usableFromInline var count = 0

    @inlinable
    init() {
        buckets = [UInt64](repeating: 0, count: 16)
        mask = 15
    }

    /// The slot of `key` (whose ``TableKey/slotHash`` is `hash`), or the bucket where it would go.
    @inlinable
    func find<Key: TableKey>(_ key: Key, hash: UInt64, in keys: [Key]) -> (slot: Int?, bucket: Int) {
        let tag = hash & 0xFFFF_FFFF
        var i = Int(truncatingIfNeeded: tag) & mask
        return buckets.withUnsafeBufferPointer { b in
            while true {
                let entry = b[i]
                if entry == 0 { return (nil, i) }
                if entry >> 32 == tag {
                    let slot = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    if keys[slot] == key { return (slot, i) }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Records `slot` for a key of `hash` in the empty `bucket` that ``find(_:hash:in:)`` returned.
    @inlinable
    mutating func insert(hash: UInt64, slot: Int, at bucket: Int) {
        precondition(slot < Int(UInt32.max), "a view table holds fewer than 2^32 records")
        buckets[bucket] = (hash & 0xFFFF_FFFF) << 32 | UInt64(slot + 1)
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    @usableFromInline
    mutating func grow() {
        let old = buckets
        let capacity = (mask + 1) * 2
        buckets = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        buckets.withUnsafeMutableBufferPointer { b in
            for entry in old where entry != 0 {
                var i = Int(truncatingIfNeeded: entry >> 32) & mask
                while b[i] != 0 { i = (i + 1) & mask }
                b[i] = entry
            }
        }
    }
}

/// The hash a ``SlotIndex`` places keys by: two 64×64→128-bit multiply-folds per 8 bytes of the
/// key, with a per-process secret (as wyhash does) — a few nanoseconds where `Hasher` took tens.
@usableFromInline
enum KeyHash {
    @usableFromInline static let secret: (UInt64, UInt64) = (
        UInt64.random(in: .min ... .max) | 1, UInt64.random(in: .min ... .max) | 1
    )

    @inlinable @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return p.high ^ p.low
    }

    /// Continues `seed` over `bytes`.
    @inlinable
    static func bytes(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let (s0, s1) = secret
        var h = seed ^ UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        let raw = UnsafeRawBufferPointer(bytes)
        var i = 0
        while i + 8 <= raw.count {
            h = fold(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ s0, s1)
            i += 8
        }
        if i < raw.count {
            var tail: UInt64 = 0
            withUnsafeMutableBytes(of: &tail) { t in
                t.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[i...]))
            }
            h = fold(h ^ tail ^ s1, s0)
        }
        return fold(h ^ s0, 0x94D0_49BB_1331_11EB)
    }

    /// Continues `seed` over a string's UTF-8 bytes.
    @inlinable
    static func string(_ s: String, seed: UInt64) -> UInt64 {
        s.withUTF8InPlace { bytes($0, seed: seed) }
    }

    /// Continues `seed` over a number.
    @inlinable
    static func number(_ n: UInt64, seed: UInt64) -> UInt64 {
        fold(seed ^ n ^ secret.0, secret.1 ^ 0xBF58_476D_1CE4_E5B9)
    }
}
