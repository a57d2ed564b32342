import Foundation
import LMDB
import Testing

@testable import EventLog

/// Record format 2 (stores of layout 3): types and tags are key ids, each defined in the record that
/// uses it first; `keys` indexes the definitions and `verify` holds it to them. Streams stay spelled out.
@Suite struct RecordFormatTests {
    func records(_ log: EventLog) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try log.scanRecords { _, v in out.append(Array(v)); return true }
        return out
    }

    func contains(_ record: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        return record.indices.contains { i in record[i...].starts(with: needle) }
    }

    @Test func aNewLogNamesEachKeyOnceAndRefersToItByIdAfterwards() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        for i in 0..<4 {
            _ = try await log.append(AppendRequest(
                events: [event("lead-L-1", "LeadNoted", tags: ["lead:L-1", "rep:E-\(i % 2)"], "{\"i\":\(i)}")],
                actor: "E-7", commandId: "c-\(i)"))
        }
        let stored = try records(log)
        #expect(stored.allSatisfy { $0[0] == EventRecord.format2 })
        #expect(contains(stored[0], "LeadNoted") && contains(stored[0], "lead:L-1") && contains(stored[0], "rep:E-0"))
        #expect(contains(stored[1], "rep:E-1") && !contains(stored[1], "rep:E-0"))
        for record in stored.dropFirst() {
            #expect(!contains(record, "LeadNoted") && !contains(record, "lead:L-1"))
        }
        // Streams stay spelled out in every record.
        #expect(stored.allSatisfy { contains($0, "lead-L-1") })
        #expect(stored[2].count < stored[0].count - 25)

        // Every way of reading gives the names back.
        let page = try log.read(from: 1, limit: 10)
        #expect(page.events.map(\.envelope.stream) == Array(repeating: "lead-L-1", count: 4))
        #expect(page.events.map(\.envelope.tags) == (0..<4).map { ["lead:L-1", "rep:E-\($0 % 2)"] })
        #expect(try log.readStream("lead-L-1", limit: 10).events.count == 4)
        #expect(try log.read(from: 1, limit: 10, filter: EventFilter(tags: ["rep:E-1"])).events.map(\.position) == [2, 4])
        var viewTags: [[String]] = []
        try log.scanInPlace { view in
            var tags: [String] = []
            view.forEachTag { tags.append(String(decoding: $0, as: UTF8.self)); return true }
            viewTags.append(tags)
            #expect(String(decoding: view.stream, as: UTF8.self) == "lead-L-1")
            #expect(String(decoding: view.type, as: UTF8.self) == "LeadNoted")
            let envelope = try view.envelope()
            #expect(envelope == page.events[Int(view.position - 1)].envelope)
            return true
        }
        #expect(viewTags == page.events.map(\.envelope.tags))
        #expect(try log.verify().isIntact)
    }

    @Test func namesLongerThanAnEntryHoldsReadBackFromEveryReader() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        let long = "customer-" + String(repeating: "x", count: 60)
        let tag = "customer:" + String(repeating: "é", count: 40)
        // The longest name an entry holds (31 bytes) and the shortest it does not.
        let edge = ["t:" + String(repeating: "a", count: 29), "t:" + String(repeating: "b", count: 30)]
        for _ in 0..<3 {
            _ = try await log.append(AppendRequest(
                events: [event(long, "AVeryLongEventTypeNameIndeed", tags: [tag, "t"] + edge)], actor: "a"))
        }
        let scanner = try openLog(dir, scanOnly: true)
        defer { scanner.close() }
        for reader in [log, scanner] {
            let events = try reader.read(from: 1, limit: 10).events
            #expect(events.map(\.envelope.stream) == [long, long, long])
            #expect(events.map(\.envelope.tags) == Array(repeating: [tag, "t"] + edge, count: 3))
            try reader.scanInPlace(from: 2) { view in
                #expect(String(decoding: view.stream, as: UTF8.self) == long)
                #expect(String(decoding: view.type, as: UTF8.self) == "AVeryLongEventTypeNameIndeed")
                var tags: [String] = []
                view.forEachTag { tags.append(String(decoding: $0, as: UTF8.self)); return true }
                #expect(tags == [tag, "t"] + edge)
                return true
            }
        }
    }

    @Test func theSameNewTagTwiceOnOneEventIsDefinedOnceAndReadTwice() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        _ = try await log.append(AppendRequest(events: [event("s-1", tags: ["t:x", "t:x"])], actor: "a"))
        let e = try #require(try log.event(at: 1))
        #expect(e.envelope.tags == ["t:x", "t:x"])
        #expect(try log.verify().isIntact)
        let reopened = try openLog(dir, scanOnly: true)
        defer { reopened.close() }
        #expect(try reopened.event(at: 1)?.envelope.tags == ["t:x", "t:x"])
    }

    @Test func aLayout2StoreKeepsWritingFormat1Records() async throws {
        let dir = TemporaryDirectory()
        do {
            let log = try openLog(dir, layout: 2)
            _ = try await log.append(AppendRequest(events: [event("s-1", tags: ["t"])], actor: "a"))
            log.close()
        }
        let log = try openLog(dir)
        defer { log.close() }
        _ = try await log.append(AppendRequest(events: [event("s-1", tags: ["t"]), event("s-2")], actor: "a"))
        let stored = try records(log)
        #expect(stored.map { $0[0] } == [1, 1, 1])
        #expect(stored.allSatisfy { contains($0, "s-") })
        #expect(try log.readStream("s-1", limit: 10).events.map(\.position) == [1, 2])
        #expect(try log.verify().isIntact)
    }

    @Test func readersOpenedEarlierResolveKeysAddedAfterThem() async throws {
        let dir = TemporaryDirectory()
        let writer = try openLog(dir)
        defer { writer.close() }
        _ = try await writer.append(AppendRequest(events: [event("s-0", tags: ["t:0"])], actor: "a"))
        let scanner = try openLog(dir, scanOnly: true)
        defer { scanner.close() }
        let reader = try openLog(dir, readOnly: true)
        defer { reader.close() }
        // 5,000 new streams, types and tags after both opened: more than one block of lazily loaded keys.
        for k in 0..<50 {
            _ = try await writer.append(AppendRequest(
                events: (0..<100).map { i in event("s-\(k)-\(i)", "T\(i % 7)", tags: ["t:\(k)-\(i)"]) }, actor: "a"))
        }
        for log in [scanner, reader] {
            let page = try log.read(from: 2, limit: 10_000)
            #expect(page.events.count == 5000)
            #expect(page.events.last?.envelope.stream == "s-49-99")
            #expect(page.events.last?.envelope.tags == ["t:49-99"])
            var n = 0
            try log.scanInPlace(from: 4000) { view in
                let k = (view.position - 2) / 100, i = (view.position - 2) % 100
                #expect(String(decoding: view.stream, as: UTF8.self) == "s-\(k)-\(i)")
                n += 1
                return true
            }
            #expect(n == 1002)
            #expect(try log.verify().isIntact)
        }
    }

    @Test func aFailedBatchForgetsTheKeysItNamed() async throws {
        struct Refused: Error {}
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        _ = try await log.append(AppendRequest(events: [event("s-0")], actor: "a"))
        await #expect(throws: (any Error).self) {
            try await log.write { w in
                _ = try w.append(AppendRequest(events: [event("gone-1", "Gone", tags: ["gone"])], actor: "a"))
                w.beforeCommit { throw Refused() }
            }
        }
        _ = try await log.append(AppendRequest(events: [event("kept-1", "Kept", tags: ["kept"])], actor: "a"))
        let e = try #require(try log.event(at: 2))
        #expect(e.envelope.stream == "kept-1" && e.envelope.type == "Kept" && e.envelope.tags == ["kept"])
        #expect(try log.verify().isIntact)
        log.close()
        let reopened = try openLog(dir, scanOnly: true)
        defer { reopened.close() }
        #expect(try reopened.event(at: 2)?.envelope.stream == "kept-1")
        #expect(try reopened.verify().isIntact)
    }

    /// Edits `keys` directly, as an attacker with file access would: the records' hashes do not cover
    /// it, so `verify` compares it with the definitions in the log.
    func tamperKeys(_ dir: TemporaryDirectory, _ body: (borrowing Transaction, Database) throws -> Void) throws {
        let env = try Environment(path: dir.path + "/log", options: .init(mapSize: 1 << 24, maxDatabases: 16))
        defer { env.close() }
        let keys = try env.openDatabase("keys")
        try env.write { txn in try body(txn, keys) }
    }

    func makeLog(_ dir: TemporaryDirectory) async throws {
        let log = try openLog(dir)
        for i in 0..<30 {
            _ = try await log.append(AppendRequest(
                events: [event("s-\(i % 4)", tags: ["t:\(i % 4)"], "{\"i\":\(i)}")], actor: "a"))
        }
        log.close()
    }

    func keyId(_ dir: TemporaryDirectory, named name: String) throws -> [UInt8] {
        var found: [UInt8]?
        try tamperKeys(dir) { txn, keys in
            try txn.withCursor(keys) { c in
                var e = try c.first()
                while let entry = e {
                    if Array(entry.value.dropFirst()) == Array(name.utf8) { found = Array(entry.key) }
                    e = try c.next()
                }
            }
        }
        return try #require(found)
    }

    @Test func aRenamedKeyIsReportedAtTheEventThatDefinesIt() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        let id = try keyId(dir, named: "t:2")
        try tamperKeys(dir) { txn, keys in try txn.put(keys, key: id, value: [1] + Array("t:9".utf8)) }
        for scanOnly in [false, true] {
            let log = try openLog(dir, readOnly: true, scanOnly: scanOnly)
            defer { log.close() }
            let bad = try #require(try log.verify().firstBad)
            #expect(bad.position == 3)  // t:2's first event
            #expect(bad.reason.contains("differently"))
        }
    }

    @Test func aRenamedStreamKeyIsReportedAtTheStreamsFirstEvent() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        let id = try keyId(dir, named: "s-3")
        try tamperKeys(dir) { txn, keys in try txn.put(keys, key: id, value: [0] + Array("s-0".utf8)) }
        let log = try openLog(dir, scanOnly: true)
        defer { log.close() }
        let bad = try #require(try log.verify().firstBad)
        #expect(bad.position == 4)  // s-3's first event
    }

    @Test func aKeyTheLogDoesNotDefineIsReported() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        try tamperKeys(dir) { txn, keys in
            let last = try txn.withCursor(keys) { c in try #require(try c.last()).key.withUnsafeBytes { Array($0) } }
            let next = (UInt32(last[0]) << 24 | UInt32(last[1]) << 16 | UInt32(last[2]) << 8 | UInt32(last[3])) + 1
            try txn.put(keys, key: withUnsafeBytes(of: next.bigEndian) { Array($0) }, value: [0] + Array("s-1".utf8))
        }
        let log = try openLog(dir, scanOnly: true)
        defer { log.close() }
        let bad = try #require(try log.verify().firstBad)
        #expect(bad.position == 31 && bad.reason.contains("holds"))
    }

    @Test func aWritableOpenRefusesAGapInKeys() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        let id = try keyId(dir, named: "t:1")
        try tamperKeys(dir) { txn, keys in _ = try txn.delete(keys, key: id) }
        #expect(throws: EventLogError.self) { try openLog(dir) }
    }

    /// The same checks when verify splits the log into ranges on two threads: a range that starts
    /// mid-log learns the next key id from the ranges before it.
    @Test func keyDamageIsReportedWhereverTheSplitIs() async throws {
        let dir = TemporaryDirectory()
        do {
            let log = try openLog(dir, layout: nil)
            for k in 0..<10 {
                _ = try await log.append(AppendRequest(
                    events: (0..<1000).map { i in
                        let n = k * 1000 + i
                        return event("s-\(n % 6000)", "T\(n % 3)", tags: ["t:\(n % 7000)"])
                    }, actor: "a"))
            }
            #expect(try log.verify(threads: 2).isIntact)
            log.close()
        }
        // t:6500 is first used at position 6,501, in the second of two ranges (5,001–10,000).
        let id = try keyId(dir, named: "t:6500")
        try tamperKeys(dir) { txn, keys in try txn.put(keys, key: id, value: [1] + Array("t:x".utf8)) }
        for threads in [1, 2] {
            let log = try openLog(dir, scanOnly: true)
            defer { log.close() }
            #expect(try log.verify(threads: threads).firstBad?.position == 6501)
        }
    }

    @Test func aMissingKeyIsReportedAtTheEventThatDefinesIt() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        let id = try keyId(dir, named: "t:3")
        try tamperKeys(dir) { txn, keys in _ = try txn.delete(keys, key: id) }
        let log = try openLog(dir, scanOnly: true)
        defer { log.close() }
        let bad = try #require(try log.verify(threads: 1).firstBad)
        #expect(bad.position == 4)
    }
}

/// Damaged format-2 records — every single-byte change and truncation of real records, and random
/// multi-byte damage — are refused with an error or read as some record; never a trap, and never a
/// name looked up for a key id the process does not know.
@Suite struct RecordFormatDamageTests {
    @Test func damagedRecordsAreRefusedOrReadButNeverTrap() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        for i in 0..<6 {
            _ = try await log.append(AppendRequest(
                events: [event("lead-L-\(i % 3)", "T\(i % 2)", tags: ["lead:L-\(i % 3)", "rep:E-\(i % 2)", "t:x"], "{\"i\":\(i)}")],
                actor: "E-1", commandId: "c-\(i)"))
        }
        var records: [[UInt8]] = []
        try log.scanRecords { _, v in records.append(Array(v)); return true }

        // Each damaged record is read from the end of a page followed by an unreadable one, so a
        // read past its last byte faults instead of passing unnoticed.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let region = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        #expect(region != MAP_FAILED)
        defer { munmap(region, 2 * page) }
        #expect(mprotect(region + page, page, PROT_NONE) == 0)
        func read(_ bytes: [UInt8]) {
            precondition(bytes.count <= page)
            let start = region + (page - bytes.count)
            bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(region), byteCount: $0.count) }
            let raw = UnsafeRawBufferPointer(start: start, count: bytes.count)
            if let view = try? EventRecordView(position: 1, raw, names: log.names) {
                _ = view.stream.count &+ view.type.count
                view.forEachTag { _ in true }
                _ = try? view.envelope()
            }
            _ = try? EventRecord.decode(position: 1, UnsafeRawBufferPointer(start: nil, count: 0), names: log.names)
            _ = try? EventRecord.decode(position: 1, raw, names: log.names)
        }
        var generator = SystemRandomNumberGenerator()
        for record in records {
            for i in record.indices {
                for v: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF, record[i] ^ 0x02] {
                    var damaged = record
                    damaged[i] = v
                    read(damaged)
                }
                read(Array(record[..<i]))
            }
            for _ in 0..<2_000 {
                var damaged = record
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    damaged[Int.random(in: damaged.indices, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                read(damaged)
            }
        }
        // Unknown key ids are refused rather than looked up: the same record reads with a known id.
        func record(typeField: [UInt8]) -> [UInt8] {
            [EventRecord.format2, 1, 1, 1, 0, 1, UInt8(ascii: "s")] + typeField
                + [1, UInt8(ascii: "a"), 0, 0, 0, 0, 0] + Array(repeating: 0, count: 32)
        }
        let known = record(typeField: [1 << 1])  // key id 1: "T0", the second key the log handed out
        let type = try known.withUnsafeBytes { raw in
            String(decoding: try EventRecordView(position: 1, raw, names: log.names).type, as: UTF8.self)
        }
        #expect(type == "T0")
        let unknown = record(typeField: [0xFE, 0xFF, 0x03])  // key id 32,767, never handed out
        #expect(throws: RecordError.self) {
            try unknown.withUnsafeBytes { raw in _ = try EventRecordView(position: 1, raw, names: log.names) }
        }
    }
}
