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
