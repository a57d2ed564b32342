import Domain
import IdHashing
import JSON
import Testing

/// The entries a command's decision looks up, named from its data for the writer to prefetch
/// (``CompanyState/lookUps(of:)``).
@Suite struct StateLookUpsTests {
    private func lookUps(_ type: String, _ data: JSONValue) -> StateLookUps {
        CompanyState.lookUps(of: Command(type: CommandType(rawValue: type), data: data))
    }

    @Test func everyIdFieldOfTheLargeTablesIsNamedInOrder() {
        let convert = lookUps(
            "ConvertLead",
            .object(["leadId": "L-1", "customerId": "C-1", "opportunityId": "O-1", "title": "Deal", "amount": "10.00"]))
        #expect(convert.description == "leads:L-1 customers:C-1 opportunities:O-1")
        #expect(convert.count == 3)
        #expect(lookUps("ShipOrder", .object(["orderId": "SO-1"])).description == "orders:SO-1")
        #expect(lookUps("SubmitExpense", .object(["expenseId": "X-1", "amount": "4.00", "customerId": "C-2"])).description
            == "expenses:X-1 customers:C-2")
    }

    /// Ids of small tables (employees, products) are not named; neither is an id that is not a
    /// string (the decider refuses it), nor anything of data that is not an object.
    @Test func otherFieldsAndMalformedDataNameNothing() {
        #expect(lookUps("AssignLead", .object(["leadId": "L-1", "repId": "E-1"])).description == "leads:L-1")
        #expect(lookUps("ClaimLead", .object(["leadId": 7])).count == 0)
        #expect(lookUps("ClaimLead", .array([.string("L-1")])).count == 0)
        #expect(lookUps("RegisterProduct", .object(["sku": "S-1"])).count == 0)
    }

    /// At most three are kept (no command names more); the rest are dropped, not an error.
    @Test func atMostThreeAreKept() {
        let many = lookUps(
            "X", .object(["leadId": "L", "customerId": "C", "opportunityId": "O", "orderId": "SO", "expenseId": "X"]))
        #expect(many.description == "leads:L customers:C opportunities:O")
    }

    /// Prefetching is a hint: a state asked for entries it has, and for ones it has not, decides
    /// and reads exactly as before.
    @Test func prefetchingChangesNothing() throws {
        var s = Scenario()
        s.given(.admin, "RegisterEmployee", ["employeeId": "E-1", "name": "Ann", "roles": ["sales"]])
        s.given(s.actor("E-1"), "CaptureLead", ["leadId": "L-1", "company": "Acme", "contactName": "Bo", "source": "web"])
        let before = s.state.crm.leads
        s.state.prefetch(lookUps("ClaimLead", .object(["leadId": "L-1"])))
        s.state.prefetch(lookUps("ClaimLead", .object(["leadId": "L-404"])))
        #expect(s.state.crm.leads == before)
        let events = try s.when(s.actor("E-1"), "ClaimLead", ["leadId": "L-1"])
        #expect(events.map(\.type.rawValue) == ["LeadClaimed"])
    }
}
