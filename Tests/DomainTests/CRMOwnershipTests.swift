import Domain
import JSON
import Testing

@Suite struct CRMOwnershipTests {
    @Test func aSalesRepActsOnlyOnWhatTheyOwn() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.customer("C-1", owner: "S-1")
        #expect(s.code(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == nil)
        #expect(s.code(s.actor("S-2"), "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == .notLeadOwner)
        #expect(
            s.code(s.actor("S-2"), "LogFollowUp", ["customerId": "C-1", "channel": "call", "note": "x"]) == .notOwner)
    }

    @Test func aManagerActsOnTheLeadsOfDirectAndIndirectReports() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        #expect(s.code(s.actor("M-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == nil)
        #expect(s.code(s.actor("D-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == nil)
    }

    @Test func aManagerOutsideTheOwnersLineIsForbidden() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let e = s.rejection(s.actor("M-2"), "ReleaseLead", ["leadId": "L-1", "reason": "x"])
        #expect(e?.code == .forbidden)
        // A report never acts for their manager.
        s.claimedLead("L-2", by: "M-1")
        #expect(s.code(s.actor("S-1"), "ReleaseLead", ["leadId": "L-2", "reason": "x"]) == .notLeadOwner)
    }

    @Test func aSalesRepWhoIsAlsoAManagerIsForbiddenOutsideTheirReports() {
        var s = Scenario()
        s.salesTeam()
        s.employee("SM-1", roles: ["sales", "manager"])
        s.employee("S-9", roles: ["sales"], manager: "SM-1")
        s.claimedLead("L-1", by: "S-1")
        s.claimedLead("L-9", by: "S-9")
        #expect(s.code(s.actor("SM-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == .forbidden)
        #expect(s.code(s.actor("SM-1"), "ReleaseLead", ["leadId": "L-9", "reason": "x"]) == nil)
    }

    @Test func anAdminActsOnAnything() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-3")
        s.customer("C-1", owner: "S-3")
        s.opportunity("O-1", customer: "C-1")
        #expect(s.code(.admin, "ReleaseLead", ["leadId": "L-1", "reason": "x"]) == nil)
        #expect(s.code(.admin, "AdvanceStage", ["opportunityId": "O-1", "stage": "won"]) == nil)
        #expect(s.code(.system, "MarkOpportunityLost", ["opportunityId": "O-1", "reason": "x"]) == nil)
    }

    @Test func ownershipFollowsTheLeadsCurrentOwner() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.given(s.actor("S-1"), "ReleaseLead", ["leadId": "L-1", "reason": "x"])
        s.given(s.actor("S-2"), "ClaimLead", ["leadId": "L-1"])
        #expect(
            s.code(s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": "x"]) == .notLeadOwner)
        #expect(s.code(s.actor("S-2"), "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": "x"]) == nil)
    }

    @Test func theDataIsJudgedBeforeOwnership() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        #expect(s.code(s.actor("S-2"), "ReleaseLead", ["leadId": "L-1"]) == .reasonRequired)
        #expect(
            s.code(s.actor("S-2"), "ReleaseLead", ["leadId": "L-1", "reason": "x", "force": true]) == .invalidArgument)
    }
}

@Suite struct CRMDeactivationTests {
    @Test func deactivatingARepReleasesEveryLeadTheyOwn() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-2", by: "S-1")
        s.claimedLead("L-1", by: "S-1")
        s.claimedLead("L-3", by: "S-2")
        let events = try s.then(.admin, "DeactivateEmployee", ["employeeId": "S-1", "reason": "left the company"])
        #expect(events.map(\.type) == ["EmployeeDeactivated", "LeadReleased", "LeadReleased"])
        #expect(events.map(\.stream) == ["employee-S-1", "lead-L-1", "lead-L-2"])
        #expect(events[1].tags == ["lead:L-1", "rep:S-1"])
        #expect(events[1].data == ["leadId": "L-1", "repId": "S-1", "reason": "owner deactivated"])
        #expect(s.state.crm.leadsOwned(by: "S-1") == 0)
        #expect(s.state.crm.leads["L-1"]?.status == .pool)
        #expect(s.state.crm.leads["L-3"]?.ownerId == "S-2")
        #expect(s.code(s.actor("S-2"), "ClaimLead", ["leadId": "L-1"]) == nil)
    }

    @Test func deactivatingSomeoneWithoutLeadsReleasesNothing() throws {
        var s = Scenario()
        s.salesTeam()
        let events = try s.then(.admin, "DeactivateEmployee", ["employeeId": "S-1", "reason": "left"])
        #expect(events.map(\.type) == ["EmployeeDeactivated"])
    }

    @Test func convertedAndDisqualifiedLeadsAreNotReleased() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.claimedLead("L-2", by: "S-1")
        s.given(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-1"])
        s.given(s.actor("S-1"), "DisqualifyLead", ["leadId": "L-2", "reason": "spam"])
        #expect(s.state.crm.releaseEventsForDeactivatedOwner("S-1").isEmpty)
    }
}
