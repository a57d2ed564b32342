import Domain
import JSON
import Testing

@Suite struct AuditTrailTests {
    func lead() async throws -> ViewHarness {
        let h = try ViewHarness()
        try await h.employee("E-1", ["sales"])
        try await h.employee("A-1", ["auditor"])
        try await h.run(
            "E-1", "CaptureLead",
            ["leadId": "L-1", "company": "Acme", "contactName": "Ann", "email": "ann@Acme.example", "source": "web"])
        h.clock.advance(minutes: 10)
        try await h.run("E-1", "ClaimLead", ["leadId": "L-1"])
        h.clock.advance(minutes: 10)
        try await h.run("E-1", "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": "intro"])
        return h
    }

    @Test func eachEventShowsTheFieldsItChangedWithTheirValuesBeforeAndAfter() async throws {
        let h = try await lead()
        let r = try await h.query("auditTrail", ["stream": "lead-L-1"], as: "A-1")
        let rows = try #require(r["rows"]?.arrayValue)
        #expect(rows.map { $0["type"] } == ["LeadCaptured", "LeadClaimed", "FollowUpLogged"])
        #expect(rows.map { $0["actor"] } == ["E-1", "E-1", "E-1"])
        #expect(rows[0]["changes"]?.arrayValue?.count == 6)  // every non-null field of the new lead, domain included
        #expect(rows[0]["changes"]?.arrayValue?.contains(["field": "domain", "before": nil, "after": "acme.example"]) == true)
        #expect(rows[1]["changes"] == [["field": "repId", "before": nil, "after": "E-1"]])
        #expect(
            rows[2]["changes"]
                == [["field": "channel", "before": nil, "after": "call"], ["field": "note", "before": nil, "after": "intro"]])
        #expect(rows[1]["at"] == "2026-03-02T09:10:00.000Z" && rows[1]["version"] == 2 && rows[1]["stream"] == "lead-L-1")
        #expect(r["next"] == .null)
    }

    @Test func trailsFollowAnActorOrATagOverATimeRangeInPages() async throws {
        let h = try await lead()
        let byActor = try await h.query("auditTrail", ["actor": "E-1"], as: "A-1")
        #expect(byActor["rows"]?.arrayValue?.map { $0["type"] } == ["LeadCaptured", "LeadClaimed", "FollowUpLogged"])
        let admin = try await h.query("auditTrail", ["actor": "admin"], as: "A-1")
        #expect(admin["rows"]?.arrayValue?.map { $0["type"] } == ["EmployeeRegistered", "EmployeeRegistered"])
        let window = try await h.query(
            "auditTrail", ["tag": "lead:L-1", "from": "2026-03-02T09:05:00Z", "to": "2026-03-02T09:20:00Z"], as: "A-1")
        #expect(window["rows"]?.arrayValue?.map { $0["type"] } == ["LeadClaimed"])
        #expect(window["rows"]?.arrayValue?.first?["changes"] == [["field": "repId", "before": nil, "after": "E-1"]])
        var types: [JSONValue] = []
        var after: JSONValue = .null
        repeat {
            var params: JSONObject = ["tag": "lead:L-1", "limit": 2]
            if !after.isNull { params["after"] = after }
            let page = try await h.query("auditTrail", params, as: "A-1")
            types += page["rows"]?.arrayValue?.compactMap { $0["type"] } ?? []
            after = page["next"] ?? .null
        } while !after.isNull
        #expect(types == ["LeadCaptured", "LeadClaimed", "FollowUpLogged"])
    }

    @Test func onlyAuditingRolesReadTrailsAndExactlyOneSubjectIsGiven() async throws {
        let h = try await lead()
        #expect(await h.queryCode("auditTrail", ["actor": "E-1"], as: "E-1") == "forbidden")
        #expect(await h.queryCode("auditTrail", [:], as: "A-1") == "invalid_argument")
        #expect(await h.queryCode("auditTrail", ["actor": "E-1", "tag": "lead:L-1"], as: "A-1") == "invalid_argument")
        #expect(await h.queryCode("auditTrail", ["actor": "E-1", "from": "nope"], as: "A-1") == "invalid_argument")
    }
}
