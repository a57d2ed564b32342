import Foundation
import JSON
import Testing

/// `command` end to end: replies, idempotency, expected versions, the generic codes.
@Suite struct CommandTests {
    static func lead(_ id: String) -> JSONObject {
        ["leadId": .string(id), "company": "Acme", "contactName": "Ann", "source": "web"]
    }

    @Test func aCommandIsAnsweredWithItsEventsAfterCommit() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            let r = try c.command("CaptureLead", Self.lead("L-1"), ["actor": "someone-else", "correlationId": "corr-1", "causationId": 17])
            #expect(r.ok)
            #expect(r.position == 1)
            #expect(r["duplicate"] == false)
            #expect(r["events"] == [["position": 1, "stream": "lead-L-1", "version": 1, "type": "LeadCaptured"]])
            let read = try c.call("read", ["fromPosition": 1])
            let event = read["events"]?.arrayValue?.first
            #expect(event?["actor"] == "admin", "the actor is the authenticated one, never a request field")
            #expect(event?["correlationId"] == "corr-1")
            #expect(event?["causationId"] == "17")
        }
    }

    @Test func aRepeatedCommandIdReturnsTheOriginalResult() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            let first = try c.command("CaptureLead", Self.lead("L-1"), ["commandId": "cmd-1"])
            try c.command("CaptureLead", Self.lead("L-2"))
            let again = try c.command("CaptureLead", Self.lead("L-1"), ["commandId": "cmd-1"])
            #expect(again.ok && again["duplicate"] == true)
            #expect(again.position == first.position && again["events"] == first["events"])
            let other = try c.command("CaptureLead", Self.lead("L-9"), ["commandId": "cmd-1"])
            #expect(other.code == "already_exists")
            #expect(other["error"]?["details"]?["commandId"] == "cmd-1")
            #expect(try c.call("ping").position == 2, "nothing new was written")
        }
    }

    @Test func expectedVersionIsCheckedOnThePrimaryStream() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            #expect(try c.command("CaptureLead", Self.lead("L-1"), ["expectedVersion": 0]).ok)
            try c.register("E-1", roles: ["sales"])
            let wrong = try c.command("AssignLead", ["leadId": "L-1", "repId": "E-1"], ["expectedVersion": 3])
            #expect(wrong.code == "wrong_expected_version")
            #expect(wrong["error"]?["details"] == ["stream": "lead-L-1", "expected": 3, "actual": 1])
            #expect(try c.command("AssignLead", ["leadId": "L-1", "repId": "E-1"], ["expectedVersion": 1]).ok)
        }
    }

    @Test func theGenericCodesOfACommand() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            #expect(try c.command("TeleportLead", [:]).code == "unknown_command")
            let invalid = try c.command("CaptureLead", ["leadId": "L-1", "company": "Acme"])
            #expect(invalid.code == "invalid_argument")
            #expect(invalid["error"]?["details"]?["field"] != nil)
            #expect(try c.command("CaptureLead", Self.lead("L-1").merging(["typo": 1])).code == "invalid_argument")
            #expect(try c.command("ClaimLead", ["leadId": "L-404"]).code == "not_found")
            #expect(try c.command("CaptureLead", Self.lead("L-1")).ok)
            #expect(try c.command("CaptureLead", Self.lead("L-1")).code == "already_exists")
            #expect(try c.call("command", ["data": [:]]).code == "bad_request", "type is required")
            #expect(try c.call("command", ["type": "CaptureLead", "data": [1]]).code == "bad_request")
            #expect(try c.call("command", ["type": "CaptureLead", "data": [:], "commandId": 5]).code == "bad_request")
            #expect(try c.call("command", ["type": "CaptureLead", "data": [:], "expectedVersion": -1]).code == "bad_request")
        }
    }

    @Test func aFullWriterQueueIsOverloaded() async throws {
        try await withServer(arguments: ["--max-queued-commands", "1"]) { server in
            let c = try server.connect()
            try c.hello()
            let lines = (0..<50).map {
                "{\"id\":\($0),\"op\":\"command\",\"type\":\"CaptureLead\",\"data\":{\"leadId\":\"O-\($0)\",\"company\":\"C\",\"contactName\":\"N\",\"source\":\"web\"}}"
            }
            try c.sendRaw(Array(lines.joined(separator: "\n").utf8) + [0x0A])
            var codes: [String: Int] = [:]
            for _ in 0..<50 { codes[try c.readObject().code ?? "ok", default: 0] += 1 }
            #expect(codes["overloaded", default: 0] > 0)
            #expect(codes["ok", default: 0] > 0)
            #expect(codes.keys.allSatisfy { $0 == "ok" || $0 == "overloaded" })
        }
    }
}

extension JSONObject {
    func merging(_ other: JSONObject) -> JSONObject {
        var out = self
        for (k, v) in other { out[k] = v }
        return out
    }
}
