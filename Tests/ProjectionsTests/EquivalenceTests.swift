import CommandProcessing
import Domain
import EventLog
import Foundation
import JSON
@testable import ProjectionRuntime
import Testing
import Views

/// Every query of every view over a company's state, with paged views walked page by page.
struct QuerySet {
    var queries: [(view: String, params: JSONObject)] = []

    init(_ state: CompanyState, start: Int64, end: Int64) {
        let employees = state.org.employees.keys.sorted()
        for c in state.crm.customers.keys.sorted() { queries.append(("customer360", ["customerId": .string(c)])) }
        queries.append(("salesFunnel", [:]))
        for rep in RandomHistory.sales { queries.append(("salesFunnel", ["repId": .string(rep)])) }
        let mid = start + (end - start) / 2
        let iso = { (ms: Int64) in JSONValue.string(Timestamp(milliseconds: ms).iso8601) }
        queries.append(("salesFunnel", ["from": iso(start + 3_600_000 * 7), "to": iso(mid)]))
        queries.append(("salesFunnel", ["from": iso(mid), "repId": "S-1"]))
        queries.append(("salesFunnel", ["to": iso(mid + 12_345_678)]))
        for e in employees {
            queries.append(("approvalQueue", ["approverId": .string(e), "limit": 3]))
            queries.append(("myExpenses", ["requesterId": .string(e), "limit": 3]))
        }
        queries.append(("inventory", ["limit": 2]))
        for sku in RandomHistory.skus {
            queries.append(("inventory", ["sku": .string(sku)]))
            queries.append(("stockLedger", ["sku": .string(sku), "limit": 5]))
            for w in RandomHistory.warehouses {
                queries.append(("stockLedger", ["sku": .string(sku), "warehouseId": .string(w), "limit": 4]))
            }
        }
        for w in RandomHistory.warehouses { queries.append(("inventory", ["warehouseId": .string(w), "limit": 1])) }
        for a in employees + ["admin"] { queries.append(("auditTrail", ["actor": .string(a), "limit": 50])) }
        for c in state.crm.customers.keys.sorted().prefix(5) {
            queries.append(("auditTrail", ["tag": .string("customer:\(c)"), "limit": 7]))
            queries.append(("auditTrail", ["stream": .string("customer-\(c)"), "limit": 3]))
        }
        for o in state.erp.orders.keys.sorted().prefix(3) {
            queries.append(("auditTrail", ["tag": .string("order:\(o)"), "from": iso(mid), "to": iso(end)]))
        }
        queries.append(("auditTrail", ["stream": "stock-P-1@WH-1", "limit": 25, "from": iso(mid)]))
    }

    /// Every answer (pages concatenated) from `views`, keyed by the query's text.
    func answers(_ views: ViewService) async throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (view, params) in queries {
            let key = view + " " + params.text
            var params = params
            var pages: [JSONValue] = []
            var position: UInt64 = 0
            while true {
                let p: UInt64
                let result: JSONObject
                do {
                    (p, result) = try await views.query(
                        view: view, params: params, actor: .admin, minPosition: nil, timeout: .seconds(1))
                } catch let e as DomainError {
                    pages.append(["error": .string(e.code.rawValue)])
                    break
                }
                position = p
                pages.append(.object(result))
                guard let next = result["next"], case .string = next, pages.count < 1000 else { break }
                params["after"] = next
            }
            out[key] = ["position": .number(JSONNumber(position)), "pages": .array(pages)]
        }
        return out
    }
}

/// Compares two answer sets field by field and reports the first differences readably.
func expectSame(_ a: [String: JSONValue], _ b: [String: JSONValue], _ label: String) {
    #expect(a.keys.sorted() == b.keys.sorted(), "\(label): different query sets")
    var reported = 0
    for key in a.keys.sorted() where a[key] != b[key] && reported < 3 {
        reported += 1
        Issue.record("\(label): \(key)\n  one:   \(a[key]?.text ?? "nil")\n  other: \(b[key]?.text ?? "nil")")
    }
}

@Suite(.serialized) struct EquivalenceTests {
    static let commands = 260

    @Test(arguments: [11, 23, 47] as [UInt64])
    func liveRebuildBatchesAndAsOfReplaysAgree(seed: UInt64) async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 28, clock: clock))
        defer { log.close() }
        let processor = try CommandProcessor(log: log)
        let projections = ViewService.projections
        let caughtUpOnly = ProjectionEngine.Options(batchSize: 1, rebuildWhenBehind: .max)

        // A: event by event, interleaved with the commands. E: the live follower, small batches.
        try ProjectionEngine.createEmpty(directory: dir.path + "/a", projections: projections)
        let live = ProjectionEngine(log: log, directory: dir.path + "/a", projections: projections, options: caughtUpOnly)
        defer { live.close() }
        let follower = ProjectionEngine(
            log: log, directory: dir.path + "/e", projections: projections,
            options: .init(batchSize: 3, pollInterval: .milliseconds(5)))
        try follower.start()
        defer { follower.close() }
        // E2: the same with caches of ten records, so they are trimmed between pipelined batches.
        let smallCaches = ProjectionEngine(
            log: log, directory: dir.path + "/e2", projections: projections,
            options: .init(batchSize: 2, cacheLimit: 10, pollInterval: .milliseconds(3)))
        try smallCaches.start()
        defer { smallCaches.close() }

        let start = clock.nowMilliseconds()
        var generator = RandomHistory(seed: seed)
        var accepted = 0
        var asOf: (position: UInt64, time: Int64, answers: [String: JSONValue])?
        for (actor, type, data) in RandomHistory.setup() {
            _ = try await processor.execute(CommandRequest(type: type, data: .object(data), actorId: actor))
        }
        for i in 0..<Self.commands {
            clock.advance(minutes: Int.random(in: 1...600, using: &generator.rng))
            let state = try await processor.snapshot()
            let (actor, type, data) = generator.next(state)
            if (try? await processor.execute(CommandRequest(type: type, data: .object(data), actorId: actor))) != nil {
                accepted += 1
            }
            while try live.applyPending(maxEvents: 1) > 0 {}
            if i == Self.commands / 2 {
                let state = try await processor.snapshot()
                let set = QuerySet(state, start: start, end: clock.nowMilliseconds())
                asOf = (log.lastPosition, clock.nowMilliseconds(), try await set.answers(ViewService(source: live)))
            }
        }
        #expect(accepted > Self.commands / 2, "only \(accepted) commands were accepted")
        let last = log.lastPosition
        let state = try await processor.snapshot()
        let queries = QuerySet(state, start: start, end: clock.nowMilliseconds())

        let a = try await queries.answers(ViewService(source: live))

        // B: a full rebuild (as-of replay of the whole log).
        try ProjectionEngine.replay(log: log, projections: projections, into: dir.path + "/b")
        let bStore = try ViewStore.open(directory: dir.path + "/b", projections: projections, readOnly: true)
        let b = try await queries.answers(ViewService(source: StaticViewSource(log: log, store: bStore)))
        expectSame(a, b, "seed \(seed): event by event vs rebuild")

        // C, D: catching up from nothing in batches of 7 and of 1,000.
        for size in [7, 1000] {
            let path = dir.path + "/batch-\(size)"
            try ProjectionEngine.createEmpty(directory: path, projections: projections)
            let engine = ProjectionEngine(
                log: log, directory: path, projections: projections, options: .init(rebuildWhenBehind: .max))
            while try engine.applyPending(maxEvents: size) > 0 {}
            let c = try await queries.answers(ViewService(source: engine))
            expectSame(a, c, "seed \(seed): event by event vs batches of \(size)")
            engine.close()
        }

        // E: the live follower.
        for p in projections {
            #expect(await follower.waitUntil(p.name, reaches: last, timeout: .seconds(20)), "\(p.name) never caught up")
        }
        let e = try await queries.answers(ViewService(source: follower))
        expectSame(a, e, "seed \(seed): event by event vs live follower")
        for p in projections {
            #expect(await smallCaches.waitUntil(p.name, reaches: last, timeout: .seconds(20)), "\(p.name) never caught up")
        }
        let e2 = try await queries.answers(ViewService(source: smallCaches))
        expectSame(a, e2, "seed \(seed): event by event vs live follower with small caches")
        // E3: a follower catching up on the whole log in batches of five, each applied while the one
        // before it commits (held back a millisecond), with caches trimmed as it goes.
        try ProjectionEngine.createEmpty(directory: dir.path + "/e3", projections: projections)
        var slowCommits = ProjectionEngine.Options(batchSize: 5, cacheLimit: 10, rebuildWhenBehind: .max)
        slowCommits.commitDelayForTesting = .milliseconds(1)
        let catchingUp = ProjectionEngine(
            log: log, directory: dir.path + "/e3", projections: projections, options: slowCommits)
        try catchingUp.start()
        for p in projections {
            #expect(await catchingUp.waitUntil(p.name, reaches: last, timeout: .seconds(30)), "\(p.name) never caught up")
        }
        let e3 = try await queries.answers(ViewService(source: catchingUp))
        expectSame(a, e3, "seed \(seed): event by event vs pipelined catch-up")
        catchingUp.close()

        // F: an engine started on the full log builds fresh and swaps the directory in.
        let started = ProjectionEngine(log: log, directory: dir.path + "/f", projections: projections)
        try started.start()
        let f = try await queries.answers(ViewService(source: started))
        expectSame(a, f, "seed \(seed): event by event vs started engine")
        started.close()

        // As of a past position, and of a past time: equal to the live view as it was then.
        let past = try #require(asOf)
        try ProjectionEngine.replay(log: log, projections: projections, until: .position(past.position), into: dir.path + "/g")
        let gStore = try ViewStore.open(directory: dir.path + "/g", projections: projections, readOnly: true)
        let g = try await QuerySetAnswers.answers(past.answers, ViewService(source: StaticViewSource(log: log, store: gStore)))
        expectSame(past.answers, g, "seed \(seed): live at \(past.position) vs replay until that position")
        try ProjectionEngine.replay(log: log, projections: projections, until: .time(past.time), into: dir.path + "/h")
        let hStore = try ViewStore.open(directory: dir.path + "/h", projections: projections, readOnly: true)
        let hAnswers = try await QuerySetAnswers.answers(
            past.answers, ViewService(source: StaticViewSource(log: log, store: hStore)))
        expectSame(past.answers, hAnswers, "seed \(seed): live at \(past.position) vs replay until its time")
        bStore.close()
        gStore.close()
        hStore.close()
    }
}

/// Re-asks the queries of an earlier answer set.
enum QuerySetAnswers {
    static func answers(_ earlier: [String: JSONValue], _ views: ViewService) async throws -> [String: JSONValue] {
        var set = QuerySet(CompanyState(), start: 0, end: 0)
        set.queries = try earlier.keys.map { key in
            let space = key.firstIndex(of: " ")!
            let params = try JSONValue.parse(Array(key[key.index(after: space)...].utf8))
            return (String(key[..<space]), params.objectValue ?? [:])
        }
        return try await set.answers(views)
    }
}
