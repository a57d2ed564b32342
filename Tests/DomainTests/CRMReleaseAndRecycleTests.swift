import Domain
import JSON
import Testing

@Suite struct CRMReleaseLeadTests {
    @Test func releasingALeadPutsItBackInThePool() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let events = try s.then(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "wrong region"])
        #expect(events.map(\.type) == ["LeadReleased"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
        #expect(events[0].data == ["leadId": "L-1", "repId": "S-1", "reason": "wrong region"])
        #expect(s.state.crm.leads["L-1"]?.status == .pool)
        #expect(s.state.crm.leadsOwned(by: "S-1") == 0)
    }

    @Test func aReleaseNeedsAReason() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        #expect(s.code(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1"]) == .reasonRequired)
        #expect(s.code(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "  "]) == .reasonRequired)
    }

    @Test func anotherRepsLeadCannotBeReleased() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let e = s.rejection(s.actor("S-2"), "ReleaseLead", ["leadId": "L-1", "reason": "mine now"])
        #expect(e?.code == .notLeadOwner)
        #expect(e?.details["leadId"] == "L-1")
    }

    @Test func aLeadNobodyOwnsCannotBeReleased() {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let e = s.rejection(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"])
        #expect(e?.code == .leadNotClaimed)
        #expect(e?.details["status"] == "pool")
        #expect(s.code(.admin, "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == .leadNotClaimed)
        #expect(s.code(s.actor("S-1"), "ReleaseLead", ["leadId": "L-404", "reason": "x"]) == .notFound)
    }

    @Test func theOwnersManagerMayReleaseTheRecordKeepsTheRep() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let events = try s.then(s.actor("D-1"), "ReleaseLead", ["leadId": "L-1", "reason": "rebalancing"])
        #expect(events[0].data["repId"] == "S-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
    }
}

@Suite struct CRMRecycleStaleLeadsTests {
    @Test func aLeadIsRecycledExactlyRecycleAfterDaysAfterItsLastActivity() throws {
        var s = Scenario()
        s.salesTeam()
        s.at("2026-03-02T09:00:00Z")
        s.claimedLead("L-1", by: "S-1")
        s.at("2026-03-16T08:59:59.999Z")
        #expect(try s.when(s.actor("M-1"), "RecycleStaleLeads", [:]).isEmpty)
        s.at("2026-03-16T09:00:00Z")
        let events = try s.then(s.actor("M-1"), "RecycleStaleLeads", [:])
        #expect(events.map(\.type) == ["LeadRecycled"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
        #expect(
            events[0].data == [
                "leadId": "L-1", "repId": "S-1", "lastActivityAt": "2026-03-02T09:00:00.000Z",
                "asOf": "2026-03-16T09:00:00.000Z",
            ])
        #expect(s.state.crm.leads["L-1"]?.status == .pool)
        #expect(s.state.crm.leadsOwned(by: "S-1") == 0)
    }

    @Test func asOfMovesTheCutOff() throws {
        var s = Scenario()
        s.salesTeam()
        s.rules(["recycleAfterDays": 3])
        s.claimedLead("L-1", by: "S-1")
        s.advance(days: 10)
        #expect(try s.when(.system, "RecycleStaleLeads", ["asOf": .string(s.now.adding(days: -8).iso8601)]).isEmpty)
        let events = try s.when(.system, "RecycleStaleLeads", ["asOf": .string(s.now.adding(days: -7).iso8601)])
        #expect(events.count == 1)
        #expect(events[0].data["asOf"] == .string(s.now.adding(days: -7).iso8601))
        #expect(s.rejection(.system, "RecycleStaleLeads", ["asOf": "yesterday"])?.details["field"] == "asOf")
    }

    @Test func followUpsAndAssignmentsAreActivity() throws {
        var s = Scenario()
        s.salesTeam()
        s.rules(["recycleAfterDays": 5])
        s.claimedLead("L-1", by: "S-1")
        s.lead("L-2")
        s.given(s.actor("M-1"), "AssignLead", ["leadId": "L-2", "repId": "S-2"])
        s.advance(days: 3)
        s.given(s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": "left a voicemail"])
        s.advance(days: 2)
        let events = try s.when(s.actor("M-1"), "RecycleStaleLeads", [:])
        #expect(events.map { $0.data["leadId"] } == ["L-2"])
        #expect(events[0].tags == ["lead:L-2", "rep:S-2"])
    }

    @Test func everyStaleLeadOfEveryRepIsRecycledInLeadIdOrder() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-3", by: "S-3")
        s.claimedLead("L-1", by: "S-1")
        s.claimedLead("L-2", by: "S-1")
        s.lead("L-4")
        s.advance(days: 14)
        let events = try s.then(.system, "RecycleStaleLeads", [:])
        #expect(events.map { $0.data["leadId"] } == ["L-1", "L-2", "L-3"])
        #expect(events.map { $0.data["repId"] } == ["S-1", "S-1", "S-3"])
        #expect(try s.when(.system, "RecycleStaleLeads", [:]).isEmpty)
    }

    @Test func salesRepsMayNotRecycle() {
        var s = Scenario()
        s.salesTeam()
        #expect(s.code(s.actor("S-1"), "RecycleStaleLeads", [:]) == .forbidden)
        #expect(s.code(s.actor("M-1"), "RecycleStaleLeads", ["asof": "2026-01-01"]) == .invalidArgument)
    }
}
