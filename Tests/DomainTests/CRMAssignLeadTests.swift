import Domain
import JSON
import Testing

@Suite struct CRMAssignLeadTests {
    @Test func aManagerAssignsAPoolLeadToAReport() throws {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let events = try s.then(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-1"])
        #expect(events.map(\.type) == ["LeadAssigned"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
        #expect(events[0].data == ["leadId": "L-1", "repId": "S-1", "assignedBy": "M-1"])
        #expect(s.state.crm.leads["L-1"]?.ownerId == "S-1")
        #expect(s.state.crm.leadsOwned(by: "S-1") == 1)
    }

    @Test func aManagerMayAssignToThemselvesAndToIndirectReports() {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        #expect(s.code(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "M-1"]) == nil)
        #expect(s.code(s.actor("D-1"), "AssignLead", ["leadId": "L-1", "repId": "S-2"]) == nil)
    }

    @Test func assigningOutsideTheManagersReportsIsForbidden() {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        #expect(s.code(s.actor("M-2"), "AssignLead", ["leadId": "L-1", "repId": "S-1"]) == .forbidden)
        #expect(s.code(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "D-1"]) == .forbidden)
        #expect(s.code(.admin, "AssignLead", ["leadId": "L-1", "repId": "S-3"]) == nil)
    }

    @Test func salesRepsMayNotAssign() {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        #expect(s.code(s.actor("S-1"), "AssignLead", ["leadId": "L-1", "repId": "S-1"]) == .forbidden)
    }

    @Test func theAssigneeMustBeAnActiveEmployee() {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let missing = s.rejection(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-404"])
        #expect(missing?.code == .notFound)
        #expect(missing?.details == ["kind": "employee", "id": "S-404"])
        s.given(.admin, "DeactivateEmployee", ["employeeId": "S-2", "reason": "left"])
        #expect(s.code(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-2"]) == .employeeInactive)
    }

    @Test func anUnknownLeadIsNotFoundBeforeTheAssigneeIsLookedAt() {
        var s = Scenario()
        s.salesTeam()
        let e = s.rejection(s.actor("M-1"), "AssignLead", ["leadId": "L-404", "repId": "S-404"])
        #expect(e?.details == ["kind": "lead", "id": "L-404"])
    }

    @Test func onlyPoolLeadsCanBeAssigned() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let e = s.rejection(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-2"])
        #expect(e?.code == .leadNotInPool)
        #expect(e?.details["status"] == "claimed")
    }

    @Test func capacityAppliesToAssignments() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["capacity": 1])
        s.claimedLead("L-1", by: "S-1")
        s.lead("L-2")
        #expect(s.code(s.actor("M-1"), "AssignLead", ["leadId": "L-2", "repId": "S-1"]) == .claimLimitReached)
    }

    @Test func theDailyLimitAndTheReclaimLockDoNotApplyToAssignments() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["dailyClaimLimit": 1])
        s.claimedLead("L-1", by: "S-1")
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "no answer"])
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == .dailyClaimLimitReached)
        #expect(s.code(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-1"]) == nil)
        s.advance(days: 1)
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"]) == .reclaimTooSoon)
        #expect(s.code(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-1"]) == nil)
    }

    @Test func assignmentsDoNotCountTowardsTheDailyLimit() {
        var s = Scenario()
        s.salesTeam()
        s.rules(["dailyClaimLimit": 1])
        s.lead("L-1")
        s.given(s.actor("M-1"), "AssignLead", ["leadId": "L-1", "repId": "S-1"])
        s.lead("L-2")
        #expect(s.code(s.actor("S-1"), "ClaimLead", ["leadId": "L-2"]) == nil)
    }
}
