import Foundation
import JSON
import Testing

/// Framing, replies and the order of checks of CONTRACT §2, against the real server.
@Suite struct ProtocolTests {
    @Test func helloReportsTheActorRolesServerAndPosition() async throws {
        try await withServer { server in
            let c = try server.connect()
            let ping = try c.call("ping")
            #expect(ping.ok && ping.position == 0, "ping needs no hello")
            let hello = try c.hello()
            #expect(hello.ok)
            #expect(hello["actor"]?.stringValue == "admin")
            #expect(hello["roles"] == ["admin"])
            #expect(hello["server"]?["name"]?.stringValue == "chronicle")
            #expect(hello["server"]?["version"]?.stringValue?.isEmpty == false)
            #expect(hello.position == 0)
        }
    }

    @Test func everyOpButHelloAndPingNeedsHello() async throws {
        try await withServer { server in
            let c = try server.connect()
            for op in ["command", "query", "read", "subscribe", "unsubscribe"] {
                let r = try c.call(op, ["type": "CaptureLead", "view": "inventory", "fromPosition": 0])
                #expect(r.code == "unauthenticated", "\(op)")
            }
            #expect(try c.hello("not-a-token").code == "unauthenticated")
            #expect(try c.call("read", ["fromPosition": 0]).code == "unauthenticated", "a failed hello is no session")
            #expect(try c.hello().ok)
            #expect(try c.call("read", ["fromPosition": 0]).ok)
        }
    }

    /// `serve --query-listen`: a second listener for reads, on a loop of its own at a raised
    /// priority. It answers hello, ping, query and read as the main one does, and refuses commands
    /// and subscriptions (which would make its loop busy) with `forbidden`, after authentication.
    @Test func theReadsOnlyListenerAnswersReadsAndRefusesCommandsAndSubscriptions() async throws {
        try await withServer(arguments: ["--query-listen", "127.0.0.1:0"]) { server in
            let line = try #require(server.printed.first { $0.contains("(reads only") })
            #expect(line.contains("priority: "), "\(line)")
            let port = try #require(server.queryPort)
            #expect(port != server.port)

            let writer = try server.connect()
            try writer.hello()
            try writer.register("E-1", roles: ["sales"])
            #expect(try writer.command("RegisterCustomer", ["customerId": "C-1", "name": "Acme", "ownerId": "E-1"]).ok)

            let reader = try TestClient(port: port)
            #expect(try reader.call("ping").ok, "ping needs no hello")
            #expect(try reader.call("command", ["type": "CaptureLead"]).code == "unauthenticated", "authentication first")
            #expect(try reader.hello().ok)
            let refused = try reader.command("RegisterCustomer", ["customerId": "C-2", "name": "B", "ownerId": "E-1"])
            #expect(refused.code == "forbidden")
            #expect(refused["error"]?["details"]?["op"] == "command")
            #expect(try reader.call("subscribe", ["fromPosition": 0]).code == "forbidden")
            let query = try reader.call("query", [
                "view": "customer360", "params": ["customerId": "C-1"], "minPosition": 2, "timeoutMs": 10_000,
            ])
            #expect(query.ok, "\(query)")
            #expect(query["result"]?["customer"]?["name"] == "Acme" || query["result"]?["name"] == "Acme", "\(query)")
            let read = try reader.call("read", ["fromPosition": 0])
            #expect(read["events"]?.arrayValue?.count == 2)
            #expect(try writer.call("read", ["fromPosition": 0])["events"]?.arrayValue?.count == 2, "nothing was written on the reads-only listener")
        }
    }

    @Test func aLineThatIsNotARequestIsBadRequestAndTheConnectionStaysOpen() async throws {
        try await withServer { server in
            let c = try server.connect()
            for line in ["not json", "[1,2]", "\"text\"", "{\"op\":\"ping\"}", "{\"id\":true,\"op\":\"ping\"}",
                         "{\"id\":{},\"op\":\"ping\"}", "{\"id\":1,\"op\":\"ping\",\"id\":2}", "{\"id\":1", "{\"id\":\"\u{1}\"}"] {
                try c.sendLine(line)
                let r = try c.readObject()
                #expect(r.code == "bad_request", "\(line)")
                #expect(r["id"] == .null, "\(line)")
                #expect(r["ok"] == false)
                #expect(r["error"]?["message"]?.stringValue?.isEmpty == false)
            }
            try c.sendLine("{\"id\":7}")
            let noOp = try c.readObject()
            #expect(noOp.code == "bad_request" && noOp["id"] == 7, "a usable id is echoed even without an op")
            try c.sendLine("")
            try c.sendLine("{\"id\":8.50,\"op\":\"ping\",\"actor\":\"E-1\",\"extra\":[1]}")
            let ping = try c.readObject()
            #expect(ping.ok && ping["id"]?.numberText == "8.50", "number ids are echoed as sent; unknown fields ignored")
        }
    }

    @Test func unknownOpIsAnsweredWithOrWithoutHello() async throws {
        try await withServer { server in
            let c = try server.connect()
            #expect(try c.call("fly").code == "unknown_op")
            try c.hello()
            #expect(try c.call("fly").code == "unknown_op")
        }
    }

    @Test func aLineOverTheLimitIsFrameTooLargeThenClose() async throws {
        try await withServer(arguments: ["--max-line-bytes", "1024"]) { server in
            let ok = try server.connect()
            try ok.sendLine("{\"id\":1,\"op\":\"ping\",\"pad\":\"" + String(repeating: "x", count: 900) + "\"}")
            #expect(try ok.readObject().ok, "a line under the limit is fine")
            let c = try server.connect()
            try c.sendRaw(Array(repeating: UInt8(ascii: "a"), count: 3000))
            let r = try c.readObject()
            #expect(r.code == "frame_too_large")
            #expect(r["id"] == .null)
            #expect(try c.isClosedByServer())
            #expect(try ok.call("ping").ok, "other connections go on")
        }
    }

    @Test func aConnectionThatNeverSaysHelloIsToldWhyAndClosed() async throws {
        try await withServer(arguments: ["--hello-timeout", "0.3"]) { server in
            let idle = try server.connect()
            let authenticated = try server.connect()
            try authenticated.hello()
            let r = try idle.readObject()
            #expect(r.code == "timeout" && r["id"] == .null)
            #expect(try idle.isClosedByServer())
            try await Task.sleep(for: .milliseconds(400))
            #expect(try authenticated.call("ping").ok, "a connection that said hello stays")
        }
    }

    @Test func repliesComeOutOfOrderAndAreMatchedById() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            // A command waits for its fsync; the ping after it is answered at once.
            try c.sendLine(#"{"id":"slow","op":"command","type":"CaptureLead","data":{"leadId":"L-1","company":"Acme","contactName":"Ann","source":"web"}}"# + "\n" + #"{"id":"fast","op":"ping"}"#)
            let first = try c.readObject()
            let second = try c.readObject()
            #expect(first["id"] == "fast" && first.ok)
            #expect(second["id"] == "slow" && second.ok)
            // Many pipelined requests in one write: every id answered once.
            var lines: [String] = []
            for i in 0..<300 {
                lines.append(i % 3 == 0 ? "{\"id\":\(i),\"op\":\"ping\"}"
                    : "{\"id\":\(i),\"op\":\"command\",\"type\":\"CaptureLead\",\"data\":{\"leadId\":\"P-\(i)\",\"company\":\"C\",\"contactName\":\"N\",\"source\":\"web\"}}")
            }
            try c.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
            var seen = Set<String>()
            for _ in 0..<300 {
                let r = try c.readObject()
                #expect(r.ok, "\(r)")
                seen.insert(r["id"]?.numberText ?? "?")
            }
            #expect(seen == Set((0..<300).map(String.init)))
        }
    }

    @Test func aBatchMixingAcceptedAndRejectedCommandsAnswersEachWithItsOwnOutcome() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            // One write, so the commands are read and committed as one large batch (its replies are
            // encoded off the loop): every fourth one names a lead that does not exist.
            var lines: [String] = []
            for i in 0..<64 {
                lines.append(i % 4 == 3
                    ? "{\"id\":\"m\(i)\",\"op\":\"command\",\"type\":\"LogFollowUp\",\"data\":{\"leadId\":\"missing-\(i)\",\"channel\":\"call\",\"note\":\"n\"}}"
                    : "{\"id\":\"m\(i)\",\"op\":\"command\",\"type\":\"CaptureLead\",\"data\":{\"leadId\":\"MX-\(i)\",\"company\":\"C\",\"contactName\":\"N\",\"source\":\"web\"}}")
            }
            try c.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
            var outcomes: [String: String] = [:]
            for _ in 0..<64 {
                let r = try c.readObject()
                let id = r["id"]?.stringValue ?? "?"
                if r.ok {
                    #expect(r["events"]?.arrayValue?.first?["stream"]?.stringValue == "lead-MX-\(id.dropFirst())", "\(r)")
                    outcomes[id] = "ok"
                } else {
                    outcomes[id] = r["error"]?["code"]?.stringValue ?? "?"
                }
            }
            #expect(outcomes == Dictionary(uniqueKeysWithValues: (0..<64).map { ("m\($0)", $0 % 4 == 3 ? "not_found" : "ok") }))
        }
    }

    @Test func pipelinedCommandsRunInTheOrderSent() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            // Written in pieces, so the server reads them as several batches in flight at once; each
            // piece registers customers owned by employees the piece before registers. Several
            // rounds: a broken order shows in some of them, not in each.
            let pieces = 12
            let perPiece = 20
            var failed: [String] = []
            for round in 0..<20 {
                for p in 0..<pieces {
                    var lines: [String] = []
                    for i in 0..<perPiece {
                        let n = p * perPiece + i
                        lines.append("{\"id\":\"e\(n)\",\"op\":\"command\",\"type\":\"RegisterEmployee\",\"data\":{\"employeeId\":\"O-\(round)-\(n)\",\"name\":\"Rep\",\"roles\":[\"sales\"]}}")
                        if p > 0 {
                            let owner = (p - 1) * perPiece + i
                            lines.append("{\"id\":\"c\(n)\",\"op\":\"command\",\"type\":\"RegisterCustomer\",\"data\":{\"customerId\":\"OC-\(round)-\(n)\",\"name\":\"Customer\",\"ownerId\":\"O-\(round)-\(owner)\"}}")
                        }
                    }
                    try c.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
                    try await Task.sleep(for: .milliseconds(2))
                }
                for _ in 0..<(pieces * perPiece + (pieces - 1) * perPiece) {
                    let r = try c.readObject()
                    if !r.ok { failed.append(r["error"]?["message"]?.stringValue ?? "\(r)") }
                }
            }
            #expect(failed.isEmpty, "a command ran before one sent ahead of it: \(failed.prefix(3))")
        }
    }

    @Test func aSmallBatchNeverOvertakesALargeOneSentBeforeIt() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            // A large batch is prepared off the event loop (each employee's personal fields sealed);
            // a small one right behind it, needing the last employee the large one registers, must
            // wait for it rather than go to the writer first. The pause between the two writes
            // varies, so that many rounds read them as two batches while the first is still being
            // prepared.
            let large = 150
            var failed: [String] = []
            var answers = 0
            for round in 0..<30 {
                var lines: [String] = []
                for i in 0..<large {
                    lines.append("{\"id\":\"e\(round)-\(i)\",\"op\":\"command\",\"type\":\"RegisterEmployee\",\"data\":{\"employeeId\":\"S-\(round)-\(i)\",\"name\":\"Rep \(i)\",\"roles\":[\"sales\"]}}")
                }
                let small = "{\"id\":\"c\(round)\",\"op\":\"command\",\"type\":\"RegisterCustomer\",\"data\":{\"customerId\":\"SC-\(round)\",\"name\":\"Customer\",\"ownerId\":\"S-\(round)-\(large - 1)\"}}"
                try c.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
                try await Task.sleep(for: .microseconds(200 + 200 * (round % 5)))
                try c.sendRaw(Array(small.utf8) + [0x0A])
                for _ in 0...large {
                    let r = try c.readObject()
                    answers += 1
                    if !r.ok { failed.append(r["error"]?["message"]?.stringValue ?? "\(r)") }
                }
            }
            #expect(answers == 30 * (large + 1))
            #expect(failed.isEmpty, "a small batch ran before a large one sent ahead of it: \(failed.prefix(3))")
        }
    }

    @Test func theUnixSocketSpeaksTheSameProtocol() async throws {
        try await withServer { server in
            let c = try TestClient(unixPath: server.socketPath)
            #expect(try c.hello().ok)
            #expect(try c.call("ping").ok)
        }
    }

    @Test func garbageNeverGetsInternal() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            var rng = SystemRandomNumberGenerator()
            let pieces = ["{", "}", "[", "]", "\"id\"", ":", ",", "1", "\"op\"", "\"command\"", "\"data\"", "null",
                          "\"type\"", "\"read\"", "\"x\"", "true", "-0.5e3", "\"\\u0000\"", "\u{7f}", "\u{e9}"]
            for i in 0..<300 {
                let line = (0..<Int.random(in: 1...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                try c.sendLine(line)
                try c.sendLine("{\"id\":\"p\(i)\",\"op\":\"ping\"}")
                var r = try c.readObject()
                while r["id"]?.stringValue != "p\(i)" {
                    #expect(r.code != "internal", "\(line) → \(r)")
                    r = try c.readObject()
                }
            }
        }
    }
}
