import Foundation
import Testing

@testable import EventLog

/// The writer's in-memory structures for keys: the name → id table and a run's memtable, checked
/// against plain Swift collections on generated inputs.
@Suite struct KeyIndexStructuresTests {
    @Test func keyTableMatchesADictionary() {
        let table = KeyTable(names: KeyNames(loader: nil), minimumCapacity: 4)  // tiny, so it grows many times
        var model: [String: UInt32] = [:]
        var next: UInt32 = 0
        var rng = SystemRandomNumberGenerator()
        let kinds: [KeyKind] = [.stream, .tag, .type]
        func name(_ i: Int) -> String {
            switch i % 4 {
            case 0: "lead-L-\(i)"
            case 1: String(repeating: "x", count: 22) + "\(i)"  // just past the inline limit
            case 2: "é-\(i)-" + String(repeating: "ü", count: i % 30)  // multi-byte, some long
            default: String(repeating: "k", count: i % 23)  // 0…22 bytes, including empty
            }
        }
        for _ in 0..<20_000 {
            let i = Int.random(in: 0..<3_000, using: &rng)
            let kind = kinds[i % 3]
            let key = "\(kind.rawValue)|" + name(i)
            let (id, inserted) = table.id(kind, name(i)) {
                defer { next += 1 }
                return next
            }
            if let known = model[key] {
                #expect(!inserted)
                #expect(id == known)
            } else {
                #expect(inserted)
                model[key] = id
            }
        }
        #expect(table.count == model.count)
        for (key, id) in model {
            let kind = KeyKind(rawValue: UInt8(String(key.prefix(1)))!)!
            #expect(table.id(kind, String(key.dropFirst(2))) == id)
        }
        // The same name under another kind is another key.
        #expect(table.id(.stream, "nobody-\(UUID().uuidString)") == nil)
    }

    /// The writer's two passes (every key of a request probed, then each looked up) give what
    /// one look-up after another gives: a group's names may repeat within it, be new, and make the
    /// table grow between the probe and the look-up.
    @Test func probedLookUpsInGroupsMatchADictionary() {
        let table = KeyTable(names: KeyNames(loader: nil), minimumCapacity: 4)
        var model: [String: UInt32] = [:]
        var next: UInt32 = 0
        var rng = SystemRandomNumberGenerator()
        let kinds: [KeyKind] = [.stream, .tag, .type]
        func name(_ i: Int) -> String {
            i % 2 == 0 ? "customer:C-lg\(i)-\(String(repeating: "7", count: i % 17))" : "s\(i)"
        }
        for _ in 0..<3_000 {
            let group = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int.random(in: 0..<4_000, using: &rng) }
            let probes = group.map { table.probe(kinds[$0 % 3], name($0)) }
            for p in probes { table.prefetchName(p) }
            for (i, probe) in zip(group, probes) {
                let key = "\(kinds[i % 3].rawValue)|" + name(i)
                let (id, inserted) = table.id(probe, name(i)) {
                    defer { next += 1 }
                    return next
                }
                if let known = model[key] {
                    #expect(!inserted && id == known)
                } else {
                    #expect(inserted)
                    #expect(table.names.kind(id) == kinds[i % 3].rawValue)
                    model[key] = id
                }
            }
        }
        #expect(table.count == model.count)
        for (key, id) in model {
            let kind = KeyKind(rawValue: UInt8(String(key.prefix(1)))!)!
            #expect(table.id(kind, String(key.dropFirst(2))) == id)
        }
    }

    @Test func insertReplacesAnId() {
        let table = KeyTable(names: KeyNames(loader: nil))
        table.insert(.stream, "a", id: 0)
        table.insert(.tag, "a", id: 1)
        table.insert(.stream, "a", id: 2)
        #expect(table.id(.stream, "a") == 2)
        #expect(table.id(.tag, "a") == 1)
        #expect(table.id(.type, "a") == nil)
        #expect(table.count == 2)
    }

    /// The table names every id it hands out in the log's ``KeyNames`` (which readers of records
    /// share), and a long name is only found under an id `names` still holds: after a failed batch
    /// the names of its new ids are forgotten, and their entries reused. (The writer then builds a
    /// new table; one handed to readers before keeps answering, as this one does.)
    @Test func theTableNamesItsIdsAndForgetsTruncatedOnes() {
        let names = KeyNames(loader: nil)
        let table = KeyTable(names: names)
        var next: UInt32 = 0
        let long = "lead-" + UUID().uuidString  // 41 bytes: compared through `names`
        let longer = "customer:" + String(repeating: "c", count: 40)  // past KeyNames' inline 31 bytes
        for n in ["short", long, longer] {
            let (id, inserted) = table.id(.stream, n) {
                defer { next += 1 }
                return next
            }
            #expect(inserted)
            #expect(names.count == Int(id) + 1)
            #expect(Array(names.name(id)) == Array(n.utf8))
            #expect(names.kind(id) == KeyKind.stream.rawValue)
        }
        #expect(table.id(.stream, long) == 1)
        #expect(table.id(.stream, longer) == 2)
        #expect(table.id(.tag, long) == nil)
        #expect(table.id(.stream, long + "x") == nil)
        names.truncate(to: 1)
        #expect(table.id(.stream, long) == nil)
        #expect(table.id(.stream, longer) == nil)
        #expect(table.id(.stream, "short") == 0)  // a short name is its slot: no entry is read
    }

    /// Growing copies the smaller table a few slots per insert: names replaced, added or looked up
    /// in the middle of a copy keep their latest id, in either table.
    @Test func replacedIdsSurviveTheTableGrowingUnderThem() {
        let table = KeyTable(names: KeyNames(loader: nil), minimumCapacity: 4)
        var model: [String: UInt32] = [:]
        var next: UInt32 = 0
        func name(_ i: Int) -> String { i % 3 == 0 ? "long-\(String(repeating: "n", count: 30))-\(i)" : "s-\(i)" }
        for round in 0..<6 {
            for i in 0..<4_000 {
                // New names, and every fifth one again under a newer id (replacing it).
                if i % 5 == 0 || round == 0 {
                    table.insert(.stream, name(i + round * 1_000), id: next)
                    model[name(i + round * 1_000)] = next
                    next += 1
                }
                let probe = name((i * 7 + round) % (4_000 + round * 1_000))
                #expect(table.id(.stream, probe) == model[probe], "\(probe) in round \(round)")
            }
        }
        #expect(table.count == model.count)
        for (key, id) in model { #expect(table.id(.stream, key) == id) }
        #expect(table.id(.tag, name(1)) == nil)
    }

    @Test func memtableGroupsEntriesByKey() {
        var table = Memtable()
        var model: [UInt32: [UInt64]] = [:]
        var rng = SystemRandomNumberGenerator()
        for position in UInt64(1)...5_000 {
            var keys = Set<UInt32>()
            for _ in 0..<Int.random(in: 1...4, using: &rng) { keys.insert(UInt32.random(in: 0..<700, using: &rng)) }
            for k in keys.sorted() {
                table.add(keyId: k, position: position)
                model[k, default: []].append(position)
            }
        }
        for (k, positions) in model {
            #expect(table.positions(of: k) == positions)
            #expect(table.positions(of: k, through: 2_500) == positions.filter { $0 <= 2_500 })
        }
        #expect(table.positions(of: 100_000).isEmpty)
        let groups = table.groupedByKey()
        #expect(groups.keys == model.keys.sorted())
        for (i, k) in groups.keys.enumerated() {
            #expect(Array(groups.positions(ofKeyAt: i)) == model[k])
        }
    }
}

/// The writer's command-id index (``CommandIndex``): every hash finds its sequence through many
/// growths — also in the middle of copying a previous table — an absent hash finds nothing, a hash
/// stored twice keeps its first sequence, and the hash 0 is a hash like any other.
@Suite struct CommandIndexTests {
    @Test func everyHashFindsItsSequenceThroughGrowthsAndCopies() {
        let index = CommandIndex(minimumCapacity: 16)
        var rng = SystemRandomNumberGenerator()
        var stored: [(hash: Int, sequence: UInt64)] = [(0, 1)]
        #expect(index.insert(hash: 0, sequence: 1))
        var sawGrowing = false
        for n in 2...200_000 {
            let hash = Int.random(in: .min ... .max, using: &rng)
            guard index.insert(hash: hash, sequence: UInt64(n)) else { continue }  // 1 in 2^64
            stored.append((hash, UInt64(n)))
            if index.isGrowing {
                sawGrowing = true
                // In the middle of a copy, old and new entries are both found.
                if n % 997 == 0 {
                    let sample = stored[Int.random(in: 0..<stored.count, using: &rng)]
                    #expect(index.sequence(forHash: sample.hash) == sample.sequence)
                }
            }
        }
        #expect(sawGrowing)
        #expect(index.count == stored.count)
        var wrong = 0
        for (hash, sequence) in stored where index.sequence(forHash: hash) != sequence { wrong += 1 }
        #expect(wrong == 0)
        #expect(!index.insert(hash: stored[10].hash, sequence: 999_999_999))
        #expect(index.sequence(forHash: stored[10].hash) == stored[10].sequence)
        #expect(index.sequence(forHash: 0) == 1)
        // The hash 0 is kept beside the table: no other hash aliases it.
        let fresh = CommandIndex()
        #expect(fresh.insert(hash: 0, sequence: 5) && fresh.insert(hash: 1, sequence: 6))
        #expect(fresh.sequence(forHash: 0) == 5 && fresh.sequence(forHash: 1) == 6 && fresh.count == 2)
        let present = Set(stored.map(\.hash))
        var falsePositives = 0
        for _ in 0..<10_000 {
            let h = Int.random(in: .min ... .max, using: &rng)
            if !present.contains(h) && index.sequence(forHash: h) != nil { falsePositives += 1 }
        }
        #expect(falsePositives == 0)
    }
}

/// A buffer's pages are backed with memory by a populate (the populator's, here on the test's
/// thread) without changing them; and the tables' growth policy.
@Suite struct HugePageBufferTests {
    @Test func aPopulatedBufferIsBackedAndStaysZeroed() throws {
        let buffer = HugePageBuffer(count: 3 << 20, populate: false)  // 24 MiB: twelve huge pages
        #expect(!buffer.isPopulated)
        buffer.populateNow()
        #expect(buffer.isPopulated)
        // Backed with memory, not only mapped (a read would have mapped the shared zero page).
        let resident = try Self.residentKiB(of: UnsafeRawPointer(buffer.base))
        #expect(resident >= 24 << 10, "\(resident) KiB resident")
        #expect((0..<buffer.count).allSatisfy { buffer.base[$0] == 0 })
    }

    /// At half full a table twice as large is mapped; it is grown into once populated, and at three
    /// quarters full whether populated or not.
    @Test func tablesGrowIntoTheLargerTableWhenPopulatedOrAtThreeQuarters() {
        let slots = 1 << 12
        var next: HugePageBuffer?
        #expect(HugePageBuffer.tableToGrowInto(next: &next, count: slots / 2, slots: slots, wordsPerSlot: 2) == nil)
        #expect(next == nil)
        #expect(HugePageBuffer.tableToGrowInto(next: &next, count: slots / 2 + 1, slots: slots, wordsPerSlot: 2) == nil)
        #expect(next?.count == slots * 2 * 2)

        // Not populated: kept until three quarters full.
        let waiting = HugePageBuffer(count: slots * 2 * 2, populate: false)
        next = waiting
        #expect(HugePageBuffer.tableToGrowInto(next: &next, count: slots * 3 / 4, slots: slots, wordsPerSlot: 2) == nil)
        #expect(next === waiting)
        #expect(HugePageBuffer.tableToGrowInto(next: &next, count: slots * 3 / 4 + 1, slots: slots, wordsPerSlot: 2) === waiting)
        #expect(next == nil)

        // Populated: grown into at once.
        let ready = HugePageBuffer(count: slots * 2 * 4, populate: false)
        ready.populateNow()
        next = ready
        #expect(HugePageBuffer.tableToGrowInto(next: &next, count: slots / 2 + 2, slots: slots, wordsPerSlot: 4) === ready)
        #expect(next == nil)
    }

    /// The resident size of the mapping that holds `address` (which may hold other buffers too:
    /// the kernel merges neighbouring mappings alike), from `/proc/self/smaps`.
    static func residentKiB(of address: UnsafeRawPointer) throws -> Int {
        // Read to the end: /proc files have no size, and reading by size gets a first page only.
        guard let file = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return 0 }
        defer { try? file.close() }
        let smaps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        let a = UInt(bitPattern: address)
        var inMapping = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            let range = fields.first?.split(separator: "-") ?? []
            if range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16) {
                inMapping = start <= a && a < end
            } else if inMapping && line.hasPrefix("Rss:") {
                return Int(fields.dropFirst().first { !$0.isEmpty } ?? "") ?? 0
            }
        }
        return 0
    }
}
