@testable import ProjectionRuntime
import Testing

/// The order a flush writes keys in (``KeyArena/sortedOrder()``): ascending bytes, shorter first
/// among keys that are prefixes of each other, insertion order among equal keys — the same order
/// as comparing whole byte arrays, whatever the keys share in their first 8 bytes.
@Suite struct KeyArenaTests {
    /// The order by whole-array comparison, the definition `sortedOrder` must match.
    func expected(_ keys: [[UInt8]]) -> [Int] {
        keys.indices.sorted { a, b in
            if keys[a] != keys[b] { return keys[a].lexicographicallyPrecedes(keys[b]) }
            return a < b
        }
    }

    func check(_ keys: [[UInt8]]) {
        var arena = KeyArena()
        for k in keys { arena.add(bytes: k) }
        #expect(arena.sortedOrder() == expected(keys))
    }

    @Test func edgeCasesAroundTheEightBytePrefix() {
        check([
            [], [0], [0, 0], Array("AB".utf8), Array("AB".utf8) + [0], Array("AB".utf8) + [0, 1],
            Array("ABCDEFGH".utf8), Array("ABCDEFGH".utf8) + [0], Array("ABCDEFGHa".utf8), Array("ABCDEFGHb".utf8),
            Array("ABCDEFGH".utf8), [255, 255, 255, 255, 255, 255, 255, 255, 0], [255], Array("ABCDEFG".utf8) + [255],
            Array("ABCDEFGHa".utf8), [],
        ])
    }

    @Test func randomKeysSharingLongPrefixes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var keys: [[UInt8]] = []
            for _ in 0..<2_000 {
                // Customer-and-order-like keys: a shared stem, a few distinct bytes, a separator.
                let stem = Array("C-000".utf8).prefix(Int.random(in: 0...5, using: &rng))
                var key = Array(stem)
                for _ in 0..<Int.random(in: 0...12, using: &rng) { key.append(UInt8.random(in: 0...3, using: &rng) * 85) }
                keys.append(key)
            }
            check(keys)
        }
    }

    @Test func keysOfTheViewKindsSortAsTheirBytes() {
        var arena = KeyArena()
        var encoded: [[UInt8]] = []
        for i in (0..<500).reversed() {
            let key = KeyPair("C-\(i % 37)", "O-\(i)")
            arena.add(key)
            var b: [UInt8] = []
            key.encode(into: &b)
            encoded.append(b)
        }
        #expect(arena.sortedOrder() == expected(encoded))
    }
}
