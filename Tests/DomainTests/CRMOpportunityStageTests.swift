import Domain
import JSON
import Testing

@Suite struct CRMOpportunityStageTests {
    /// S-1 owns customer C-1 with opportunity O-1 (10,000.00) at discovery.
    static func opened() -> Scenario {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        s.opportunity("O-1", customer: "C-1")
        return s
    }

    @Test func forwardMovesMaySkipStages() throws {
        var s = Self.opened()
        let events = try s.then(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "proposal"])
        #expect(events.map(\.type) == ["OpportunityStageAdvanced"])
        #expect(events[0].stream == "opportunity-O-1")
        #expect(events[0].tags == ["customer:C-1", "opportunity:O-1", "rep:S-1"])
        #expect(
            events[0].data == [
                "opportunityId": "O-1", "customerId": "C-1", "ownerId": "S-1", "from": "discovery", "to": "proposal",
                "probability": 50, "reason": .null,
            ])
        #expect(s.state.crm.opportunities["O-1"]?.stage == .proposal)
    }

    @Test func aBackwardMoveNeedsAReason() throws {
        var s = Self.opened()
        s.given(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "negotiation"])
        let e = s.rejection(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "qualification"])
        #expect(e?.code == .reasonRequired)
        #expect(
            s.code(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "qualification", "reason": " "])
                == .reasonRequired)
        let events = try s.then(
            s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "qualification", "reason": "budget cut"])
        #expect(events[0].data["from"] == "negotiation")
        #expect(events[0].data["to"] == "qualification")
        #expect(events[0].data["probability"] == 25)
        #expect(events[0].data["reason"] == "budget cut")
    }

    @Test func movingToTheCurrentStageIsAnInvalidTransition() {
        let s = Self.opened()
        let e = s.rejection(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "discovery"])
        #expect(e?.code == .invalidStageTransition)
        #expect(e?.details == ["from": "discovery", "to": "discovery"])
    }

    @Test func advancingToLostIsAnInvalidTransitionUseMarkOpportunityLost() {
        let s = Self.opened()
        let e = s.rejection(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "lost", "reason": "x"])
        #expect(e?.code == .invalidStageTransition)
    }

    @Test func winningAlsoWritesOpportunityWonWithTheAmount() throws {
        var s = Self.opened()
        let events = try s.then(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "won"])
        #expect(events.map(\.type) == ["OpportunityStageAdvanced", "OpportunityWon"])
        #expect(events.map(\.stream) == ["opportunity-O-1", "opportunity-O-1"])
        #expect(events[0].data["probability"] == 100)
        #expect(events[1].tags == ["customer:C-1", "opportunity:O-1", "rep:S-1"])
        #expect(
            events[1].data == ["opportunityId": "O-1", "customerId": "C-1", "ownerId": "S-1", "amount": "10000.00"])
        #expect(s.state.crm.opportunities["O-1"]?.isClosed == true)
    }

    @Test func closedOpportunitiesRefuseEveryMoveBeforeTheTransitionIsJudged() {
        var s = Self.opened()
        s.given(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "won"])
        let again = s.rejection(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "won"])
        #expect(again?.code == .opportunityClosed)
        #expect(again?.details["stage"] == "won")
        #expect(
            s.code(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "proposal", "reason": "reopen"])
                == .opportunityClosed)
        #expect(
            s.code(s.actor("S-1"), "MarkOpportunityLost", ["opportunityId": "O-1", "reason": "x"]) == .opportunityClosed
        )
    }

    @Test func losingRecordsTheStageItWasLostFrom() throws {
        var s = Self.opened()
        s.given(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "proposal"])
        let events = try s.then(
            s.actor("S-1"), "MarkOpportunityLost", ["opportunityId": "O-1", "reason": "went with a rival"])
        #expect(events.map(\.type) == ["OpportunityLost"])
        #expect(events[0].stream == "opportunity-O-1")
        #expect(events[0].tags == ["customer:C-1", "opportunity:O-1", "rep:S-1"])
        #expect(
            events[0].data == [
                "opportunityId": "O-1", "customerId": "C-1", "ownerId": "S-1", "from": "proposal",
                "reason": "went with a rival",
            ])
        #expect(s.state.crm.opportunities["O-1"]?.stage == .lost)
        #expect(s.code(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "won"]) == .opportunityClosed)
    }

    @Test func losingNeedsAReason() {
        let s = Self.opened()
        #expect(s.code(s.actor("S-1"), "MarkOpportunityLost", ["opportunityId": "O-1"]) == .reasonRequired)
    }

    @Test func unknownStagesAndOpportunitiesAreRejected() {
        let s = Self.opened()
        let stage = s.rejection(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "closing"])
        #expect(stage?.code == .invalidArgument)
        #expect(stage?.details["field"] == "stage")
        let missing = s.rejection(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-404", "stage": "won"])
        #expect(missing?.details == ["kind": "opportunity", "id": "O-404"])
        #expect(s.code(s.actor("S-1"), "MarkOpportunityLost", ["opportunityId": "O-404", "reason": "x"]) == .notFound)
    }

    @Test func onlyTheOwnerSideMovesAnOpportunity() {
        let s = Self.opened()
        let data: JSONObject = ["opportunityId": "O-1", "stage": "proposal"]
        let e = s.rejection(s.actor("S-2"), "AdvanceStage", data)
        #expect(e?.code == .notOwner)
        #expect(e?.details == ["kind": "opportunity", "id": "O-1"])
        #expect(s.code(s.actor("M-2"), "AdvanceStage", data) == .forbidden)
        #expect(s.code(s.actor("S-2"), "MarkOpportunityLost", ["opportunityId": "O-1", "reason": "x"]) == .notOwner)
        #expect(s.code(s.actor("M-1"), "AdvanceStage", data) == nil)
    }

    @Test func ownershipIsJudgedBeforeTheStageRules() {
        var s = Self.opened()
        s.given(s.actor("S-1"), "AdvanceStage", ["opportunityId": "O-1", "stage": "won"])
        #expect(s.code(s.actor("S-2"), "AdvanceStage", ["opportunityId": "O-1", "stage": "won"]) == .notOwner)
    }
}
