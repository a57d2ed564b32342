import Foundation
import JSON
import Locking
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hostile clients against the real server (issue 7): every case is answered with the contract's
/// code while a well-behaved client keeps being served, and the server's memory stays bounded.
///
/// `make test` runs it against the debug server. `make hostile` runs the same suite against the
/// release server (`CHRONICLE_BINARY`) with the issue's bound on the well-behaved client's p99
/// (`CHRONICLE_HOSTILE_P99_MS=10`). The default bound, 1 s, only catches a server that stalls: a debug
/// build on a busy 2-core machine, whose disk another process is filling, has shown p99s of 0.3 s.
@Suite(.serialized) struct HostileClientTests {
    static let roles = ["sales", "manager", "finance", "ceo", "warehouse", "auditor", "analyst", "integration"]
    static var tokens: [String: String] {
        Dictionary(uniqueKeysWithValues: roles.map { ("t-\($0)", "E-\($0)") })
    }

    @Test func everyHostileCaseIsAnsweredWithItsCodeWhileAWellBehavedClientIsServed() async throws {
        let environment = ProcessInfo.processInfo.environment
        let p99Bound = Double(environment["CHRONICLE_HOSTILE_P99_MS"] ?? "") ?? 1_000
        let floodSize = Int(environment["CHRONICLE_HOSTILE_FLOOD"] ?? "") ?? 100_000
        try await withServer(
            // One event loop: every hostile connection shares it with the well-behaved client.
            tokens: Self.tokens, arguments: ["--max-connections", "64", "--hello-timeout", "2", "--threads", "1"]
        ) { server in
            let admin = try server.connect()
            try admin.hello()
            for role in Self.roles { try admin.register("E-\(role)", roles: [role]) }
            let rssBefore = try #require(server.residentBytes)

            let prober = try WellBehavedClient(server.connect())
            prober.start()
            defer { _ = prober.stop() }  // on a throw too: the thread must not outlive the test
            var cases = CaseTally()
            try framingCases(server, &cases)
            try wrongTypeCases(admin, &cases)
            try forgedActorCases(server, &cases)
            try wrongRoleCases(server, &cases)
            try slowlorisCases(server, &cases)
            try connectionFloodCases(server, &cases)
            let rssDuringFlood = try floodCase(server, requests: floodSize, &cases)
            let latency = prober.stop()

            #expect(cases.failures.isEmpty, "cases answered with the wrong code: \(cases.failures.prefix(20))")
            #expect(latency.errors.isEmpty, "the well-behaved client got errors: \(latency.errors.prefix(5))")
            #expect(latency.count > 50, "the well-behaved client kept being served")
            let rssAfter = try #require(server.residentBytes)
            let growth = max(rssDuringFlood, rssAfter) - min(rssBefore, rssAfter)
            #expect(growth < 256 << 20, "server memory grew by \(growth >> 20) MiB")
            #expect(latency.p99Milliseconds <= p99Bound, "well-behaved p99 \(latency.p99Milliseconds) ms > \(p99Bound) ms")
            print(String(
                format: "hostile clients: %d cases, %d answered with the wrong code; well-behaved client: %d requests, p50 %.2f ms, p99 %.2f ms (ping and read %.2f, commands %.2f), max %.2f ms; server RSS %d → %d MiB (flood %d MiB)",
                cases.total, cases.failures.count, latency.count, latency.p50Milliseconds, latency.p99Milliseconds,
                latency.readsP99Milliseconds, latency.commandsP99Milliseconds, latency.maxMilliseconds,
                rssBefore >> 20, rssAfter >> 20, rssDuringFlood >> 20))
        }
    }

    // MARK: Framing: huge lines, invalid UTF-8, deep nesting

    private func framingCases(_ server: ServerProcess, _ cases: inout CaseTally) throws {
        let huge = try server.connect()
        try huge.sendRaw(Array(repeating: UInt8(ascii: "a"), count: (1 << 20) + 4096))
        let r = try huge.readObject()
        cases.check("a megabyte line without a newline", r, "frame_too_large")
        cases.check("…then the connection is closed", try huge.isClosedByServer())

        let c = try server.connect()
        try c.hello()  // else the 2 s hello timeout could close it mid-case on a slow build
        let invalidUTF8: [[UInt8]] = [
            [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0x80], [0xE2, 0x82],
            [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        ]
        for (i, bytes) in invalidUTF8.enumerated() {
            try c.sendRaw(Array(#"{"id":"u\#(i)","op":"ping","x":""#.utf8) + bytes + Array(#""}"#.utf8) + [0x0A])
            cases.check("invalid UTF-8 \(bytes)", try c.readObject(), "bad_request")
        }
        try c.sendRaw([0xFF, 0xFE, 0x0A])
        cases.check("a line of invalid UTF-8 only", try c.readObject(), "bad_request")
        for (depth, open, close) in [(65, "[", "]"), (65, "{\"a\":", "}"), (10_000, "[", "]"), (200_000, "[", "]")] {
            let line = #"{"id":"deep","op":"ping","x":"# + String(repeating: open, count: depth) + "1"
                + String(repeating: close, count: depth) + "}"
            try c.sendLine(line)
            cases.check("JSON nested \(depth) deep", try c.readObject(), "bad_request")
        }
        cases.check("the connection stays open after bad lines", try c.call("ping").ok)
    }

    // MARK: Every field of every command with a value of the wrong type

    /// The commands of CONTRACT §3 with a valid `data` and the kind of each field.
    static let commands: [(type: String, fields: [(String, FieldKind)])] = [
        ("RegisterEmployee", [("employeeId", .string), ("name", .string), ("roles", .strings), ("managerId", .string)]),
        ("UpdateEmployee", [("employeeId", .string), ("name", .string), ("roles", .strings), ("managerId", .string)]),
        ("DeactivateEmployee", [("employeeId", .string), ("reason", .string)]),
        ("SetLeadPoolRules", [("capacity", .int), ("dailyClaimLimit", .int), ("reclaimLockDays", .int),
                              ("recycleAfterDays", .int), ("timeZone", .choice("UTC"))]),
        ("SetApprovalPolicy", [("ceoThreshold", .money), ("exemptions", .map)]),
        ("CaptureLead", [("leadId", .string), ("company", .string), ("contactName", .string), ("phone", .string),
                         ("email", .string), ("source", .string), ("estimatedValue", .money)]),
        ("ClaimLead", [("leadId", .string)]),
        ("AssignLead", [("leadId", .string), ("repId", .string)]),
        ("ReleaseLead", [("leadId", .string), ("reason", .string)]),
        ("LogFollowUp", [("leadId", .string), ("channel", .choice("call")), ("note", .string)]),
        ("RecycleStaleLeads", [("asOf", .time)]),
        ("ConvertLead", [("leadId", .string), ("customerId", .string), ("customerName", .string),
                         ("opportunityId", .string), ("title", .string), ("amount", .money), ("expectedClose", .date)]),
        ("DisqualifyLead", [("leadId", .string), ("reason", .string)]),
        ("RegisterCustomer", [("customerId", .string), ("name", .string), ("ownerId", .string)]),
        ("OpenOpportunity", [("opportunityId", .string), ("customerId", .string), ("title", .string),
                             ("amount", .money), ("expectedClose", .date)]),
        ("AdvanceStage", [("opportunityId", .string), ("stage", .choice("proposal")), ("reason", .string)]),
        ("MarkOpportunityLost", [("opportunityId", .string), ("reason", .string)]),
        ("SubmitExpense", [("expenseId", .string), ("amount", .money), ("category", .string),
                           ("description", .string), ("customerId", .string), ("opportunityId", .string)]),
        ("ApproveExpense", [("expenseId", .string), ("comment", .string)]),
        ("RejectExpense", [("expenseId", .string), ("reason", .string)]),
        ("WithdrawExpense", [("expenseId", .string)]),
        ("ReassignApproval", [("expenseId", .string), ("approverId", .string), ("reason", .string)]),
        ("PayExpense", [("expenseId", .string)]),
        ("RegisterProduct", [("sku", .string), ("name", .string), ("unit", .string), ("reorderPoint", .int)]),
        ("RegisterWarehouse", [("warehouseId", .string), ("name", .string)]),
        ("ReceiveStock", [("receiptId", .string), ("sku", .string), ("warehouseId", .string), ("quantity", .int),
                          ("unitCost", .money)]),
        ("PlaceSalesOrder", [("orderId", .string), ("customerId", .string), ("opportunityId", .string),
                             ("warehouseId", .string), ("lines", .lines)]),
        ("ShipOrder", [("orderId", .string)]),
        ("CancelOrder", [("orderId", .string), ("reason", .string)]),
        ("ReturnGoods", [("returnId", .string), ("orderId", .string), ("lines", .returnLines)]),
        ("AdjustStock", [("adjustmentId", .string), ("sku", .string), ("warehouseId", .string),
                         ("countedQuantity", .int), ("reason", .string)]),
        ("TransferStock", [("transferId", .string), ("sku", .string), ("fromWarehouseId", .string),
                           ("toWarehouseId", .string), ("quantity", .int)]),
        ("ForgetSubject", [("subject", .string), ("reason", .string)]),
    ]

    enum FieldKind {
        case string, time, date, money, int, strings, map, lines, returnLines
        /// A string from a fixed set (a stage, a channel, a time zone), with a valid one.
        case choice(String)

        /// A valid value (what the other fields hold while one is wrong).
        var valid: JSONValue {
            switch self {
            case .string: "X-1"
            case .choice(let valid): .string(valid)
            case .time: "2026-11-01T00:00:00Z"
            case .date: "2026-12-31"
            case .money: "10.00"
            case .int: 5
            case .strings: ["sales"]
            case .map: .object([:])
            case .lines: [["sku": "S-1", "quantity": 1, "unitPrice": "2.00"]]
            case .returnLines: [["sku": "S-1", "quantity": 1]]
            }
        }

        /// Values of the wrong type, each with the field `details.field` must name (or start with).
        func wrong(_ field: String) -> [(JSONValue, String)] {
            switch self {
            case .string, .time, .date, .choice: [(42, field), (true, field), ([], field), (.object([:]), field)]
            case .money: [(true, field), ([], field), (.object([:]), field), ("ten", field)]
            case .int: [("5", field), (true, field), ([], field), (.number(JSONNumber(unchecked: "2.5")), field)]
            case .strings: [("sales", field), (42, field), (.object([:]), field), ([7], field)]
            case .map: [("x", field), (42, field), ([], field), (["E-sales": true], field)]
            case .lines:
                [("x", field), (42, field), (.object([:]), field), ([7], field),
                 ([["sku": 1, "quantity": 1, "unitPrice": "2.00"]], field),
                 ([["sku": "S-1", "quantity": "1", "unitPrice": "2.00"]], field),
                 ([["sku": "S-1", "quantity": 1, "unitPrice": true]], field)]
            case .returnLines:
                [("x", field), (42, field), (.object([:]), field), ([7], field),
                 ([["sku": [], "quantity": 1]], field), ([["sku": "S-1", "quantity": .object([:])]], field)]
            }
        }
    }

    private func wrongTypeCases(_ admin: TestClient, _ cases: inout CaseTally) throws {
        var pending: [(id: String, label: String, field: String)] = []
        for (type, fields) in Self.commands {
            let valid = JSONObject(fields.map { ($0.0, $0.1.valid) })
            for (field, kind) in fields {
                for (value, expectedField) in kind.wrong(field) {
                    var data = valid
                    data[field] = value
                    let id = admin.newId()
                    try admin.send("command", ["type": .string(type), "data": .object(data)], id: id)
                    pending.append((id, "\(type).\(field) = \(JSONValue.array([value]).jsonString.dropFirst().dropLast())", expectedField))
                }
            }
            // An unknown field in data is invalid_argument too (a top-level one is ignored).
            var data = valid
            data["actor"] = "admin"
            let id = admin.newId()
            try admin.send("command", ["type": .string(type), "data": .object(data)], id: id)
            pending.append((id, "\(type) with an unknown data field", "actor"))
            for p in pending {
                let r = try admin.reply(to: p.id)
                let field = r["error"]?["details"]?["field"]?.stringValue ?? ""
                cases.check(p.label, r, "invalid_argument", detail: field.hasPrefix(p.field) ? nil : "details.field \(field)")
            }
            pending.removeAll()
        }
    }

    // MARK: Forged actors and wrong roles

    private func forgedActorCases(_ server: ServerProcess, _ cases: inout CaseTally) throws {
        let sales = try server.connect()
        try sales.hello("t-sales")
        let forged = try sales.call("command", [
            "type": "RegisterProduct", "actor": "admin",
            "data": ["sku": "S-F", "name": "X", "unit": "pc", "reorderPoint": 1],
        ])
        cases.check("a top-level actor: admin from a sales rep", forged, "forbidden")
        let lead = try sales.call("command", [
            "type": "CaptureLead", "actor": "E-ceo",
            "data": ["leadId": "L-forged", "company": "C", "contactName": "N", "source": "web"],
        ])
        cases.check("a top-level actor is ignored", lead.ok)
        let read = try server.connect()
        try read.hello("t-auditor")
        let events = try read.call("read", ["stream": "lead-L-forged"])["events"]?.arrayValue ?? []
        cases.check("the event's actor is the authenticated employee", events.first?["actor"] == "E-sales")
        let hello = try server.connect()
        let r = try hello.call("hello", ["token": "t-sales", "actor": "admin"])
        cases.check("hello with a forged actor", r["actor"] == "E-sales")
    }

    /// CONTRACT §2's role table: the commands each role may issue at all (qualifiers aside).
    static let mayIssue: [String: Set<String>] = {
        let sales: Set = ["CaptureLead", "ClaimLead", "ReleaseLead", "LogFollowUp", "ConvertLead", "DisqualifyLead",
                          "RegisterCustomer", "OpenOpportunity", "AdvanceStage", "MarkOpportunityLost",
                          "PlaceSalesOrder", "CancelOrder"]
        let everyone: Set = ["SubmitExpense", "WithdrawExpense", "ApproveExpense", "RejectExpense"]
        return [
            "sales": sales.union(everyone),
            "manager": sales.union(["AssignLead", "RecycleStaleLeads", "ReassignApproval"]).union(everyone),
            "finance": everyone.union(["PayExpense"]),
            "ceo": everyone.union(["ReassignApproval"]),
            "warehouse": everyone.union(["RegisterProduct", "RegisterWarehouse", "ReceiveStock", "PlaceSalesOrder",
                                         "CancelOrder", "ShipOrder", "ReturnGoods", "AdjustStock", "TransferStock"]),
            "auditor": everyone, "analyst": everyone, "integration": [],
        ]
    }()

    /// Views (and `read`/`subscribe`) each role may never use.
    static let mayNotQuery: [String: [String]] = [
        "sales": ["stockLedger", "auditTrail", "read", "subscribe"],
        "manager": ["stockLedger", "auditTrail", "read", "subscribe"],
        "finance": ["auditTrail", "read", "subscribe"],
        "ceo": ["read", "subscribe"],
        "warehouse": ["salesFunnel", "auditTrail", "read", "subscribe"],
        "auditor": [], "analyst": [], "integration": [],
    ]

    private func wrongRoleCases(_ server: ServerProcess, _ cases: inout CaseTally) throws {
        for role in Self.roles {
            let c = try server.connect()
            try c.hello("t-\(role)")
            var pending: [(String, String)] = []
            for (type, fields) in Self.commands where !Self.mayIssue[role, default: []].contains(type) {
                let id = c.newId()
                let data = JSONObject(fields.map { ($0.0, $0.1.valid) })
                try c.send("command", ["type": .string(type), "data": .object(data)], id: id)
                pending.append((id, "\(type) by \(role)"))
            }
            for op in Self.mayNotQuery[role, default: []] {
                let id = c.newId()
                switch op {
                case "read": try c.send("read", ["fromPosition": 0], id: id)
                case "subscribe": try c.send("subscribe", ["fromPosition": 0], id: id)
                default: try c.send("query", ["view": .string(op), "params": ["sku": "S-1", "actor": "E-sales"]], id: id)
                }
                pending.append((id, "\(op) by \(role)"))
            }
            for (id, label) in pending { cases.check(label, try c.reply(to: id), "forbidden") }
        }
    }

    // MARK: Slowloris and connection floods

    private func slowlorisCases(_ server: ServerProcess, _ cases: inout CaseTally) throws {
        let anonymous = try server.connect()
        let authenticated = try server.connect()
        try authenticated.hello("t-auditor")
        let line = Array(#"{"id":"slow","op":"ping"}"#.utf8) + [0x0A]
        for byte in line {
            try? anonymous.sendRaw([line[0]])  // the server may already have closed it: that is the point
            try authenticated.sendRaw([byte])
            usleep(100_000)  // ten bytes a second: the whole line takes 2.5 s, past the hello timeout
        }
        cases.check("a slowloris after hello is answered when its line ends", try authenticated.readObject().ok)
        cases.check("a slowloris that never says hello is told why", try anonymous.readObject(), "timeout")
        cases.check("…and closed", try anonymous.isClosedByServer())
    }

    private func connectionFloodCases(_ server: ServerProcess, _ cases: inout CaseTally) throws {
        var open: [TestClient] = []
        var refused: JSONObject?
        for _ in 0..<100 {
            let c = try server.connect()
            // An accepted connection answers ping; one over the limit gets `overloaded` and is closed.
            try c.sendLine(#"{"id":"f","op":"ping"}"#)
            let r = try c.readObject()
            if r.ok {
                open.append(c)
            } else {
                refused = r
                break
            }
        }
        cases.check("a connection over the limit", refused ?? [:], "overloaded")
        // 64 in all, a few of them held by the admin, the prober and connections still closing.
        cases.check("the limit holds (64 here): \(open.count) more were accepted", (48..<64).contains(open.count))
        open.removeAll()
        // The server frees their slots as it sees them close; wait for that before the next case.
        var freed = false
        for _ in 0..<100 where !freed {
            freed = (try? server.connect().call("ping").ok) == true
            if !freed { usleep(50_000) }
        }
        cases.check("connections are accepted again once the flood closed", freed)
    }

    // MARK: 100,000 pipelined requests without reading the replies

    /// Returns the server's resident memory while the flooder was stuck.
    private func floodCase(_ server: ServerProcess, requests: Int, _ cases: inout CaseTally) throws -> Int {
        let flooder = try server.connect()
        try flooder.hello()  // else the hello timeout closes it mid-flood
        try flooder.setTimeout(seconds: 30)
        let fd = flooder.descriptor
        var sendTimeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        let payload = Array((0..<requests).map { "{\"id\":\($0),\"op\":\"ping\"}\n" }.joined().utf8)
        let senderDone = Atomic<Bool>(false)
        let sender = Thread {
            payload.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.send(fd, raw.baseAddress! + offset, min(65_536, raw.count - offset), Int32(MSG_NOSIGNAL))
                    if n <= 0 { break }
                    offset += n
                }
            }
            senderDone.store(true, ordering: .releasing)
        }
        sender.start()
        defer {
            // The sender must be gone before the socket is closed and its number reused.
            shutdown(fd, Int32(SHUT_RDWR))
            while !senderDone.load(ordering: .acquiring) { usleep(1_000) }
        }
        Thread.sleep(forTimeInterval: 1.5)  // the server stops reading once its replies have nowhere to go
        let rss = server.residentBytes ?? 0
        var lines = 0
        var ok = 0
        var partial: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while lines < requests {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            for b in chunk[0..<n] {
                if b == 0x0A {
                    lines += 1
                    if Self.containsOK(partial) { ok += 1 }
                    partial.removeAll(keepingCapacity: true)
                } else if partial.count < 256 {
                    partial.append(b)
                }
            }
        }
        cases.check("\(requests) pipelined pings are all answered once read (\(lines) lines, \(ok) ok)",
                    lines == requests && ok == requests)
        return rss
    }

    private static let okMarker = Array(#""ok":true"#.utf8)

    private static func containsOK(_ line: [UInt8]) -> Bool {
        guard line.count >= okMarker.count else { return false }
        return (0...(line.count - okMarker.count)).contains { line[$0..<($0 + okMarker.count)].elementsEqual(okMarker) }
    }
}

/// Checks of hostile cases: how many, and which got another answer than the contract's.
struct CaseTally {
    private(set) var total = 0
    private(set) var failures: [String] = []

    mutating func check(_ label: String, _ reply: JSONObject, _ code: String, detail: String? = nil) {
        total += 1
        if reply.code != code || reply.ok || detail != nil {
            failures.append("\(label): expected \(code)\(detail.map { " (\($0))" } ?? ""), got \(reply.jsonText)")
        }
    }

    mutating func check(_ label: String, _ condition: Bool) {
        total += 1
        if !condition { failures.append(label) }
    }
}

extension JSONObject {
    var jsonText: String { JSONValue.object(self).jsonString }
}

/// A client that does what a well-behaved service does (ping, a command, a read) in a loop on its
/// own thread and records each round trip.
final class WellBehavedClient: @unchecked Sendable {  // the client is used by its thread only
    private let client: TestClient
    private let running = Atomic<Bool>(true)
    private let done = Lock<(latencies: [UInt64], commands: [Bool], errors: [String])?>(nil)
    private var thread: Thread?

    init(_ client: TestClient) throws {
        self.client = client
        try client.hello()
    }

    func start() {
        let thread = Thread { [self] in
            var latencies: [UInt64] = []
            var commands: [Bool] = []
            var errors: [String] = []
            var i = 0
            while running.load(ordering: .relaxed) {
                i += 1
                let begin = DispatchTime.now().uptimeNanoseconds
                do {
                    let r: JSONObject
                    switch i % 3 {
                    case 0: r = try client.call("ping")
                    case 1:
                        r = try client.command("CaptureLead", [
                            "leadId": .string("L-probe-\(i)"), "company": "Probe", "contactName": "N", "source": "web",
                        ])
                    default: r = try client.call("read", ["fromPosition": 1, "limit": 5])
                    }
                    latencies.append(DispatchTime.now().uptimeNanoseconds - begin)
                    commands.append(i % 3 == 1)
                    if !r.ok { errors.append(r.jsonText) }
                } catch {
                    errors.append("\(error)")
                }
                usleep(2_000)
            }
            done.withLock { $0 = (latencies, commands, errors) }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops the loop and returns what it measured.
    func stop() -> LatencySummary {
        running.store(false, ordering: .relaxed)
        while true {
            if let result = done.withLock({ $0 }) {
                return LatencySummary(result.latencies, commands: result.commands, errors: result.errors)
            }
            usleep(1_000)
        }
    }
}

struct LatencySummary {
    let count: Int
    let errors: [String]
    let p50Milliseconds: Double
    let p99Milliseconds: Double
    let maxMilliseconds: Double
    /// The p99 of pings and reads alone, and of commands alone (each waits for a durable commit).
    let readsP99Milliseconds: Double
    let commandsP99Milliseconds: Double

    init(_ nanoseconds: [UInt64], commands: [Bool], errors: [String]) {
        func percentile(_ q: Double, of values: [UInt64]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1e6
        }
        let pairs = zip(nanoseconds, commands)
        count = nanoseconds.count
        self.errors = errors
        p50Milliseconds = percentile(0.5, of: nanoseconds)
        p99Milliseconds = percentile(0.99, of: nanoseconds)
        maxMilliseconds = Double(nanoseconds.max() ?? 0) / 1e6
        readsP99Milliseconds = percentile(0.99, of: pairs.filter { !$0.1 }.map(\.0))
        commandsP99Milliseconds = percentile(0.99, of: pairs.filter { $0.1 }.map(\.0))
    }
}
