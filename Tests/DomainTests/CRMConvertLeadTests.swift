import Domain
import JSON
import Testing

@Suite struct CRMConvertLeadTests {
    static let withOpportunity: JSONObject = [
        "leadId": "L-1", "customerId": "C-1", "customerName": "Acme Group", "opportunityId": "O-1", "title": "Pilot",
        "amount": "25000", "expectedClose": "2026-06-30",
    ]

    @Test func convertingWritesLeadCustomerAndOpportunityEventsInOrder() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let events = try s.then(s.actor("S-1"), "ConvertLead", Self.withOpportunity)
        #expect(events.map(\.type) == ["LeadConverted", "CustomerRegistered", "OpportunityOpened"])
        #expect(events.map(\.stream) == ["lead-L-1", "customer-C-1", "opportunity-O-1"])
        #expect(events[0].tags == ["lead:L-1", "customer:C-1", "opportunity:O-1", "rep:S-1"])
        #expect(events[0].data == ["leadId": "L-1", "customerId": "C-1", "opportunityId": "O-1", "repId": "S-1"])
        #expect(events[1].tags == ["lead:L-1", "customer:C-1", "rep:S-1"])
        #expect(events[1].data == ["customerId": "C-1", "name": "Acme Group", "ownerId": "S-1", "leadId": "L-1"])
        #expect(events[2].tags == ["customer:C-1", "opportunity:O-1", "rep:S-1"])
        #expect(
            events[2].data == [
                "opportunityId": "O-1", "customerId": "C-1", "title": "Pilot", "amount": "25000.00",
                "expectedClose": "2026-06-30", "ownerId": "S-1", "stage": "discovery", "probability": 10,
            ])
        #expect(s.state.crm.leads["L-1"]?.status == .converted)
        #expect(s.state.crm.leads["L-1"]?.customerId == "C-1")
        #expect(s.state.crm.leadsOwned(by: "S-1") == 0)
        #expect(s.state.crm.customers["C-1"] == Customer(id: "C-1", name: "Acme Group", ownerId: "S-1", leadId: "L-1"))
        #expect(s.state.crm.opportunities["O-1"]?.ownerId == "S-1")
        #expect(s.state.crm.opportunities["O-1"]?.amount.amountText == "25000.00")
    }

    @Test func withoutAnOpportunityOnlyTheCustomerIsCreatedNamedAfterTheCompany() throws {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1", company: "Globex")
        s.given(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"])
        let events = try s.then(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-1"])
        #expect(events.map(\.type) == ["LeadConverted", "CustomerRegistered"])
        #expect(events[0].data["opportunityId"] == .null)
        #expect(events[0].tags == ["lead:L-1", "customer:C-1", "rep:S-1"])
        #expect(events[1].data["name"] == "Globex")
        #expect(s.state.crm.opportunities.isEmpty)
    }

    @Test func theCustomerBelongsToTheLeadsRepWhoeverConvertsIt() throws {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let events = try s.then(s.actor("M-1"), "ConvertLead", Self.withOpportunity)
        #expect(events[1].data["ownerId"] == "S-1")
        #expect(events[2].data["ownerId"] == "S-1")
        #expect(s.state.crm.customers["C-1"]?.ownerId == "S-1")
    }

    @Test func anExistingCustomerOrOpportunityRejectsTheWholeConversion() {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        s.customer("C-2", owner: "S-1")
        s.opportunity("O-1", customer: "C-2")
        s.claimedLead("L-1", by: "S-1")
        let customer = s.rejection(s.actor("S-1"), "ConvertLead", Self.withOpportunity)
        #expect(customer?.code == .alreadyExists)
        #expect(customer?.details == ["kind": "customer", "id": "C-1"])
        var data = Self.withOpportunity
        data["customerId"] = "C-9"
        let opportunity = s.rejection(s.actor("S-1"), "ConvertLead", data)
        #expect(opportunity?.code == .alreadyExists)
        #expect(opportunity?.details == ["kind": "opportunity", "id": "O-1"])
        #expect(s.state.crm.leads["L-1"]?.status == .claimed)
        #expect(s.state.crm.customers["C-9"] == nil)
    }

    @Test func anOpportunityNeedsATitleAndAnAmount() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        for field in ["title", "amount"] {
            var data = Self.withOpportunity
            data[field] = nil
            let e = s.rejection(s.actor("S-1"), "ConvertLead", data)
            #expect(e?.code == .invalidArgument)
            #expect(e?.details["field"] == .string(field))
        }
    }

    @Test func opportunityFieldsWithoutAnOpportunityIdAreRejected() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        var data = Self.withOpportunity
        data["opportunityId"] = nil
        let e = s.rejection(s.actor("S-1"), "ConvertLead", data)
        #expect(e?.code == .invalidArgument)
        #expect(e?.details["field"] == "title")
        #expect(
            s.rejection(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-1", "customerName": ""])?
                .details["field"] == "customerName")
    }

    @Test func onlyAClaimedLeadCanBeConverted() {
        var s = Scenario()
        s.salesTeam()
        s.lead("L-1")
        let pool = s.rejection(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-1"])
        #expect(pool?.code == .leadNotClaimed)
        #expect(pool?.details["status"] == "pool")
        s.given(s.actor("S-1"), "ClaimLead", ["leadId": "L-1"])
        s.given(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-1"])
        let again = s.rejection(s.actor("S-1"), "ConvertLead", ["leadId": "L-1", "customerId": "C-2"])
        #expect(again?.code == .leadNotClaimed)
        #expect(again?.details["status"] == "converted")
        #expect(s.code(s.actor("S-1"), "ConvertLead", ["leadId": "L-404", "customerId": "C-2"]) == .notFound)
    }

    @Test func onlyTheOwnerOrTheirManagersConvert() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        #expect(s.code(s.actor("S-2"), "ConvertLead", Self.withOpportunity) == .notLeadOwner)
        #expect(s.code(s.actor("M-2"), "ConvertLead", Self.withOpportunity) == .forbidden)
        #expect(s.code(s.actor("D-1"), "ConvertLead", Self.withOpportunity) == nil)
        #expect(s.code(.admin, "ConvertLead", Self.withOpportunity) == nil)
    }

    @Test func ownershipIsCheckedBeforeTheNewIdsAreLookedAt() {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        s.claimedLead("L-1", by: "S-1")
        #expect(s.code(s.actor("S-2"), "ConvertLead", Self.withOpportunity) == .notLeadOwner)
    }
}
