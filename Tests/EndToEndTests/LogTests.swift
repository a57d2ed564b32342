import Foundation
import JSON
import Testing

/// `read`, `subscribe` and `unsubscribe` end to end.
@Suite struct LogTests {
    /// Five leads, each captured then assigned: positions 1…11 (E-1 registered at position 1).
    static func seed(_ c: TestClient) throws {
        try c.register("E-1", roles: ["sales"])
        for i in 1...5 {
            #expect(try c.command("CaptureLead", CommandTests.lead("L-\(i)")).ok)
            #expect(try c.command("AssignLead", ["leadId": .string("L-\(i)"), "repId": "E-1"]).ok)
        }
    }

    static func positions(_ reply: JSONObject) -> [UInt64] {
        (reply["events"]?.arrayValue ?? []).compactMap { $0["position"]?.numberText.flatMap { UInt64($0) } }
    }

    @Test func readPagesThroughTheLogAndAStream() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            try Self.seed(c)
            let page = try c.call("read", ["fromPosition": 0, "limit": 4])
            #expect(Self.positions(page) == [1, 2, 3, 4] && page["next"] == 5)
            let rest = try c.call("read", ["fromPosition": 5])
            #expect(Self.positions(rest) == Array(5...11) && rest["next"] == .null)
            let back = try c.call("read", ["backwards": true, "limit": 3])
            #expect(Self.positions(back) == [11, 10, 9] && back["next"] == 8)
            let event = page["events"]?.arrayValue?[1]
            for field in ["position", "stream", "version", "type", "schema", "at", "actor", "commandId",
                          "correlationId", "causationId", "tags", "data", "hash"] {
                #expect(event?[field] != nil, "§1 field \(field)")
            }
            let stream = try c.call("read", ["stream": "lead-L-2", "fromVersion": 2])
            #expect(Self.positions(stream) == [5] && stream["next"] == .null)
            let types = try c.call("read", ["fromPosition": 0, "types": ["LeadAssigned"], "limit": 2])
            #expect(Self.positions(types) == [3, 5] && types["next"] != .null)
            let tags = try c.call("read", ["fromPosition": 0, "tags": ["lead:L-4"]])
            #expect(Self.positions(tags) == [8, 9])
            #expect(try c.call("read", ["stream": "lead-L-1", "fromPosition": 1]).code == "bad_request")
            #expect(try c.call("read", ["fromVersion": 1]).code == "bad_request")
            #expect(try c.call("read", ["fromPosition": 0, "limit": 0]).code == "bad_request")
            #expect(try c.call("read", ["fromPosition": "x"]).code == "bad_request")
            // Many pipelined reads: they run a few at a time, and every one is answered.
            try c.sendRaw(Array((0..<40).map { "{\"id\":\($0),\"op\":\"read\",\"fromPosition\":\($0 % 11)}" }
                .joined(separator: "\n").utf8) + [0x0A])
            var answered = Set<String>()
            for _ in 0..<40 {
                let r = try c.readObject()
                #expect(r.ok)
                answered.insert(r["id"]?.numberText ?? "")
            }
            #expect(answered.count == 40)
        }
    }

    @Test func aSubscriptionDeliversEveryEventWithoutGapsWhileCommandsFlow() async throws {
        try await withServer { server in
            let writer = try server.connect()
            try writer.hello()
            try Self.seed(writer)
            let sub = try server.connect()
            try sub.hello()
            let filtered = try sub.call("subscribe", ["fromPosition": 0, "types": ["LeadAssigned"]])
            let reply = try sub.call("subscribe", ["fromPosition": 0])
            #expect(reply.ok)
            let id = try #require(reply["subscription"]?.stringValue)
            let filteredId = try #require(filtered["subscription"]?.stringValue)
            #expect(id != filteredId)
            // 400 more commands while the subscription runs.
            let lines = (0..<400).map {
                "{\"id\":\($0),\"op\":\"command\",\"type\":\"CaptureLead\",\"data\":{\"leadId\":\"S-\($0)\",\"company\":\"C\",\"contactName\":\"N\",\"source\":\"web\"}}"
            }
            try writer.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
            var last: UInt64 = 0
            for _ in 0..<400 { last = max(last, try writer.readObject().position ?? 0) }
            #expect(last == 411)
            var seen: [UInt64] = []
            var caughtUp = 0
            var filteredSeen: [UInt64] = []
            while seen.last != last {
                let push = try sub.readObject()
                if push["subscription"]?.stringValue == filteredId {
                    if let p = push["event"]?["position"]?.numberText { filteredSeen.append(UInt64(p)!) }
                    continue
                }
                #expect(push["subscription"]?.stringValue == id)
                if push["caughtUp"] == true { caughtUp += 1; continue }
                seen.append(UInt64(try #require(push["event"]?["position"]?.numberText))!)
            }
            #expect(seen == Array(1...last), "in order, no gap, no duplicate")
            #expect(caughtUp == 1)
            #expect(filteredSeen == [3, 5, 7, 9, 11])
            let unsubscribed = try sub.call("unsubscribe", ["subscription": .string(id)])
            #expect(unsubscribed.ok)
            #expect(try sub.call("unsubscribe", ["subscription": .string(id)]).code == "not_found")
            #expect(try writer.command("CaptureLead", CommandTests.lead("L-after")).ok)
            let ping = try sub.call("ping")
            #expect(ping.ok)
            #expect(!sub.queued.contains { $0["subscription"]?.stringValue == id && $0["event"] != nil && $0["event"]?["position"] == .number(.init(last + 1)) },
                    "no push after unsubscribe")
        }
    }

    @Test func subscribingFromTheEndSeesOnlyNewEvents() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            try Self.seed(c)
            let sub = try server.connect()
            try sub.hello()
            let reply = try sub.call("subscribe", ["fromPosition": "end"])
            let caughtUp = try sub.readObject()
            #expect(caughtUp["caughtUp"] == true && caughtUp.position == 11)
            #expect(try c.command("CaptureLead", CommandTests.lead("L-new")).ok)
            let push = try sub.readObject()
            #expect(push["subscription"] == reply["subscription"])
            #expect(push["event"]?["position"] == 12 && push["event"]?["type"] == "LeadCaptured")
            #expect(try sub.call("subscribe", ["types": ["X"]]).code == "bad_request", "fromPosition is required")
            #expect(try sub.call("read", ["stream": ""]).code == "bad_request", "an empty stream names nothing")
            // Past the end (the log holds 12 events): refused with where the log ends, never a silent gap.
            let past = try sub.call("subscribe", ["fromPosition": 14])
            #expect(past.code == "bad_request")
            #expect(past["error"]?["details"]?["lastPosition"] == 12)
            let next = try sub.call("subscribe", ["fromPosition": 13])
            #expect(next.ok, "the next position is the end")
        }
    }

    @Test func restartKeepsEverythingCommitted() async throws {
        let first = try ServerProcess()
        let c = try first.connect()
        try c.hello()
        let reply = try c.command("CaptureLead", CommandTests.lead("L-keep"), ["commandId": "keep-1"])
        try Self.seed(c)
        #expect(first.stop() == 0)

        let second = try ServerProcess(data: first.data)
        defer { second.removeData() }
        let d = try second.connect()
        try d.hello()
        #expect(try d.call("ping").position == 12)
        let again = try d.command("CaptureLead", CommandTests.lead("L-keep"), ["commandId": "keep-1"])
        #expect(again["duplicate"] == true && again.position == reply.position)
        #expect(Self.positions(try d.call("read", ["fromPosition": 0])) == Array(1...12))
        #expect(try d.command("CaptureLead", CommandTests.lead("L-2")).code == "already_exists")
        #expect(second.stop() == 0)
    }

    @Test func aSecondServerOnTheSameDataExitsAtOnce() async throws {
        try await withServer { server in
            let second = Process()
            second.executableURL = URL(fileURLWithPath: ServerProcess.binary)
            second.arguments = ["serve", "--data", server.data, "--listen", "127.0.0.1:0", "--socket", "none"]
            let err = Pipe()
            second.standardError = err
            second.standardOutput = Pipe()
            try second.run()
            second.waitUntilExit()
            #expect(second.terminationStatus != 0)
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(message.contains("another Chronicle process"))
            #expect(try server.connect().call("ping").ok)
        }
    }
}
