import Domain
import JSON
import Testing

@Suite struct SalesFunnelTests {
    /// Four opportunities over five days: O-1 skips to proposal then wins, O-2 is lost, O-3 reaches
    /// qualification, O-4 opens on day 5. Three leads: one claimed, one released, one disqualified from the pool.
    func pipeline() async throws -> ViewHarness {
        let h = try ViewHarness()
        try await h.employee("M-1", ["manager"])
        try await h.employee("E-1", ["sales"], manager: "M-1")
        try await h.employee("E-2", ["sales"], manager: "M-1")
        try await h.run("E-1", "RegisterCustomer", ["customerId": "C-1", "name": "Acme"])
        try await h.run("E-2", "RegisterCustomer", ["customerId": "C-2", "name": "Beta"])
        try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-1", "customerId": "C-1", "title": "a", "amount": "1000"])
        try await h.run("E-1", "OpenOpportunity", ["opportunityId": "O-2", "customerId": "C-1", "title": "b", "amount": "2000"])
        try await h.run("E-2", "OpenOpportunity", ["opportunityId": "O-3", "customerId": "C-2", "title": "c", "amount": "400"])
        h.clock.advance(days: 2)
        try await h.run("E-1", "AdvanceStage", ["opportunityId": "O-1", "stage": "proposal"])
        h.clock.advance(days: 1)
        try await h.run("E-1", "AdvanceStage", ["opportunityId": "O-1", "stage": "won"])
        try await h.run("E-1", "MarkOpportunityLost", ["opportunityId": "O-2", "reason": "price"])
        try await h.run("E-2", "AdvanceStage", ["opportunityId": "O-3", "stage": "qualification"])
        h.clock.advance(days: 1)
        try await h.run("E-2", "OpenOpportunity", ["opportunityId": "O-4", "customerId": "C-2", "title": "d", "amount": "100"])
        for l in ["L-1", "L-2", "L-3"] {
            try await h.run("E-1", "CaptureLead", ["leadId": .string(l), "company": "X", "contactName": "Y", "source": "web"])
        }
        try await h.run("E-1", "ClaimLead", ["leadId": "L-1"])
        try await h.run("E-1", "ClaimLead", ["leadId": "L-2"])
        try await h.run("E-1", "ReleaseLead", ["leadId": "L-2", "reason": "busy"])
        try await h.run("M-1", "DisqualifyLead", ["leadId": "L-3", "reason": "spam"])
        return h
    }

    func stage(_ count: Int, _ amount: String, _ weighted: String) -> JSONValue {
        ["count": .number(JSONNumber(count)), "amount": .string(amount), "weightedAmount": .string(weighted)]
    }

    func conversion(_ rates: [JSONValue], _ reached: [Int]) -> JSONValue {
        let stages = ["discovery", "qualification", "proposal", "negotiation", "won"]
        return .array(
            (0..<4).map { i in
                [
                    "from": .string(stages[i]), "to": .string(stages[i + 1]),
                    "reachedFrom": .number(JSONNumber(reached[i])), "reachedTo": .number(JSONNumber(reached[i + 1])),
                    "rate": rates[i],
                ]
            })
    }

    func number(_ text: String) -> JSONValue { .number(JSONNumber(unchecked: text)) }

    @Test func theWholeFunnelMatchesTheHandCheckedFigures() async throws {
        let h = try await pipeline()
        let r = try await h.query("salesFunnel", [:])
        let stages: JSONValue = [
            "discovery": stage(1, "100.00", "10.00"), "qualification": stage(1, "400.00", "100.00"),
            "proposal": stage(0, "0.00", "0.00"), "negotiation": stage(0, "0.00", "0.00"),
            "won": stage(1, "1000.00", "1000.00"), "lost": stage(1, "2000.00", "0.00"),
        ]
        #expect(r["stages"] == stages, "\(r.text)")
        #expect(
            r["conversion"]
                == conversion([number("0.5000"), number("0.5000"), number("1.0000"), number("1.0000")], [4, 2, 1, 1, 1]))
        #expect(r["winRate"] == number("0.5000"))
        let days: JSONValue = ["discovery": number("2.67"), "qualification": nil, "proposal": number("1.00"), "negotiation": nil]
        #expect(r["averageDaysInStage"] == days)
        let leads: JSONValue = ["inPool": 1, "claimed": 1, "converted": 0, "disqualified": 1, "recycled": 0]
        #expect(r["leads"] == leads)
        #expect(r["repId"] == .null && r["from"] == .null && r["to"] == .null)
    }

    @Test func oneRepsFunnelCountsTheirOpportunitiesAndLeads() async throws {
        let h = try await pipeline()
        let r = try await h.query("salesFunnel", ["repId": "E-1"], as: "E-1")
        #expect(r["stages"]?["discovery"] == stage(0, "0.00", "0.00"))
        #expect(r["stages"]?["won"] == stage(1, "1000.00", "1000.00"))
        #expect(r["stages"]?["lost"] == stage(1, "2000.00", "0.00"))
        #expect(
            r["conversion"]
                == conversion([number("0.5000"), number("1.0000"), number("1.0000"), number("1.0000")], [2, 1, 1, 1, 1]))
        #expect(r["averageDaysInStage"]?["discovery"] == number("2.50"))
        let leads: JSONValue = ["inPool": 1, "claimed": 1, "converted": 0, "disqualified": 0, "recycled": 0]
        #expect(r["leads"] == leads)
    }

    @Test func periodsCountOpportunitiesByWhenTheyOpenedEvenWithinADay() async throws {
        let h = try await pipeline()
        let day5 = try await h.query("salesFunnel", ["from": "2026-03-06"])
        #expect(day5["stages"]?["discovery"] == stage(1, "100.00", "10.00"))
        #expect(day5["stages"]?["won"] == stage(0, "0.00", "0.00"))
        let later = try await h.query("salesFunnel", ["from": "2026-03-02T09:00:01Z", "to": "2026-03-06"])
        #expect(later["stages"]?["won"] == stage(0, "0.00", "0.00"))
        #expect(later["winRate"] == .null)
        let around = try await h.query("salesFunnel", ["from": "2026-03-02T08:59:00Z", "to": "2026-03-02T09:00:01Z"])
        #expect(around["stages"]?["won"] == stage(1, "1000.00", "1000.00"))
        #expect(around["stages"]?["qualification"] == stage(1, "400.00", "100.00"))
        let spanning = try await h.query("salesFunnel", ["from": "2026-03-01T12:00:00Z", "to": "2026-03-06T12:00:00Z"])
        let all = try await h.query("salesFunnel", [:])
        #expect(spanning["stages"] == all["stages"])
        #expect(await h.queryCode("salesFunnel", ["from": "yesterday"]) == "invalid_argument")
    }

    @Test func salesRepsSeeOnlyTheirOwnFunnel() async throws {
        let h = try await pipeline()
        #expect(await h.queryCode("salesFunnel", [:], as: "E-1") == "forbidden")
        #expect(await h.queryCode("salesFunnel", ["repId": "E-2"], as: "E-1") == "forbidden")
        #expect(await h.queryCode("salesFunnel", ["repId": "E-2"], as: "M-1") == nil)
        #expect(await h.queryCode("salesFunnel", [:], as: "M-1") == nil)
    }
}
