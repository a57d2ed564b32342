import Foundation
import JSON
import Testing

/// Limits that protect the server from one client.
@Suite struct BackpressureTests {
    @Test func aSubscriberThatStopsReadingLosesItsSubscriptionNotItsConnection() async throws {
        try await withServer(arguments: ["--subscription-max-lag", "500"]) { server in
            let sub = try server.connect()
            try sub.hello()
            let id = try #require(try sub.call("subscribe", ["fromPosition": "end"])["subscription"]?.stringValue)
            #expect(try sub.readObject()["caughtUp"] == true)
            // ~12 MB of events while the subscriber reads nothing: more than the socket buffers hold.
            let writer = try server.connect()
            try writer.hello()
            let company = String(repeating: "c", count: 4000)
            let lines = (0..<3000).map {
                "{\"id\":\($0),\"op\":\"command\",\"type\":\"CaptureLead\",\"data\":{\"leadId\":\"B-\($0)\",\"company\":\"\(company)\",\"contactName\":\"N\",\"source\":\"web\"}}"
            }
            for chunk in stride(from: 0, to: lines.count, by: 100) {
                try writer.sendRaw(Array(lines[chunk..<min(chunk + 100, lines.count)].joined(separator: "\n").utf8) + [0x0A])
                for _ in chunk..<min(chunk + 100, lines.count) { #expect(try writer.readObject().ok) }
            }
            var positions: [UInt64] = []
            var closed: JSONObject?
            while closed == nil {
                let push = try sub.readObject()
                #expect(push["subscription"]?.stringValue == id)
                if push["closed"] == true { closed = push } else if let p = push["event"]?["position"]?.numberText {
                    positions.append(UInt64(p)!)
                }
            }
            #expect(closed?["reason"] == "slow_consumer")
            let through = try #require(closed?.position)
            #expect(positions == Array(1...through), "everything up to the closing position, without a gap")
            #expect(through < 3000)
            #expect(try sub.call("ping").ok, "the connection stays open")
            #expect(try sub.call("unsubscribe", ["subscription": .string(id)]).code == "not_found")
        }
    }

    @Test func connectionsOverTheLimitAreToldAndClosed() async throws {
        try await withServer(arguments: ["--max-connections", "2"]) { server in
            let a = try server.connect()
            let b = try server.connect()
            #expect(try a.call("ping").ok && b.call("ping").ok)
            let c = try server.connect()
            let r = try c.readObject()
            #expect(r.code == "overloaded" && r["id"] == .null)
            #expect(try c.isClosedByServer())
        }
    }
}
