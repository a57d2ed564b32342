@testable import ProjectionRuntime
import Testing

/// The map from key to slot under every view table (``SlotIndex``): whatever the keys, each one
/// finds its own slot, through many growths, and an absent key finds none.
@Suite struct SlotIndexTests {
    func check<Key: TableKey>(_ make: (Int) -> Key, absent: [Key]) {
        var index = SlotIndex()
        var keys: [Key] = []
        for i in 0..<50_000 {
            let key = make(i)
            let hash = key.slotHash
            let found = index.find(key, hash: hash, in: keys)
            #expect(found.slot == nil)
            index.insert(hash: hash, slot: keys.count, at: found.bucket)
            keys.append(key)
        }
        #expect(index.count == keys.count && index.mask + 1 >= keys.count * 2)
        var wrong = 0
        for (slot, key) in keys.enumerated() where index.find(key, hash: key.slotHash, in: keys).slot != slot {
            wrong += 1
        }
        #expect(wrong == 0)
        for key in absent { #expect(index.find(key, hash: key.slotHash, in: keys).slot == nil) }
    }

    @Test func everyKindOfKeyFindsItsOwnSlot() {
        // Short and long strings, multi-byte ones, and pairs that differ only in where they split.
        check({ "C-\($0)" + String(repeating: "é", count: $0 % 13) }, absent: ["C-x", "", String(repeating: "é", count: 40)])
        check({ KeyPair("C-\($0 / 7)", "O-\($0)") }, absent: [KeyPair("C-1", "O-1"), KeyPair("C-0O-1", "")])
        check({ KeyPair("ab\($0)", "c") }, absent: [KeyPair("a", "b0c"), KeyPair("ab0c", "")])
        check({ KeyOrdered("rep-\($0 % 40)", UInt64($0)) }, absent: [KeyOrdered("rep-1", 2), KeyOrdered("rep-41", 0)])
    }

    @Test func theHashCoversEveryByteAndTheSplitOfAPair() {
        let base = String(repeating: "x", count: 23)
        for i in 0..<23 {
            var bytes = Array(base.utf8)
            bytes[i] = UInt8(ascii: "y")
            #expect(String(decoding: bytes, as: UTF8.self).slotHash != base.slotHash, "byte \(i)")
        }
        #expect(KeyPair("ab", "c").slotHash != KeyPair("a", "bc").slotHash)
        #expect(KeyOrdered("a", 1).slotHash != KeyOrdered("a", 2).slotHash)
    }
}
