import CommandProcessing
import Domain
import EventCoding
import EventLog
import JSON
import Testing

/// CONTRACT §9: old payloads are read as their newest schema without rewriting the log.
@Suite struct SchemaEvolutionTests {
    /// A `LeadCaptured` written the way the first release wrote it: schema 1, no `domain`.
    func v1LeadCaptured(_ leadId: String, email: String?) -> EventToAppend {
        var data: JSONObject = [
            "leadId": .string(leadId), "company": "Acme", "contactName": "Ann", "phone": .null,
            "email": email.map(JSONValue.string) ?? .null, "source": "web", "estimatedValue": .null,
        ]
        data["estimatedValue"] = .null
        return EventToAppend(
            stream: "lead-\(leadId)", type: "LeadCaptured", schema: 1, tags: ["lead:\(leadId)"],
            data: PayloadCodec.encode(data))
    }

    @Test func aLogWrittenWithV1RecordsReadsAsV2WithTheDerivedField() async throws {
        let h = try Harness()
        defer { h.log.close() }
        _ = try await h.log.append(AppendRequest(events: [v1LeadCaptured("L-1", email: "Ann@Example.COM")], actor: "admin"))
        _ = try await h.log.append(AppendRequest(events: [v1LeadCaptured("L-2", email: nil)], actor: "admin"))
        let first = try EventJSON.object(try #require(try h.log.event(at: 1)))
        #expect(first["schema"] == 2)
        #expect(first["data"]?["domain"] == "example.com")
        let second = try EventJSON.object(try #require(try h.log.event(at: 2)))
        #expect(second["data"]?["domain"] == .null)
        // The stored bytes were not rewritten: the raw form is still schema 1.
        let raw = try EventJSON.object(try #require(try h.log.event(at: 1)), raw: true)
        #expect(raw["schema"] == 1)
        #expect(raw["data"]?["domain"] == nil)
        #expect(try h.log.verify().isIntact)
    }

    @Test func stateBuiltFromV1RecordsDecidesAsBefore() async throws {
        var h = try Harness()
        _ = try await h.log.append(AppendRequest(events: [v1LeadCaptured("L-1", email: "a@b.c")], actor: "admin"))
        try h.restart()
        defer { h.log.close() }
        try await h.employee("R-1", ["sales"])
        let reply = try await h.run("R-1", "ClaimLead", ["leadId": "L-1"])
        #expect(reply.events.map(\.type) == ["LeadClaimed"])
    }

    @Test func theDecidersSchema2IsWhatTheUpcasterMakesOfSchema1() throws {
        let state = CompanyState()
        for email: JSONValue in ["Ann@Mail.Example.COM", "bo@acme.io", .null] {
            let decided = try state.decide(
                Command(type: "CaptureLead", data: [
                    "leadId": "L-1", "company": "Acme", "contactName": "Ann", "email": email, "source": "web",
                ]),
                context: CommandContext(actor: .admin, now: Timestamp(milliseconds: 0), nextPosition: 1))[0]
            #expect(decided.schema == Upcasters.currentSchema(of: "LeadCaptured"))
            var v1 = decided.data
            v1["domain"] = nil
            let upcast = Upcasters.upcast(type: "LeadCaptured", schema: 1, data: v1)
            #expect(upcast.schema == decided.schema)
            #expect(upcast.data == decided.data, "member order and values, for \(email)")
        }
    }

    @Test func newEventsAreWrittenAtTheNewestSchema() async throws {
        let h = try Harness()
        defer { h.log.close() }
        let reply = try await h.run("admin", "CaptureLead", [
            "leadId": "L-9", "company": "Acme", "contactName": "Bo", "email": "bo@acme.io", "source": "fair",
        ])
        let stored = try #require(try h.log.event(at: reply.position))
        #expect(stored.envelope.schema == 2)
        #expect(try EventJSON.object(stored, raw: true)["data"]?["domain"] == "acme.io")
    }
}
