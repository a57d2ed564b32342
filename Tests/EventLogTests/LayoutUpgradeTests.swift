import Foundation
import LMDB
import Testing

@testable import EventLog

/// Stores of layout 1 kept the key index in the dup-sorted `typeIndex` and `keyIndex`; layouts 2 and 3
/// keep it in `keyRuns`. A read-only open reads a layout-1 store as it is; a writable open upgrades it
/// to layout 2 (whose records, like layout 1's, are of format 1).
@Suite struct LayoutUpgradeTests {
    /// 200 events over 7 streams, 3 types and 6 tags, in runs of 16 positions (so 12 runs are flushed).
    func populate(_ dir: TemporaryDirectory) async throws {
        let log = try openLog(dir, runShift: 4, layout: 2)
        for i in 0..<200 {
            _ = try await log.append(AppendRequest(
                events: [event("s-\(i % 7)", "T\(i % 3)", tags: ["t:\(i % 5)", "all"], "{\"i\":\(i)}")], actor: "a"))
        }
        log.close()
    }

    /// Turns a layout-2 store into what layout 1 looked like: no `keyRuns`, dup-sorted index
    /// databases with entries, `layoutVersion` 1 and a flushed run.
    func downgradeToLayout1(_ dir: TemporaryDirectory) throws {
        let env = try Environment(path: dir.path + "/log", options: .init(mapSize: 1 << 24, maxDatabases: 16))
        defer { env.close() }
        let meta = try env.openDatabase("meta")
        let keyRuns = try env.openDatabase("keyRuns")
        let typeIndex = try env.openDatabase("typeIndex", flags: [.dupSort, .dupFixed])
        let keyIndex = try env.openDatabase("keyIndex", flags: [.dupSort, .dupFixed])
        try env.write { txn in
            try txn.deleteDatabase(keyRuns)
            for p in UInt64(1)...3 {
                try txn.put(typeIndex, key: [0, 0, 0, 9], value: Bytes.key(p))
                try txn.put(keyIndex, key: [0, 0, 0, 0, 0, 0, 0, 9], value: Bytes.key(p))
            }
            try txn.put(meta, key: Array(LogMeta.layoutVersion.utf8), value: [1])
            try txn.put(meta, key: Array(LogMeta.layout1FlushedRun.utf8), value: [0, 0, 0, 5])
            _ = try txn.delete(meta, key: Array(LogMeta.keyRunsFlushed.utf8))
        }
    }

    func expectIndexesRight(_ log: EventLog) throws {
        let stream3 = (0..<200).filter { $0 % 7 == 3 }.map { UInt64($0 + 1) }
        #expect(try log.readStream("s-3", limit: 1000).events.map(\.position) == stream3)
        let tag2 = (0..<200).filter { $0 % 5 == 2 }.map { UInt64($0 + 1) }
        #expect(try log.read(from: 1, limit: 1000, filter: EventFilter(tags: ["t:2"])).events.map(\.position) == tag2)
        let type1 = (0..<200).filter { $0 % 3 == 1 }.map { UInt64($0 + 1) }
        #expect(try log.read(from: 1, limit: 1000, filter: EventFilter(types: ["T1"])).events.map(\.position) == type1)
        let lastTen = Array(type1.suffix(10).reversed())
        #expect(try log.read(from: 200, limit: 10, backwards: true, filter: EventFilter(types: ["T1"])).events.map(\.position) == lastTen)
    }

    @Test func aReadOnlyOpenReadsALayout1StoreAndAWritableOpenUpgradesIt() async throws {
        let dir = TemporaryDirectory()
        try await populate(dir)
        try downgradeToLayout1(dir)

        let reader = try openLog(dir, readOnly: true)
        try expectIndexesRight(reader)
        reader.close()

        let writer = try openLog(dir)
        try expectIndexesRight(writer)
        #expect(try writer.streamVersion("s-3") == 29)
        let names = try writer.databaseStats().map(\.name)
        #expect(names.contains("keyRuns"))
        #expect(!names.contains("typeIndex") && !names.contains("keyIndex"))
        // New appends flush the rebuilt runs to `keyRuns`; everything still reads the same after a reopen.
        for i in 200..<240 {
            _ = try await writer.append(AppendRequest(
                events: [event("s-\(i % 7)", "T\(i % 3)", tags: ["t:\(i % 5)", "all"], "{\"i\":\(i)}")], actor: "a"))
        }
        writer.close()
        let reopened = try openLog(dir)
        defer { reopened.close() }
        let all = try reopened.read(from: 1, limit: 1000, filter: EventFilter(tags: ["all"])).events.map(\.position)
        #expect(all == Array(1...240))
        #expect(try reopened.streamVersion("s-3") == UInt64((0..<240).filter { $0 % 7 == 3 }.count))
        let layout = try Environment(path: dir.path + "/log", options: .init(mapSize: 1 << 24, maxDatabases: 16, readOnly: true))
        defer { layout.close() }
        let meta = try layout.openDatabase("meta")
        #expect(try layout.read { try $0.get(meta, key: Array(LogMeta.layoutVersion.utf8)) } == [2])
        #expect(try layout.read { try $0.get(meta, key: Array(LogMeta.keyRunsFlushed.utf8)) } != nil)
        #expect(try layout.read { try $0.get(meta, key: Array(LogMeta.layout1FlushedRun.utf8)) } == nil)
    }

    /// A writable open that dies after creating `keyRuns` but before its upgrade commits leaves a
    /// layout-1 store with an empty `keyRuns`: read-only opens must still read every run right.
    @Test func anUnfinishedUpgradeLeavesALayout1StoreReadableAsItIs() async throws {
        let dir = TemporaryDirectory()
        try await populate(dir)
        try downgradeToLayout1(dir)
        do {
            let env = try Environment(path: dir.path + "/log", options: .init(mapSize: 1 << 24, maxDatabases: 16))
            _ = try env.openDatabase("keyRuns")  // what a writable open does first
            env.close()
        }
        let reader = try openLog(dir, readOnly: true)
        defer { reader.close() }
        try expectIndexesRight(reader)
        #expect(try reader.streamVersion("s-3") == 29)
    }

    @Test func aStoreOfALaterLayoutIsRefused() async throws {
        let dir = TemporaryDirectory()
        try await populate(dir)
        do {
            let env = try Environment(path: dir.path + "/log", options: .init(mapSize: 1 << 24, maxDatabases: 16))
            let meta = try env.openDatabase("meta")
            try env.write { try $0.put(meta, key: Array(LogMeta.layoutVersion.utf8), value: [9]) }
            env.close()
        }
        #expect(throws: EventLogError.self) { try openLog(dir) }
    }

    @Test func keyRunsRoundTripAndRejectDamage() throws {
        var value: [UInt8] = []
        let positions: [UInt64] = [17, 18, 40, 1_000, 1_048_576]
        KeyRun.encode(positions, runStart: 1, into: &value)
        var out: [UInt64] = []
        try value.withUnsafeBytes { try KeyRun.decode($0, runStart: 1, runEnd: 1 << 20, lo: 18, hi: 1_000, into: &out) }
        #expect(out == [18, 40, 1_000])
        out = []
        try value.withUnsafeBytes { try KeyRun.decode($0, runStart: 1, runEnd: 1 << 20, lo: 1, hi: .max, into: &out) }
        #expect(out == positions)
        // Every truncation, and a position past the run, is an error — never a trap.
        for n in 0..<value.count {
            var o: [UInt64] = []
            #expect(throws: RecordError.self) {
                try Array(value.prefix(n)).withUnsafeBytes { try KeyRun.decode($0, runStart: 1, runEnd: 1 << 20, lo: 1, hi: .max, into: &o) }
            }
        }
        var o: [UInt64] = []
        #expect(throws: RecordError.self) {
            try value.withUnsafeBytes { try KeyRun.decode($0, runStart: 1, runEnd: 1_000, lo: 1, hi: .max, into: &o) }
        }
        #expect(throws: RecordError.self) {
            try [2, 5, 0].withUnsafeBytes { try KeyRun.decode($0, runStart: 1, runEnd: 1 << 20, lo: 1, hi: .max, into: &o) }
        }
    }
}
