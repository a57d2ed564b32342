import Foundation
import JSON
import Testing

/// Shutdown, metrics, the command-line clients, and queries.
@Suite struct OperationsTests {
    @Test func sigtermFinishesInFlightCommandsAndExitsZero() async throws {
        let server = try ServerProcess()
        defer { server.removeData() }
        let c = try server.connect()
        try c.hello()
        let lines = (0..<200).map {
            "{\"id\":\($0),\"op\":\"command\",\"type\":\"CaptureLead\",\"data\":{\"leadId\":\"G-\($0)\",\"company\":\"C\",\"contactName\":\"N\",\"source\":\"web\"}}"
        }
        try c.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
        let first = try c.readObject()  // the server has read the requests: now stop it
        kill(server.process.processIdentifier, SIGTERM)
        var accepted: Set<String> = first.ok ? ["lead-G-\(first["id"]!.numberText!)"] : []
        var replies = 1
        while let line = try c.readLine() {
            guard case .object(let r) = try JSONValue.parse(line) else { continue }
            replies += 1
            if r.ok { accepted.insert("lead-G-\(r["id"]!.numberText!)") } else {
                #expect(r.code == "unavailable", "\(r)")
            }
        }
        #expect(replies == 200, "every request read is answered before the connection closes")
        #expect(server.stop() == 0)
        let again = try ServerProcess(data: server.data)
        let d = try again.connect()
        try d.hello()
        let read = try d.call("read", ["fromPosition": 0, "limit": 1000])
        let streams = Set((read["events"]?.arrayValue ?? []).compactMap { $0["stream"]?.stringValue })
        #expect(streams == accepted, "exactly the acknowledged commands are on disk")
        #expect(again.stop() == 0)
    }

    /// `serve --views-priority`: by default (`yield`) the views' live follower and its commit
    /// thread run at normal priority while the writer keeps up; `background` runs them at the
    /// kernel's idle priority, `normal` at normal priority; no other thread is at idle priority but
    /// those that only ever run in idle time. (The yielding itself: `EngineTests`.)
    @Test func theViewsPriorityIsChosenAtStart() async throws {
        // Yielding needs the privilege to bring a thread back to normal priority; without it the
        // server says so and runs the views at normal priority. Either way they start at normal.
        let cases: [([String], Int, String)] = [
            ([], 0, ""),
            (["--views-priority", "background"], 5, "idle priority"),
            (["--views-priority", "normal"], 0, "normal priority"),
        ]
        for (arguments, expected, announced) in cases {
            try await withServer(arguments: arguments) { server in
                let line = server.printed.first { $0.contains("they follow the log at ") } ?? ""
                if announced.isEmpty {
                    #expect(line.hasSuffix("at idle priority while the writer is behind, normal otherwise")
                        || line.hasSuffix("at normal priority (the process may not bring a thread back from idle priority)"), "\(line)")
                } else {
                    #expect(line.hasSuffix("they follow the log at \(announced)"), "\(line)")
                }
                let c = try server.connect()
                try c.hello()
                try c.register("E-1", roles: ["sales"])
                #expect(try c.command("RegisterCustomer", ["customerId": "C-1", "name": "Acme", "ownerId": "E-1"]).ok)
                let query = try c.call("query", [
                    "view": "customer360", "params": ["customerId": "C-1"], "minPosition": 2, "timeoutMs": 10_000,
                ])
                #expect(query.ok, "\(query)")
                let threads = server.threadPolicies()
                let views = threads.filter { $0.name == "views-follow" || $0.name == "views-commit" }
                #expect(views.map(\.name).sorted() == ["views-commit", "views-follow"], "\(threads)")
                #expect(views.allSatisfy { $0.policy == expected }, "\(arguments): \(threads)")
                // The rest at normal priority, but for the threads that only ever run in idle time.
                let others = threads.filter { !["views-follow", "views-commit", "log-populate", "background"].contains($0.name) }
                #expect(others.allSatisfy { $0.policy == 0 }, "\(arguments): \(threads)")
            }
        }
        let refused = try runCLIForErrors(["serve", "--views-priority", "fast"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("views-priority"), "\(refused.errors)")
    }

    @Test func metricsAndHealthAreServedOverHTTP() async throws {
        try await withServer(arguments: ["--metrics", "127.0.0.1:0", "--query-listen", "127.0.0.1:0"]) { server in
            let reader = try TestClient(port: try #require(server.queryPort))
            try reader.hello()
            let c = try server.connect()
            try c.hello()
            #expect(try c.command("CaptureLead", CommandTests.lead("L-1")).ok)
            #expect(try c.command("CaptureLead", CommandTests.lead("L-1")).code == "already_exists")
            _ = try server.connect().hello("wrong")
            let base = try #require(server.metricsURL)
            let metrics = try httpGet(base + "/metrics")
            #expect(metrics.contains("chronicle_commands_total{type=\"CaptureLead\",outcome=\"ok\"} 1"), "\(metrics)")
            #expect(metrics.contains("chronicle_commands_total{type=\"CaptureLead\",outcome=\"already_exists\"} 1"))
            #expect(metrics.contains("chronicle_auth_failures_total{code=\"unauthenticated\",op=\"hello\"} 1"))
            #expect(metrics.contains("chronicle_connections{transport=\"tcp\"}"))
            #expect(metrics.contains("chronicle_connections{transport=\"tcp-reads\"} 1"), "the reads-only listener's connection")
            #expect(metrics.contains("chronicle_commit_seconds"))
            let health = try JSONValue.parse(try httpGet(base + "/health"))
            #expect(health["status"] == "ok")
            #expect(health["position"] == 1)
        }
    }

    @Test func sendAndQueryPrintTheReplyAndExitOneOnAnError() async throws {
        try await withServer { server in
            let connect = "127.0.0.1:\(server.port)"
            let ok = try runCLI(["send", "--connect", connect, "--token", ServerProcess.adminToken,
                                 #"{"type":"CaptureLead","data":{"leadId":"L-1","company":"A","contactName":"N","source":"web"}}"#])
            #expect(ok.status == 0)
            #expect(try JSONValue.parse(ok.output)["events"]?.arrayValue?.first?["type"] == "LeadCaptured")
            let dup = try runCLI(["send", "--connect", server.socketPath, "--token", ServerProcess.adminToken,
                                  #"{"type":"CaptureLead","data":{"leadId":"L-1","company":"A","contactName":"N","source":"web"}}"#])
            #expect(dup.status == 1)
            #expect(try JSONValue.parse(dup.output)["error"]?["code"] == "already_exists")
            let noToken = try runCLI(["send", "--connect", connect, #"{"type":"CaptureLead","data":{}}"#])
            #expect(noToken.status == 1)
            let query = try runCLI(["query", "--connect", connect, "--token", ServerProcess.adminToken,
                                    "customer360", "customerId=C-1", "--min-position", "1"])
            #expect(query.status == (query.output.contains("\"ok\":true") ? 0 : 1))
            let usage = try runCLI(["send", "--connect", connect, "not json"])
            #expect(usage.status == 2)
        }
    }

    /// A taken port stops a server before it loads the demo company or commits anything.
    @Test func aTakenPortStopsTheServerBeforeItWritesAnything() async throws {
        try await withServer { server in
            let data = NSTemporaryDirectory() + "chronicle-e2e-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: data) }
            let (status, text) = try runCLIForErrors(
                ["serve", "--data", data, "--listen", "127.0.0.1:\(server.port)", "--socket", "none", "--demo"])
            #expect(status != 0)
            #expect(text.contains("cannot listen on tcp://127.0.0.1:\(server.port)"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: data + "/log/data.mdb"), "nothing was written")
        }
    }

    @Test func queryWithoutViewsIsUnavailableButChecksRolesFirst() async throws {
        try await withServer(tokens: ["t-sales": "E-S"]) { server in
            let admin = try server.connect()
            try admin.hello()
            try admin.register("E-S", roles: ["sales"])
            let r = try admin.call("query", ["view": "customer360", "params": ["customerId": "C-1"]])
            if r.code == "unavailable" {
                #expect(r["error"]?["message"] == "views are not built in this build")
            }
            #expect(try admin.call("query", ["params": [:]]).code == "bad_request", "view is required")
            #expect(try admin.call("query", ["view": "inventory", "timeoutMs": 60_001]).code == "bad_request")
            let sales = try server.connect()
            try sales.hello("t-sales")
            #expect(try sales.call("query", ["view": "approvalQueue", "params": ["approverId": "E-S"]]).code != "forbidden")
            #expect(try sales.call("query", ["view": "stockLedger", "params": [:]]).code == "forbidden")
        }
    }
}

/// Runs the `chronicle` binary and returns its exit status and standard output.
func runCLI(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ServerProcess.binary)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Runs the `chronicle` binary and returns its exit status and standard error.
func runCLIForErrors(_ arguments: [String]) throws -> (status: Int32, errors: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ServerProcess.binary)
    p.arguments = arguments
    let errors = Pipe()
    p.standardOutput = Pipe()
    p.standardError = errors
    try p.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A plain HTTP GET over a socket (no URLSession on the test path).
func httpGet(_ url: String) throws -> String {
    let rest = url.dropFirst("http://".count)
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let port = Int(rest[..<slash].split(separator: ":").last ?? "") ?? 80
    let c = try TestClient(port: port)
    try c.sendRaw(Array("GET \(rest[slash...]) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
    var lines: [String] = []
    while let line = try c.readLine() { lines.append(line) }
    let text = lines.joined(separator: "\n")
    guard let split = text.range(of: "\r\n\r\n") ?? text.range(of: "\r\n\n") ?? text.range(of: "\n\r\n") else {
        return text
    }
    return String(text[split.upperBound...])
}
