@testable import Domain
import Testing

/// `IncrementalMap` against `Dictionary` as the model: random inserts, updates, in-place changes,
/// removals and reads, through many growths and in the middle of copies.
@Suite struct IncrementalMapTests {
    /// A small deterministic generator (SplitMix64), so a failure repeats.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    @Test(arguments: [1, 2, 3])
    func itBehavesAsADictionaryThroughManyGrowths(seed: UInt64) {
        var random = Random(state: seed)
        var map = IncrementalMap<String, [Int]>()
        var model: [String: [Int]] = [:]
        var sawGrowing = false
        for step in 0..<60_000 {
            let key = "k-\(random.next(step < 30_000 ? 40_000 : 8_000))"
            switch random.next(10) {
            case 0...3:
                map[key] = [step]
                model[key] = [step]
            case 4, 5:
                map[key]?.append(step)  // in place, only when present
                model[key]?.append(step)
            case 6:
                #expect(map.removeValue(forKey: key) == model.removeValue(forKey: key))
            case 7:
                map[key] = nil
                model[key] = nil
            default:
                #expect(map[key] == model[key], "\(key) at step \(step)")
            }
            sawGrowing = sawGrowing || map.isGrowing
            if step % 5_000 == 0 || (map.isGrowing && step % 97 == 0) {
                #expect(map.count == model.count)
                #expect(Dictionary(uniqueKeysWithValues: Array(map)) == model)
            }
        }
        #expect(sawGrowing)
        #expect(map.count == model.count)
        #expect(Dictionary(uniqueKeysWithValues: Array(map)) == model)
        #expect(Set(map.keys) == Set(model.keys))
        let mapTotal: Int = map.values.reduce(0) { $0 + $1.count }
        let modelTotal: Int = model.values.reduce(0) { $0 + $1.count }
        #expect(mapTotal == modelTotal)
    }

    /// A copy is a value: changing one while it copies its old table leaves the other as it was.
    @Test func copiesAreIndependentWhileGrowing() {
        var map = IncrementalMap<Int, Int>()
        var i = 0
        while !map.isGrowing {
            map[i] = i
            i += 1
        }
        let snapshot = map
        for k in 0..<i { map[k] = nil }
        map[-1] = -1
        #expect(map.count == 1 && map[-1] == -1 && map[0] == nil)
        #expect(snapshot.count == i && snapshot[0] == 0 && snapshot[i - 1] == i - 1 && snapshot[-1] == nil)
        #expect(Array(snapshot).count == i)
    }

    /// A key removed while the old table still holds it is not brought back by the copy.
    @Test func aKeyRemovedWhileGrowingStaysRemoved() {
        var map = IncrementalMap<Int, Int>()
        var i = 0
        while !map.isGrowing {
            map[i] = i
            i += 1
        }
        map[0] = nil
        map[1]? += 100  // moved to the new table, changed there
        var k = i
        while map.isGrowing {
            map[k] = k
            k += 1
        }
        #expect(map[0] == nil && map[1] == 101 && map[2] == 2)
        #expect(map.count == k - 1)
        #expect(!map.contains { $0.key == 0 })
    }

    @Test func aLiteralAndEmptiness() {
        let empty: IncrementalMap<String, Int> = [:]
        #expect(empty.isEmpty && empty["a"] == nil && Array(empty).isEmpty)
        let map: IncrementalMap<String, Int> = ["a": 1, "b": 2, "a": 3]
        #expect(map.count == 2 && map["a"] == 3 && map["b"] == 2)
    }
}
