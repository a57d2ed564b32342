@testable import IdHashing
import Testing

/// `IdMap` reads like `[String: Value]`; these pin down that it behaves like one, checked against a
/// `Dictionary` through the same operations, and what its keys' hashing must guarantee.
@Suite struct IdMapTests {
    @Test func itAgreesWithADictionaryThroughInsertsChangesAndRemovals() {
        var map: IdMap<Int> = [:]
        var reference: [String: Int] = [:]
        var rng = Sequence64(seed: 7)
        for step in 0..<50_000 {
            let id = "L-\(rng.next() % 5_000)-\(rng.next() % 7)"
            switch rng.next() % 5 {
            case 0, 1:
                map[id] = step
                reference[id] = step
            case 2:
                map[id, default: 0] += 1
                reference[id, default: 0] += 1
            case 3:
                #expect(map.removeValue(forKey: id) == reference.removeValue(forKey: id))
            default:
                if let i = map.index(forKey: id) {
                    map.values[i] -= 1
                    reference[id]! -= 1
                } else {
                    #expect(reference[id] == nil)
                }
            }
        }
        #expect(map.count == reference.count)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == reference)
        #expect(Set(map.keys) == Set(reference.keys))
        #expect(map.values.sorted() == reference.values.sorted())
        for (id, value) in reference { #expect(map[id] == value) }
    }

    /// Past `splitAt` a map is 64 dictionaries: it must go on agreeing with one `Dictionary` through
    /// the split, changes at an index in any part, removals down to a handful, and growing again.
    @Test func aSplitMapAgreesWithADictionary() {
        var map: IdMap<Int> = [:]
        var reference: [String: Int] = [:]
        let n = IdMap<Int>.splitAt * 3
        for k in 0..<n {
            map["L-\(k)"] = k
            reference["L-\(k)"] = k
            if k == IdMap<Int>.splitAt - 1 { #expect(map.mask == 0) }
        }
        #expect(map.mask == IdMap<Int>.shardCount - 1)
        #expect(map.shards.allSatisfy { !$0.isEmpty })
        for k in stride(from: 0, to: n, by: 3) {
            let i = map.index(forKey: "L-\(k)")!
            map.values[i] += 1
            reference["L-\(k)"]! += 1
            map["L-\(k + 1)", default: 0] -= 1
            reference["L-\(k + 1)", default: 0] -= 1
        }
        #expect(map.count == n)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == reference)
        #expect(map.values.sorted() == reference.values.sorted())
        for k in 0..<(n - 5) {
            if k % 2 == 0 {
                #expect(map.removeValue(forKey: "L-\(k)") == reference.removeValue(forKey: "L-\(k)"))
            } else {
                #expect(map.remove(at: map.index(forKey: "L-\(k)")!).value == reference.removeValue(forKey: "L-\(k)"))
            }
        }
        #expect(map.count == 5)
        #expect(Set(map.keys) == Set(reference.keys))
        #expect(map.removeValue(forKey: "L-0") == nil)
        map["again"] = 1
        #expect(map["again"] == 1 && map.count == 6 && !map.isEmpty)
    }

    /// Equal maps are equal (and hash alike) whether one dictionary or split.
    @Test func equalityIsOfTheEntriesNotTheirLayout() {
        var split: IdMap<Int> = [:]
        for k in 0...IdMap<Int>.splitAt { split["k\(k)"] = k }
        for k in 3...IdMap<Int>.splitAt { split["k\(k)"] = nil }
        let whole: IdMap<Int> = ["k2": 2, "k1": 1, "k0": 0]
        #expect(split.mask != 0 && whole.mask == 0)
        #expect(split == whole)
        #expect(split.hashValue == whole.hashValue)
        split["k1"] = 7
        #expect(split != whole)
        var shorter = whole
        shorter["k0"] = nil
        #expect(shorter != whole && whole != shorter)
    }

    /// A copy taken before the split is untouched by the split and by changes after it.
    @Test func aCopyOutlivesTheSplitOfTheOriginal() {
        var a: IdMap<[Int]> = ["r": [1]]
        let b = a
        for k in 0...IdMap<[Int]>.splitAt { a["x\(k)"] = [k] }
        a["r"]!.append(2)
        #expect(b.count == 1 && b["r"] == [1])
        #expect(a["r"] == [1, 2] && a.count == IdMap<[Int]>.splitAt + 2)
    }

    @Test func aRemovedEntryIsGoneAndItsIndexRemovesIt() {
        var map: IdMap<String> = ["a": "1", "b": "2", "c": "3"]
        let i = map.index(forKey: "b")!
        #expect(map.remove(at: i) == (key: "b", value: "2"))
        #expect(map["b"] == nil)
        #expect(map.count == 2)
        map["a"] = nil
        #expect(Array(map.keys) == ["c"])
        #expect(map.isEmpty == false)
    }

    @Test func aLiteralKeepsTheLastValueOfARepeatedId() {
        let map: IdMap<Int> = ["x": 1, "y": 2, "x": 3]
        #expect(map.count == 2)
        #expect(map["x"] == 3)
    }

    @Test func aMapIsAValue() {
        var a: IdMap<[Int]> = ["r": [1]]
        let b = a
        a["r"]!.append(2)
        #expect(b["r"] == [1])
        #expect(a["r"] == [1, 2])
        #expect(a != b)
        a["r"]!.removeLast()
        #expect(a == b)
    }

    @Test func anIdSetAgreesWithASetOfStrings() {
        var set: IdSet = ["a"]
        var reference: Set<String> = ["a"]
        var rng = Sequence64(seed: 11)
        for _ in 0..<20_000 {
            let id = "R-\(rng.next() % 3_000)"
            if rng.next() % 3 == 0 {
                #expect(set.remove(id) == reference.remove(id))
            } else {
                #expect(set.insert(id) == reference.insert(id).inserted)
            }
            #expect(set.contains(id) == reference.contains(id))
        }
        #expect(set.count == reference.count)
        #expect(Set(set) == reference)
        #expect(set.sorted() == reference.sorted())
    }

    @Test func aSplitIdSetAgreesWithASetOfStrings() {
        var set: IdSet = []
        var reference: Set<String> = []
        for k in 0..<(2 * IdMap<Int>.splitAt) {
            #expect(set.insert("R-\(k)") == reference.insert("R-\(k)").inserted)
            #expect(set.insert("R-\(k / 2)") == reference.insert("R-\(k / 2)").inserted)
        }
        #expect(set.members.mask != 0)
        for k in stride(from: 0, to: 2 * IdMap<Int>.splitAt, by: 3) {
            #expect(set.remove("R-\(k)") == reference.remove("R-\(k)"))
            #expect(set.remove("R-\(k)") == nil)
        }
        #expect(set.count == reference.count)
        #expect(Set(set) == reference)
        #expect(reference.allSatisfy(set.contains) && !set.contains("R-0"))
    }

    /// Every length up to 70 bytes, so both the 16-byte rounds and the zero-padded tail are
    /// exercised: equal ids hash alike, ids differing in one byte (or only in length, by a trailing
    /// zero byte the padding would hide) are different keys.
    @Test func keysDifferByEveryByteAndByLength() {
        for length in 0...70 {
            let base = String(repeating: "k", count: length)
            #expect(IdKey(base) == IdKey(String(base.utf8.map { Character(UnicodeScalar($0)) })))
            #expect(IdKey(base).hash == IdKey(base + "").hash)
            #expect(IdKey(base) != IdKey(base + "\u{0}"))
            #expect(IdKey(base).hash != IdKey(base + "\u{0}").hash)
            for at in 0..<length {
                var bytes = Array(base.utf8)
                bytes[at] = UInt8(ascii: "q")
                let other = String(decoding: bytes, as: UTF8.self)
                #expect(IdKey(base) != IdKey(other))
                #expect(IdKey(base).hash != IdKey(other).hash)
            }
        }
    }

    /// A string made by slicing or concatenating hashes as the same bytes as a literal.
    @Test func theHashIsOfTheBytesHoweverTheStringIsMade() {
        let long = "customer:" + String(repeating: "0123456789", count: 3)
        let sliced = String(("x" + long).dropFirst())
        #expect(IdKey(long).hash == IdKey(sliced).hash)
        #expect(IdKey(long) == IdKey(sliced))
        let small = "C-7"
        #expect(IdKey(small).hash == IdKey(String("xC-7".dropFirst())).hash)
    }
}

/// A deterministic sequence for the tests above (a 64-bit LCG; its high bits are plenty here).
private struct Sequence64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 17
    }
}
