import EventCoding
import EventLog
import Foundation
import JSON
import LMDB
@testable import ProjectionRuntime
import Testing

/// A rebuild on several threads: one scans the log and hands batches of records to the others.
/// Every projection must see every event of its types exactly once and in order, whichever thread
/// it runs on, and a failure on any thread must end the rebuild with that failure, never a hang.
@Suite struct RebuildThreadsTests {
    struct Failure: Error, Equatable { var position: UInt64 }

    /// What a projection saw: how many events, the sum of their positions, the last one, and the
    /// sum of the `n` member of their payloads.
    struct Seen: ViewRecord, Equatable {
        var count: Int64 = 0
        var positions: Int64 = 0
        var last: Int64 = 0
        var members: Int64 = 0

        init() {}
        func encode(into w: inout RecordWriter) {
            w.int(count)
            w.int(positions)
            w.int(last)
            w.int(members)
        }
        init(from r: inout RecordReader) throws(RecordDecodingError) {
            count = try r.int()
            positions = try r.int()
            last = try r.int()
            members = try r.int()
        }
    }

    final class Recorder: Projector {
        let table: ViewTable<String, Seen>
        let failAt: UInt64?
        let everyEvent: Bool

        init(_ context: ProjectorContext, name: String, failAt: UInt64?, everyEvent: Bool) throws {
            table = try context.table(name + ".seen")
            self.failAt = failAt
            self.everyEvent = everyEvent
        }

        func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
            if e.position == failAt { throw Failure(position: e.position) }
            let d = e.payload
            // Several members per event, read in an order unlike the stored one.
            let n = d.int("n") ?? 0
            let m = d.int("m") ?? 0
            let missing = d.int("absent")
            try table.update("all", txn) { seen in
                var s = seen ?? Seen()
                if self.everyEvent && s.last + 1 != Int64(e.position) { s.members = -1_000_000 }  // a gap or a repeat
                s.count += 1
                s.positions += Int64(e.position)
                s.last = Int64(e.position)
                s.members += Int64(n * 1000 + m) + (missing == nil ? 0 : 1_000_000)
                seen = s
            }
        }
    }

    static func projection(_ name: String, types: Set<String>?, weight: Int, failAt: UInt64? = nil) -> Projection {
        Projection(
            name: name, version: 1, views: [name], eventTypes: types, databases: [DatabaseSpec(name + ".seen")],
            rebuildWeight: weight
        ) { context in try Recorder(context, name: name, failAt: failAt, everyEvent: types == nil) }
    }

    /// `count` events alternating types A and B, each with members `m` and `n` (stored in that order).
    func log(_ dir: TemporaryDirectory, count: Int) async throws -> EventLog {
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 26))
        var i = 0
        while i < count {
            var events: [EventToAppend] = []
            for k in i..<min(count, i + 500) {
                let data = PayloadCodec.encode(["m": .number(JSONNumber(k % 7)), "n": .number(JSONNumber(k))])
                events.append(EventToAppend(stream: "s-\(k % 50)", type: k % 2 == 0 ? "A" : "B", tags: [], data: data))
            }
            _ = try await log.append(AppendRequest(events: events, actor: "E-1"))
            i += events.count
        }
        return log
    }

    func seen(_ directory: String, _ projections: [Projection]) throws -> [String: Seen] {
        let store = try ViewStore.open(directory: directory, projections: projections, readOnly: true)
        defer { store.close() }
        var result: [String: Seen] = [:]
        for p in projections {
            result[p.name] = try store.read { txn in
                try txn.withValue(try store.database(p.name + ".seen"), key: Array("all".utf8)) { v in
                    try v.map { try Seen.decode($0) }
                }
            }
        }
        return result
    }

    @Test func everyThreadSeesEveryEventOfItsTypesOnceAndInOrder() async throws {
        let dir = TemporaryDirectory()
        let count = 5_000  // several of the scanner's batches
        let log = try await log(dir, count: count)
        defer { log.close() }
        let projections = [
            Self.projection("every", types: nil, weight: 15), Self.projection("onlyA", types: ["A"], weight: 30),
            Self.projection("onlyB", types: ["B"], weight: 20),
        ]
        // One thread each with three: the scanner feeds two others.
        #expect(ProjectionRunner.groups(projections, 3) == [[0], [1], [2]])
        var runs: [[String: Seen]] = []
        for threads in 1...3 {
            let path = dir.path + "/views-\(threads)"
            try ProjectionEngine.replay(log: log, projections: projections, into: path, parallelism: threads)
            runs.append(try seen(path, projections))
        }
        #expect(runs[1] == runs[0])
        #expect(runs[2] == runs[0])
        let alone = runs[0]
        let all = (0..<count).reduce(Int64(0)) { $0 + Int64($1 * 1000 + $1 % 7) }
        #expect(alone["every"]?.count == Int64(count))
        #expect(alone["every"]?.last == Int64(count))
        #expect(alone["every"]?.positions == Int64(count * (count + 1) / 2))
        #expect(alone["every"]?.members == all)
        #expect(alone["onlyA"]?.count == Int64(count / 2))
        #expect(alone["onlyB"]?.last == Int64(count))
        #expect((alone["onlyA"]?.members ?? 0) + (alone["onlyB"]?.members ?? 0) == all)
    }

    @Test(arguments: [(1, "the scanning thread"), (30, "a thread the scanner feeds")])
    func aFailureOnAnyThreadEndsTheRebuildWithIt(weight: Int, thread: String) async throws {
        let dir = TemporaryDirectory()
        let log = try await log(dir, count: 4_000)
        defer { log.close() }
        // Group 0 starts with the scan's weight, so the lighter projection runs on the scanning thread.
        let failing = Self.projection("failing", types: nil, weight: weight, failAt: 2_500)
        let other = Self.projection("other", types: nil, weight: weight == 1 ? 30 : 1)
        #expect(ProjectionRunner.groups([failing, other], 2) == (weight == 1 ? [[0], [1]] : [[1], [0]]))
        do {
            try ProjectionEngine.replay(log: log, projections: [failing, other], into: dir.path + "/views", parallelism: 2)
            Issue.record("the rebuild did not fail (\(thread))")
        } catch let error as Failure {
            #expect(error == Failure(position: 2_500), "\(thread)")
        }
    }
}

/// The per-event member index answers exactly as member-by-member lookups do, for whole payloads
/// and for ones damaged part way (where it falls back to the lookups).
@Suite struct MemberIndexTests {
    static let payload: JSONObject = [
        "orderId": "SO-1", "lines": [["sku": "A", "quantity": 2]], "total": "12.50", "count": 3, "none": nil,
        "": "empty key",
    ]

    func read(_ bytes: [UInt8], indexed: Bool) -> [String] {
        let index = MemberIndex()
        return bytes.withUnsafeBytes { raw in
            let d = Payload(type: "T", schema: 1, currentSchema: 1, bytes: raw, members: indexed ? index : nil)
            var out: [String] = []
            for key in ["total", "orderId", "count", "none", "", "missing", "lines"] {
                out.append("\(key)=\(d.string(key) ?? "-")/\(d.int(key).map(String.init) ?? "-")/\(d.has(key))")
            }
            d.forEach("lines") { line in out.append("line \(line.string("sku") ?? "-") \(line.int("quantity") ?? 0)") }
            out.append("money \(d.money("total") ?? 0)")
            return out
        }
    }

    @Test func indexedReadsEqualMemberLookups() {
        let bytes = PayloadCodec.encode(Self.payload)
        #expect(read(bytes, indexed: true) == read(bytes, indexed: false))
        #expect(read(bytes, indexed: true).first == "total=12.50/-/true")
        // Cut inside the last members: the ones before the damage still read the same.
        for cut in [1, 4, 12] {
            let damaged = Array(bytes.dropLast(cut))
            #expect(read(damaged, indexed: true) == read(damaged, indexed: false), "cut \(cut)")
        }
    }

    @Test func theIndexIsRebuiltForEachEvent() {
        let index = MemberIndex()
        let first = PayloadCodec.encode(["id": "one"])
        let second = PayloadCodec.encode(["other": 1, "id": "two"])
        first.withUnsafeBytes { raw in
            #expect(Payload(type: "T", schema: 1, currentSchema: 1, bytes: raw, members: index).string("id") == "one")
        }
        index.reset()
        second.withUnsafeBytes { raw in
            #expect(Payload(type: "T", schema: 1, currentSchema: 1, bytes: raw, members: index).string("id") == "two")
        }
    }
}

/// The tail of a rebuild on two threads: the helper hands the largest table to the writer in pieces
/// (``ProjectionRunner/flushPiece`` records each) while the writer writes the other tables. The
/// views must be exactly those of a rebuild on one thread, which writes every table whole.
@Suite struct RebuildPiecesTests {
    /// One record per event under its own key (a table of many pieces, written out of key order),
    /// some deleted again; and one small table of counters.
    final class ManyKeys: Projector {
        let records: ViewTable<KeyPair, RebuildThreadsTests.Seen>
        let counters: ViewTable<String, RebuildThreadsTests.Seen>

        init(_ context: ProjectorContext) throws {
            records = try context.table("many.records")
            counters = try context.table("many.counters")
        }

        func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
            let n = e.payload.int("n") ?? 0
            // Keys arrive in an order unlike their byte order: the flush must sort them.
            let key = KeyPair("k-\((n * 7_919) % 1_000_003)", "\(n % 3)")
            var seen = RebuildThreadsTests.Seen()
            seen.count = Int64(n)
            seen.last = Int64(e.position)
            if n % 10 == 9 {
                records.delete(KeyPair("k-\(((n - 1) * 7_919) % 1_000_003)", "\((n - 1) % 3)"))
            } else {
                records.put(key, seen)
            }
            try counters.update(e.type, txn) { c in
                var s = c ?? RebuildThreadsTests.Seen()
                s.count += 1
                s.positions += Int64(e.position)
                c = s
            }
        }
    }

    /// The table of many keys, and a light projection that reads every event.
    static let projections = [
        Projection(
            name: "many", version: 1, views: ["many"], eventTypes: nil,
            databases: [DatabaseSpec("many.records"), DatabaseSpec("many.counters")], rebuildWeight: 5
        ) { context in try ManyKeys(context) },
        RebuildThreadsTests.projection("every", types: nil, weight: 5),
    ]

    @Test func aTableOfManyPiecesIsWrittenAsOneThreadWritesIt() async throws {
        let dir = TemporaryDirectory()
        let count = ProjectionRunner.flushPiece * 2 + 4_321
        let log = try await RebuildThreadsTests().log(dir, count: count)
        defer { log.close() }
        let projections = Self.projections
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/one", parallelism: 1)
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/two", parallelism: 2)
        let one = try ViewStore.open(directory: dir.path + "/one", projections: projections, readOnly: true)
        defer { one.close() }
        let two = try ViewStore.open(directory: dir.path + "/two", projections: projections, readOnly: true)
        defer { two.close() }
        guard case .equal(_, let entries) = try one.compare(with: two, projections: projections) else {
            Issue.record("the views of two threads differ from those of one")
            return
        }
        #expect(entries > count / 2)
        // And the table holds what was put and not deleted (the payload's n is the event's index;
        // 1,000,003 is prime, so every n has its own key).
        let stored = try one.read { txn in
            var n = 0
            try txn.withCursor(try one.database("many.records")) { cursor in
                while try cursor.next() != nil { n += 1 }
            }
            return n
        }
        #expect(stored == (0..<count).filter { $0 % 10 != 9 && !($0 % 10 == 8 && $0 + 1 < count) }.count)
    }

    /// When the views' map fills during the one write transaction, LMDB grows it and runs the
    /// transaction again: the second run must write everything the tables handed to the first.
    @Test(arguments: [1, 2])
    func aMapThatFillsDuringTheWriteStillGetsEveryRecord(threads: Int) async throws {
        let dir = TemporaryDirectory()
        let count = ProjectionRunner.flushPiece + 9_000
        let log = try await RebuildThreadsTests().log(dir, count: count)
        defer { log.close() }
        let projections = Self.projections
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/roomy", parallelism: threads)
        // A map of 256 KiB holds a fraction of the records: the write fills it several times.
        let small = try ViewStore.open(directory: dir.path + "/small", projections: projections, mapSize: 1 << 18)
        let runner = try ProjectionRunner(store: small, projections: projections, fresh: true, cacheLimit: .max)
        try runner.build(log, through: log.lastPosition, parallelism: threads)
        #expect(small.env.currentMapSize() > 1 << 18)
        let roomy = try ViewStore.open(directory: dir.path + "/roomy", projections: projections, readOnly: true)
        defer { roomy.close() }
        let comparison = try small.compare(with: roomy, projections: projections)
        small.close()
        guard case .equal(_, let entries) = comparison else {
            Issue.record("a rebuild whose map filled differs from one whose did not: \(comparison)")
            return
        }
        #expect(entries > count / 2)
    }

    /// Two projections lighter than the scan still get a thread each.
    @Test func lightProjectionsStillRunOnTwoThreads() {
        let light = [
            RebuildThreadsTests.projection("a", types: nil, weight: 1),
            RebuildThreadsTests.projection("b", types: nil, weight: 1),
        ]
        #expect(ProjectionRunner.groups(light, 2).count == 2)
        #expect(ProjectionRunner.groups(light, 1) == [[0, 1]])
        #expect(ProjectionRunner.groups([light[0]], 2) == [[0]])
    }
}
