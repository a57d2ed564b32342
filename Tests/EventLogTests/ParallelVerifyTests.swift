import Foundation
import LMDB
import Testing

@testable import EventLog

/// `verify` split into ranges checked at once must give exactly the single-pass report; a log opened
/// `scanOnly` reads like a fully opened one.
@Suite struct ParallelVerifyTests {
    let helper = VerifyTests()

    /// The report of one range over the whole log: the single pass.
    func singlePass(_ log: EventLog) throws -> VerifyReport {
        try log.verifyRanges(starts: [1], end: log.lastPosition)
    }

    /// Every split of 30 events into two ranges, and a sample of three-range splits.
    func expectEverySplitMatches(_ log: EventLog, _ reference: VerifyReport,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let end = log.lastPosition
        for s in 2...end {
            let r = try log.verifyRanges(starts: [1, s], end: end)
            #expect(r == reference, "split at \(s)", sourceLocation: sourceLocation)
        }
        for s in stride(from: 2, to: end, by: 3) {
            for t in stride(from: s + 1, through: end, by: 4) {
                let r = try log.verifyRanges(starts: [1, s, t], end: end)
                #expect(r == reference, "splits at \(s), \(t)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func everySplitOfAnIntactLogGivesTheSinglePassReport() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.isIntact)
        #expect(reference.checked == 30)
        #expect(reference.lastHash == (try log.digest()).hash)
        try expectEverySplitMatches(log, reference)
        #expect(try log.verify(threads: 2) == reference)
        #expect(try log.verify(threads: 8) == reference)
        // A range per event.
        #expect(try log.verifyRanges(starts: Array(1...30), end: 30) == reference)
    }

    @Test func aFlippedByteIsReportedAtItsPositionWhereverTheSplitIs() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        let before = try openLog(dir, readOnly: true)
        let hash11 = try #require(try before.event(at: 11)).hash
        before.close()
        try helper.tamper(dir) { txn, events in
            var v = try #require(try txn.get(events, key: helper.key(12)))
            v[v.count - 40] ^= 0x01
            try txn.put(events, key: helper.key(12), value: v)
        }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.firstBad?.position == 12)
        #expect(reference.checked == 11)
        #expect(reference.lastPosition == 11)
        #expect(reference.lastHash == hash11)
        try expectEverySplitMatches(log, reference)
    }

    @Test func aRemovedEventIsReportedAtItsPositionWhereverTheSplitIs() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        try helper.tamper(dir) { txn, events in try txn.delete(events, key: helper.key(7)) }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.firstBad?.position == 7)
        #expect(reference.checked == 6)
        try expectEverySplitMatches(log, reference)
    }

    @Test func removedFirstAndLastEventsAreReported() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        try helper.tamper(dir) { txn, events in try txn.delete(events, key: helper.key(1)) }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.firstBad?.position == 1)
        #expect(reference.checked == 0)
        #expect(reference.lastHash == .zero)
        try expectEverySplitMatches(log, reference)
    }

    @Test func aSwappedPairIsReportedAtTheFirstOfThemWhereverTheSplitIs() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        try helper.tamper(dir) { txn, events in
            let a = try #require(try txn.get(events, key: helper.key(20)))
            let b = try #require(try txn.get(events, key: helper.key(21)))
            try txn.put(events, key: helper.key(20), value: b)
            try txn.put(events, key: helper.key(21), value: a)
        }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.firstBad?.position == 20)
        #expect(reference.checked == 19)
        try expectEverySplitMatches(log, reference)
    }

    @Test func aRewrittenHashAtARangeEdgeIsCaughtWhereItIs() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        try helper.tamper(dir) { txn, events in
            var v = try #require(try txn.get(events, key: helper.key(15)))
            v[v.count - 1] ^= 0xff
            try txn.put(events, key: helper.key(15), value: v)
        }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.firstBad?.position == 15)
        // Range 2 starts at 16 from the altered stored hash and breaks at 16 too: the first is reported.
        #expect(try log.verifyRanges(starts: [1, 16], end: 30) == reference)
        #expect(try log.verifyRanges(starts: [1, 15], end: 30) == reference)
        try expectEverySplitMatches(log, reference)
    }

    @Test func damageInTwoRangesReportsTheFirst() async throws {
        let dir = TemporaryDirectory()
        try await helper.makeLog(dir)
        try helper.tamper(dir) { txn, events in
            for p: UInt64 in [9, 24] {
                var v = try #require(try txn.get(events, key: helper.key(p)))
                v[v.count - 40] ^= 0x01
                try txn.put(events, key: helper.key(p), value: v)
            }
            try txn.delete(events, key: helper.key(27))
        }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        let reference = try singlePass(log)
        #expect(reference.firstBad?.position == 9)
        #expect(reference.checked == 8)
        for starts: [UInt64] in [[1, 16], [1, 10, 25], [1, 24], [1, 9, 27], [1, 20, 22]] {
            #expect(try log.verifyRanges(starts: starts, end: 30) == reference, "starts \(starts)")
        }
        // The second range alone sees its own damage.
        #expect(try log.verifyRanges(starts: [16], end: 30).firstBad?.position == 24)
        try expectEverySplitMatches(log, reference)
    }

    @Test func aLongLogIsVerifiedInParallelWithTheSinglePassReport() async throws {
        let dir = TemporaryDirectory()
        let writer = try openLog(dir)
        for batch in 0..<10 {
            let events = (0..<1000).map { i in event("s-\(i % 7)", tags: ["t"], "{\"b\":\(batch),\"i\":\(i)}") }
            _ = try await writer.append(AppendRequest(events: events, actor: "a"))
        }
        writer.close()
        do {
            let log = try openLog(dir, readOnly: true)
            defer { log.close() }
            let reference = try singlePass(log)
            #expect(reference.isIntact && reference.checked == 10_000)
            var seen: [UInt64] = []
            #expect(try log.verify(threads: 2) { seen.append($0) } == reference)
            #expect(seen.last == 10_000)
            #expect(try log.verify(threads: 1) == reference)
        }
        try helper.tamper(dir) { txn, events in
            var v = try #require(try txn.get(events, key: helper.key(9_000)))
            v[v.count - 40] ^= 0x01
            try txn.put(events, key: helper.key(9_000), value: v)
        }
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 24, scanOnly: true))
        defer { log.close() }
        let report = try log.verify(threads: 2)
        #expect(report == (try singlePass(log)))
        #expect(report.firstBad?.position == 9_000)
        #expect(report.checked == 8_999)
        #expect(report.lastHash == (try log.event(at: 8_999))?.hash)
    }

    // MARK: scanOnly

    /// Reads by position, verify, and reads that need the key index (streams, tags, types).
    func observations(_ log: EventLog) throws -> [String] {
        var out: [String] = []
        func add(_ value: Any) { out.append(String(describing: value)) }
        add(log.lastPosition)
        add(try log.event(at: 33) as Any)
        add(try log.digest())
        add(try log.verify())
        add(try log.read(from: 5, limit: 20))
        add(try log.read(limit: 7, backwards: true))
        for s in 0..<6 {
            add(try log.streamVersion("s-\(s)"))
            add(try log.readStream("s-\(s)", limit: 100))
            add(try log.readStream("s-\(s)", limit: 3, backwards: true))
        }
        for filter in [EventFilter(types: ["Odd"]), EventFilter(tags: ["even"]), EventFilter(types: ["Nope"]),
                       EventFilter(types: ["Odd", "Happened"])] {
            add(try log.read(limit: 9, filter: filter))
            add(try log.read(from: 40, limit: 9, backwards: true, filter: filter))
        }
        return out
    }

    @Test func aScanOnlyOpenReadsLikeAFullOpen() async throws {
        let dir = TemporaryDirectory()
        let writer = try openLog(dir, runShift: 4)  // runs of 16 positions: some are flushed to keyIndex
        for i in 0..<70 {
            let type = i % 3 == 0 ? "Odd" : "Happened"
            _ = try await writer.append(AppendRequest(
                events: [event("s-\(i % 5)", type, tags: i % 2 == 0 ? ["even"] : ["odd"], "{\"i\":\(i)}")], actor: "a"))
        }
        writer.close()
        // One process opens the environment once at a time: observe the full open, then the scan-only one.
        let full = try openLog(dir, runShift: 4, readOnly: true)
        let expected = try observations(full)
        full.close()
        let scan = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 24, scanOnly: true))
        defer { scan.close() }
        let seen = try observations(scan)
        #expect(seen.count == expected.count)
        for (i, (a, b)) in zip(seen, expected).enumerated() { #expect(a == b, "observation \(i)") }
        #expect(scan.lastPosition == 70)
        #expect(try scan.event(at: 71) == nil)
        var scanned = 0
        try scan.scan { _, _ in scanned += 1; return true }
        #expect(scanned == 70)
        #expect(try scan.firstPosition(atOrAfter: 0) == 1)
        // Writing is refused with a clear error.
        await #expect(throws: EventLogError.self) {
            _ = try await scan.append(AppendRequest(events: [event("s-0")], actor: "a"))
        }
    }

    @Test func aScanOnlyOpenOfAnEmptyLogVerifies() throws {
        let dir = TemporaryDirectory()
        try openLog(dir).close()
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 24, scanOnly: true))
        defer { log.close() }
        #expect(log.lastPosition == 0)
        let report = try log.verify()
        #expect(report.isIntact && report.checked == 0 && report.lastHash == .zero)
        #expect(try log.digest().position == 0)
    }
}
