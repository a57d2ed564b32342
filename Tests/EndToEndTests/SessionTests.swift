import Foundation
import JSON
import Testing

/// A subscription belongs to the session that opened it (CONTRACT §2, README "What the server adds"):
/// once the employee is deactivated, the token leaves the tokens file or a `hello` ends the session,
/// nothing committed after that is pushed, and the subscription says so with `closed`.
@Suite struct SessionTests {
    static let tokens = ["t-auditor": "A-1", "t-analyst": "A-2"]

    /// A subscriber from the end, caught up: returns its subscription id.
    static func subscribed(_ c: TestClient) throws -> String {
        let reply = try c.call("subscribe", ["fromPosition": "end"])
        let id = try #require(reply["subscription"]?.stringValue, "\(reply)")
        let caughtUp = try c.readObject()
        #expect(caughtUp["caughtUp"] == true, "\(caughtUp)")
        return id
    }

    /// Reads the pushes of subscription `id` until it closes; fails when that takes longer than the client's timeout.
    static func pushesUntilClosed(_ c: TestClient, _ id: String) throws -> (events: [UInt64], closed: JSONObject) {
        var events: [UInt64] = []
        while true {
            let line = try c.readObject()
            guard line["subscription"]?.stringValue == id else { continue }
            if line["closed"] == true { return (events, line) }
            if let p = line["event"]?["position"]?.numberText { events.append(UInt64(p)!) }
        }
    }

    /// An admin connection, and auditor A-1's connection subscribed from the end (with its subscription id).
    static func auditorSubscribed(_ server: ServerProcess) throws -> (admin: TestClient, auditor: TestClient, id: String) {
        let admin = try server.connect()
        try admin.hello()
        try admin.register("A-1", roles: ["auditor"])
        let auditor = try server.connect()
        try auditor.hello("t-auditor")
        return (admin, auditor, try subscribed(auditor))
    }

    /// After a ping's reply, the pushes of `subscription` that arrived before it.
    static func pushesBeforePing(_ c: TestClient, _ subscription: String) throws -> [JSONObject] {
        #expect(try c.call("ping").ok)
        return c.queued.filter { $0["subscription"]?.stringValue == subscription && $0["event"] != nil }
    }

    @Test func aDeactivatedSubscriberReceivesNothingCommittedAfterIt() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let (admin, auditor, id) = try Self.auditorSubscribed(server)

            let deactivated = try admin.command("DeactivateEmployee", ["employeeId": "A-1", "reason": "left"])
            let deactivation = try #require(deactivated.position)
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-1")).ok)

            // The subscriber sends nothing: the pump itself notices, before it pushes the deactivation.
            let (events, closed) = try Self.pushesUntilClosed(auditor, id)
            #expect(events.isEmpty, "nothing from the deactivation on: \(events)")
            #expect(closed["reason"] == "unauthenticated")
            #expect(try #require(closed.position) < deactivation)
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-2")).ok)
            #expect(try Self.pushesBeforePing(auditor, id).isEmpty)
            #expect(try auditor.call("read", ["fromPosition": 0]).code == "unauthenticated", "the session ended")
        }
    }

    @Test func aSubscriberWhoseTokenIsRevokedReceivesNothingCommittedAfterTheReload() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let (admin, auditor, id) = try Self.auditorSubscribed(server)

            try Data(#"{"t-analyst":"A-2"}"#.utf8).write(to: URL(fileURLWithPath: server.data + "/tokens.json"))
            kill(server.process.processIdentifier, SIGHUP)
            var revoked = false
            for _ in 0..<100 where !revoked {
                revoked = try server.connect().hello("t-auditor").code == "unauthenticated"
                if !revoked { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(revoked)
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-1")).ok)

            let (events, closed) = try Self.pushesUntilClosed(auditor, id)
            #expect(events.isEmpty, "nothing after the reload: \(events)")
            #expect(closed["reason"] == "unauthenticated")
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-2")).ok)
            #expect(try Self.pushesBeforePing(auditor, id).isEmpty)
            #expect(try auditor.call("read", ["fromPosition": 0]).code == "unauthenticated")
        }
    }

    @Test func aFailedHelloEndsTheSubscriptionsOfTheSessionBefore() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let (admin, auditor, id) = try Self.auditorSubscribed(server)

            #expect(try auditor.hello("bad").code == "unauthenticated")
            let (events, closed) = try Self.pushesUntilClosed(auditor, id)
            #expect(events.isEmpty)
            #expect(closed["reason"] == "unauthenticated")
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-1")).ok)
            #expect(try Self.pushesBeforePing(auditor, id).isEmpty)
            #expect(
                try auditor.call("unsubscribe", ["subscription": .string(id)]).code == "unauthenticated",
                "every op but hello and ping needs a session; the subscription is already gone")
        }
    }

    @Test func aNewHelloEndsTheSubscriptionsOfTheSessionBefore() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let admin = try server.connect()
            try admin.hello()
            try admin.register("A-1", roles: ["auditor"])
            try admin.register("A-2", roles: ["analyst"])
            let c = try server.connect()
            try c.hello("t-auditor")
            let first = try Self.subscribed(c)
            #expect(try c.hello("t-analyst")["actor"] == "A-2")
            #expect(try Self.pushesUntilClosed(c, first).closed["reason"] == "unauthenticated")
            let second = try Self.subscribed(c)
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-1")).ok)
            let push = try c.readObject()
            #expect(push["subscription"]?.stringValue == second && push["event"]?["type"] == "LeadCaptured")
            #expect(try Self.pushesBeforePing(c, first).isEmpty)
        }
    }

    @Test func aSubscriberWhoseRolesNoLongerAllowSubscribingIsClosedAsForbidden() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let (admin, auditor, id) = try Self.auditorSubscribed(server)
            #expect(try admin.command("UpdateEmployee", ["employeeId": "A-1", "roles": ["sales"]]).ok)
            #expect(try admin.command("CaptureLead", CommandTests.lead("L-1")).ok)
            let (events, closed) = try Self.pushesUntilClosed(auditor, id)
            #expect(events.isEmpty)
            #expect(closed["reason"] == "forbidden")
            #expect(try auditor.call("ping").ok)
            #expect(
                try auditor.call("query", ["view": "inventory", "params": [:]]).code != "unauthenticated",
                "the session goes on: only the subscription is no longer allowed")
        }
    }

    @Test func theServersOwnActorIdsAreNoEmployees() async throws {
        try await withServer(tokens: ["t-admin-file": "admin"]) { server in
            let admin = try server.connect()
            try admin.hello()
            for reserved in ["admin", "system"] {
                let r = try admin.command(
                    "RegisterEmployee", ["employeeId": .string(reserved), "name": "X", "roles": ["auditor"]])
                #expect(r.code == "invalid_argument" && r["error"]?["details"]?["field"] == "employeeId", "\(r)")
            }
            #expect(
                try admin.command("DeactivateEmployee", ["employeeId": "admin", "reason": "x"]).code == "not_found")
            let file = try server.connect()
            #expect(try file.hello("t-admin-file")["actor"] == "admin", "the tokens file's explicit admin entry stays")
        }
    }
}
