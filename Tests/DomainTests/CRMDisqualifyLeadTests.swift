import Domain
import JSON
import Testing

@Suite struct CRMDisqualifyLeadTests {
    @Test func disqualifyingAClaimedLeadClosesItAndFreesCapacity() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let events = try s.then(s.actor("S-1"), "DisqualifyLead", ["leadId": "L-1", "reason": "no budget"])
        #expect(events.map(\.type) == ["LeadDisqualified"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
        #expect(events[0].data == ["leadId": "L-1", "reason": "no budget", "repId": "S-1"])
        #expect(s.state.crm.leads["L-1"]?.status == .disqualified)
        #expect(s.state.crm.leadsOwned(by: "S-1") == 0)
        #expect(s.code(s.actor("S-2"), "ClaimLead", ["leadId": "L-1"]) == .leadNotInPool)
    }

    @Test func aDisqualificationNeedsAReason() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        #expect(s.code(s.actor("S-1"), "DisqualifyLead", ["leadId": "L-1", "reason": ""]) == .reasonRequired)
    }

    @Test func onlyTheOwnerSideMayDisqualifyAClaimedLead() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let data: JSONObject = ["leadId": "L-1", "reason": "duplicate"]
        #expect(s.code(s.actor("S-2"), "DisqualifyLead", data) == .notLeadOwner)
        #expect(s.code(s.actor("M-2"), "DisqualifyLead", data) == .forbidden)
        #expect(s.code(s.actor("M-1"), "DisqualifyLead", data) == nil)
        #expect(s.code(s.actor("S-1"), "DisqualifyLead", ["leadId": "L-404", "reason": "x"]) == .notFound)
    }

    @Test func aPoolLeadIsDisqualifiedByManagersAndAdminsButNotByReps() throws {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let data: JSONObject = ["leadId": "L-1", "reason": "spam"]
        #expect(s.code(s.actor("S-1"), "DisqualifyLead", data) == .notLeadOwner)
        #expect(s.code(.admin, "DisqualifyLead", data) == nil)
        let events = try s.then(s.actor("M-2"), "DisqualifyLead", data)
        #expect(events[0].tags == ["lead:L-1"])
        #expect(events[0].data["repId"] == .null)
    }

    @Test func finalLeadsCannotBeDisqualified() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.given(s.actor("S-1"), "DisqualifyLead", ["leadId": "L-1", "reason": "spam"])
        let e = s.rejection(.admin, "DisqualifyLead", ["leadId": "L-1", "reason": "again"])
        #expect(e?.code == .leadNotClaimed)
        #expect(e?.details["status"] == "disqualified")
    }
}
