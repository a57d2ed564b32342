import EventLog
import Foundation
import LMDB
import Testing

@Suite struct VerifyTests {
    func makeLog(_ dir: TemporaryDirectory, events: Int = 30) async throws {
        let log = try openLog(dir)
        for i in 0..<events {
            _ = try await log.append(AppendRequest(events: [event("s-\(i % 4)", tags: ["t"], "{\"i\":\(i)}")], actor: "a"))
        }
        log.close()
    }

    /// Edits the `events` database directly, as an attacker with file access would.
    func tamper(_ dir: TemporaryDirectory, _ body: (borrowing Transaction, Database) throws -> Void) throws {
        let env = try Environment(path: dir.path + "/log", options: .init(mapSize: 1 << 24))
        let events = try env.openDatabase("events")
        try env.write { txn in try body(txn, events) }
        env.close()
    }

    func key(_ p: UInt64) -> [UInt8] { withUnsafeBytes(of: p.bigEndian) { Array($0) } }

    @Test func anIntactLogVerifiesAndItsDigestMatches() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        let log = try openLog(dir)
        defer { log.close() }
        let report = try log.verify()
        #expect(report.isIntact)
        #expect(report.checked == 30)
        let digest = try log.digest()
        #expect(digest.position == 30)
        #expect(digest.hash == report.lastHash)
        #expect(try log.verify(digest: digest).isIntact)
        #expect(try log.verify(digest: Digest(position: 10, hash: .zero)).firstBad?.position == 10)
        // Position 0 is the empty log: only the zero hash is its digest.
        #expect(try log.verify(digest: Digest(position: 0, hash: .zero)).isIntact)
        #expect(try log.verify(digest: Digest(position: 0, hash: digest.hash)).firstBad?.position == 0)
    }

    @Test func aFlippedByteIsReportedAtItsPosition() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        try tamper(dir) { txn, events in
            var v = try #require(try txn.get(events, key: key(12)))
            v[v.count - 40] ^= 0x01  // a payload byte
            try txn.put(events, key: key(12), value: v)
        }
        let log = try openLog(dir)
        defer { log.close() }
        #expect(try log.verify().firstBad?.position == 12)
    }

    @Test func aRemovedEventIsReportedAtItsPosition() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        try tamper(dir) { txn, events in try txn.delete(events, key: key(7)) }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        #expect(try log.verify().firstBad?.position == 7)
    }

    @Test func aSwappedPairIsReportedAtTheFirstOfThem() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        try tamper(dir) { txn, events in
            let a = try #require(try txn.get(events, key: key(20)))
            let b = try #require(try txn.get(events, key: key(21)))
            try txn.put(events, key: key(20), value: b)
            try txn.put(events, key: key(21), value: a)
        }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        #expect(try log.verify().firstBad?.position == 20)
    }

    @Test func aRewrittenHashIsCaughtByItsSuccessor() async throws {
        let dir = TemporaryDirectory()
        try await makeLog(dir)
        try tamper(dir) { txn, events in
            var v = try #require(try txn.get(events, key: key(5)))
            v[v.count - 1] ^= 0xff
            try txn.put(events, key: key(5), value: v)
        }
        let log = try openLog(dir, readOnly: true)
        defer { log.close() }
        #expect(try log.verify().firstBad?.position == 5)
    }
}
