import Domain
import JSON
import Testing

@Suite struct CRMRegisterCustomerTests {
    @Test func aCustomerBelongsToWhoRegistersItByDefault() throws {
        var s = Scenario()
        s.salesTeam()
        let events = try s.then(s.actor("S-1"), "RegisterCustomer", ["customerId": "C-1", "name": "Initech"])
        #expect(events.map(\.type) == ["CustomerRegistered"])
        #expect(events[0].stream == "customer-C-1")
        #expect(events[0].tags == ["customer:C-1", "rep:S-1"])
        #expect(events[0].data == ["customerId": "C-1", "name": "Initech", "ownerId": "S-1", "leadId": .null])
        #expect(s.state.crm.customers["C-1"]?.ownerId == "S-1")
    }

    @Test func anOwnerCanBeNamed() throws {
        var s = Scenario()
        s.salesTeam()
        let events = try s.then(
            s.actor("M-1"), "RegisterCustomer", ["customerId": "C-1", "name": "Initech", "ownerId": "S-2"])
        #expect(events[0].data["ownerId"] == "S-2")
        #expect(events[0].tags == ["customer:C-1", "rep:S-2"])
    }

    @Test func existingCustomersAndUnknownOrInactiveOwnersAreRejected() {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        #expect(s.code(s.actor("S-1"), "RegisterCustomer", ["customerId": "C-1", "name": "X"]) == .alreadyExists)
        let e = s.rejection(s.actor("S-1"), "RegisterCustomer", ["customerId": "C-2", "name": "X", "ownerId": "S-404"])
        #expect(e?.code == .notFound)
        #expect(e?.details == ["kind": "employee", "id": "S-404"])
        s.given(.admin, "DeactivateEmployee", ["employeeId": "S-2", "reason": "left"])
        #expect(
            s.code(s.actor("S-1"), "RegisterCustomer", ["customerId": "C-2", "name": "X", "ownerId": "S-2"])
                == .employeeInactive)
        #expect(s.code(s.actor("S-1"), "RegisterCustomer", ["customerId": "C-2", "name": ""]) == .invalidArgument)
    }
}

@Suite struct CRMOpenOpportunityTests {
    @Test func anOpportunityOpensAtDiscoveryOwnedByTheCustomersOwner() throws {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        let events = try s.then(
            s.actor("M-1"), "OpenOpportunity",
            [
                "opportunityId": "O-1", "customerId": "C-1", "title": "Renewal",
                "amount": .number(JSONNumber(unchecked: "1200.5")),
            ])
        #expect(events.map(\.type) == ["OpportunityOpened"])
        #expect(events[0].stream == "opportunity-O-1")
        #expect(events[0].tags == ["customer:C-1", "opportunity:O-1", "rep:S-1"])
        #expect(
            events[0].data == [
                "opportunityId": "O-1", "customerId": "C-1", "title": "Renewal", "amount": "1200.50",
                "expectedClose": .null, "ownerId": "S-1", "stage": "discovery", "probability": 10,
            ])
        #expect(
            s.state.crm.opportunities["O-1"]
                == Opportunity(
                    id: "O-1", customerId: "C-1", ownerId: "S-1", stage: .discovery,
                    amount: Money(parsing: "1200.50", maxFractionDigits: 2)!))
    }

    @Test func theCustomerMustExist() {
        var s = Scenario()
        s.salesTeam()
        let e = s.rejection(
            s.actor("S-1"), "OpenOpportunity",
            ["opportunityId": "O-1", "customerId": "C-404", "title": "T", "amount": "1"])
        #expect(e?.code == .notFound)
        #expect(e?.details == ["kind": "customer", "id": "C-404"])
    }

    @Test func onlyTheCustomersOwnerSideMayOpenOpportunities() {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        let data: JSONObject = ["opportunityId": "O-1", "customerId": "C-1", "title": "T", "amount": "1"]
        let e = s.rejection(s.actor("S-2"), "OpenOpportunity", data)
        #expect(e?.code == .notOwner)
        #expect(e?.details == ["kind": "customer", "id": "C-1"])
        #expect(s.code(s.actor("M-2"), "OpenOpportunity", data) == .forbidden)
        #expect(s.code(s.actor("D-1"), "OpenOpportunity", data) == nil)
    }

    @Test func anExistingOpportunityIdIsRejected() {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        s.opportunity("O-1", customer: "C-1")
        let e = s.rejection(
            s.actor("S-1"), "OpenOpportunity",
            ["opportunityId": "O-1", "customerId": "C-1", "title": "T", "amount": "1"])
        #expect(e?.code == .alreadyExists)
        #expect(e?.details == ["kind": "opportunity", "id": "O-1"])
    }

    @Test func amountsAndDatesAreValidated() {
        var s = Scenario()
        s.salesTeam()
        s.customer("C-1", owner: "S-1")
        func field(_ extra: JSONObject) -> JSONValue? {
            var data: JSONObject = ["opportunityId": "O-1", "customerId": "C-1", "title": "T", "amount": "1"]
            for (k, v) in extra { data[k] = v }
            return s.rejection(s.actor("S-1"), "OpenOpportunity", data)?.details["field"]
        }
        #expect(field(["amount": "-5"]) == "amount")
        #expect(field(["amount": "1000000000000.00"]) == "amount")
        #expect(field(["amount": "1.005"]) == "amount")
        #expect(field(["expectedClose": "2026-02-30"]) == "expectedClose")
        #expect(field(["stage": "won"]) == "stage")
    }
}
