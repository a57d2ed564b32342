import Domain
import JSON
import Testing

@Suite struct CRMFollowUpTests {
    @Test func aFollowUpOnAClaimedLeadIsLoggedOnTheLeadAndRefreshesItsActivity() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.advance(days: 2)
        let events = try s.then(
            s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "channel": "visit", "note": "demo booked"])
        #expect(events.map(\.type) == ["FollowUpLogged"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1", "rep:S-1"])
        #expect(
            events[0].data == [
                "leadId": "L-1", "customerId": .null, "channel": "visit", "note": "demo booked", "repId": "S-1",
            ])
        #expect(s.state.crm.leads["L-1"]?.lastActivityAt == s.now)
    }

    @Test func aFollowUpOnACustomerIsLoggedOnTheCustomer() throws {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        let events = try s.then(
            s.actor("S-1"), "LogFollowUp", ["customerId": "C-1", "channel": "meeting", "note": "QBR"])
        #expect(events[0].stream == "customer-C-1")
        #expect(events[0].tags == ["customer:C-1", "rep:S-1"])
        #expect(events[0].data["leadId"] == .null)
        #expect(events[0].data["customerId"] == "C-1")
        #expect(events[0].data["repId"] == "S-1")
    }

    @Test func exactlyOneOfLeadAndCustomerIsRequired() {
        var s = Scenario()
        s.salesTeam()
        let neither = s.rejection(s.actor("S-1"), "LogFollowUp", ["channel": "call", "note": "hi"])
        #expect(neither?.code == .invalidArgument)
        #expect(neither?.details["field"] == "leadId")
        let both = s.rejection(
            s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "customerId": "C-1", "channel": "call", "note": "hi"])
        #expect(both?.code == .invalidArgument)
        #expect(both?.details["field"] == "customerId")
    }

    @Test func theChannelAndTheNoteAreValidated() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let fax = s.rejection(s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "channel": "fax", "note": "sent"])
        #expect(fax?.details["field"] == "channel")
        let blank = s.rejection(s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": " "])
        #expect(blank?.details["field"] == "note")
        let long = String(repeating: "x", count: 4097)
        let tooLong = s.rejection(
            s.actor("S-1"), "LogFollowUp", ["leadId": "L-1", "channel": "call", "note": .string(long)])
        #expect(tooLong?.details["field"] == "note")
    }

    @Test func unknownLeadsAndCustomersAreNotFound() {
        var s = Scenario()
        s.salesTeam()
        let lead = s.rejection(s.actor("S-1"), "LogFollowUp", ["leadId": "L-404", "channel": "call", "note": "x"])
        #expect(lead?.details == ["kind": "lead", "id": "L-404"])
        let customer = s.rejection(
            s.actor("S-1"), "LogFollowUp", ["customerId": "C-404", "channel": "call", "note": "x"])
        #expect(customer?.details == ["kind": "customer", "id": "C-404"])
    }

    @Test func onlyTheOwnerSideMayLogFollowUps() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        s.customer("C-1", owner: "S-1")
        let onLead: JSONObject = ["leadId": "L-1", "channel": "call", "note": "x"]
        let onCustomer: JSONObject = ["customerId": "C-1", "channel": "call", "note": "x"]
        #expect(s.code(s.actor("S-2"), "LogFollowUp", onLead) == .notLeadOwner)
        #expect(s.code(s.actor("S-2"), "LogFollowUp", onCustomer) == .notOwner)
        #expect(s.code(s.actor("M-2"), "LogFollowUp", onLead) == .forbidden)
        #expect(s.code(s.actor("M-2"), "LogFollowUp", onCustomer) == .forbidden)
        #expect(s.code(s.actor("M-1"), "LogFollowUp", onLead) == nil)
        #expect(s.code(s.actor("D-1"), "LogFollowUp", onCustomer) == nil)
    }

    @Test func aPoolLeadTakesFollowUpsFromManagersNotReps() throws {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let data: JSONObject = ["leadId": "L-1", "channel": "email", "note": "intro"]
        #expect(s.code(s.actor("S-1"), "LogFollowUp", data) == .notLeadOwner)
        let events = try s.then(s.actor("M-2"), "LogFollowUp", data)
        #expect(events[0].tags == ["lead:L-1"])
        #expect(events[0].data["repId"] == .null)
        #expect(s.state.crm.leads["L-1"]?.lastActivityAt == nil)
    }
}
