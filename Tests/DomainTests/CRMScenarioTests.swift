import Domain
import JSON
import Testing

/// CRM fixtures on top of ``Scenario``: a sales organisation, leads, customers and opportunities,
/// all made through the real deciders.
extension Scenario {
    /// D-1 (manager) manages M-1 (manager), who manages sales reps S-1 and S-2; M-2 (manager) manages
    /// S-3. So S-1 is a report of M-1 directly and of D-1 indirectly, and M-2 is an outsider to S-1.
    mutating func salesTeam() {
        employee("D-1", roles: ["manager"])
        employee("M-1", roles: ["manager"], manager: "D-1")
        employee("S-1", roles: ["sales"], manager: "M-1")
        employee("S-2", roles: ["sales"], manager: "M-1")
        employee("M-2", roles: ["manager"])
        employee("S-3", roles: ["sales"], manager: "M-2")
    }

    /// Sets the clock.
    mutating func at(_ iso8601: String) { now = Timestamp(iso8601: iso8601)! }

    /// Captures a pool lead as admin.
    mutating func lead(_ id: String, company: String = "Acme Ltd") {
        given(
            .admin, "CaptureLead",
            ["leadId": .string(id), "company": .string(company), "contactName": "Dana Smith", "source": "web"])
    }

    /// Captures a lead and has `rep` claim it.
    mutating func claimedLead(_ id: String, by rep: String) {
        lead(id)
        given(actor(rep), "ClaimLead", ["leadId": .string(id)])
    }

    /// Sets lead-pool rules as admin.
    mutating func rules(_ data: JSONObject) { given(.admin, "SetLeadPoolRules", data) }

    /// Registers a customer owned by `owner`.
    mutating func customer(_ id: String, owner: String) {
        given(.admin, "RegisterCustomer", ["customerId": .string(id), "name": "Acme Ltd", "ownerId": .string(owner)])
    }

    /// Opens an opportunity on an existing customer, as admin.
    mutating func opportunity(_ id: String, customer: String, amount: String = "10000.00") {
        given(
            .admin, "OpenOpportunity",
            [
                "opportunityId": .string(id), "customerId": .string(customer), "title": "Pilot",
                "amount": .string(amount),
            ])
    }

    /// The code of a rejection (nil when accepted).
    func code(_ actor: Actor, _ type: String, _ data: JSONObject) -> ErrorCode? {
        rejection(actor, type, data)?.code
    }
}

@Suite struct CRMRegistrationTests {
    @Test func everyCRMCommandOfTheContractIsKnown() {
        let crm: Set<CommandType> = [
            "CaptureLead", "ClaimLead", "AssignLead", "ReleaseLead", "LogFollowUp", "RecycleStaleLeads", "ConvertLead",
            "DisqualifyLead", "RegisterCustomer", "OpenOpportunity", "AdvanceStage", "MarkOpportunityLost",
        ]
        #expect(crm.isSubset(of: CompanyState.commandTypes))
    }

    @Test func everyCRMEventTypeIsEvolved() {
        let crm: Set<EventType> = [
            "LeadCaptured", "LeadClaimed", "LeadAssigned", "LeadReleased", "LeadRecycled", "LeadDisqualified",
            "LeadConverted", "FollowUpLogged", "CustomerRegistered", "OpportunityOpened", "OpportunityStageAdvanced",
            "OpportunityWon", "OpportunityLost",
        ]
        #expect(crm.isSubset(of: CompanyState.eventTypes))
    }

    @Test func malformedCRMEventsAreSkippedWithoutCrashing() {
        var s = Scenario()
        s.salesTeam()
        s.claimedLead("L-1", by: "S-1")
        let junk: [(EventType, JSONObject)] = [
            ("LeadCaptured", [:]), ("LeadClaimed", ["leadId": 7]),
            ("LeadClaimed", ["leadId": "L-404", "repId": "S-1"]),
            ("LeadAssigned", ["leadId": "L-1"]), ("LeadReleased", ["leadId": "L-404"]), ("LeadRecycled", [:]),
            ("LeadDisqualified", ["leadId": .null]), ("LeadConverted", ["leadId": "L-404"]),
            ("FollowUpLogged", ["customerId": "C-404"]), ("CustomerRegistered", ["customerId": "C-1"]),
            ("OpportunityOpened", ["opportunityId": "O-1", "customerId": "C-1", "ownerId": "S-1", "amount": "x"]),
            ("OpportunityStageAdvanced", ["opportunityId": "O-1", "to": "banana"]),
            ("OpportunityWon", ["opportunityId": "O-404"]), ("OpportunityLost", [:]),
        ]
        for (type, data) in junk {
            s.position += 1
            s.state.apply(
                DomainEvent(position: s.position, at: s.now, actor: "admin", stream: "x", type: type, data: data))
        }
        #expect(s.state.crm.leads["L-1"]?.ownerId == "S-1")
        #expect(s.state.crm.leadsOwned(by: "S-1") == 1)
        #expect(s.state.crm.customers["C-1"] == nil)
        #expect(s.state.crm.opportunities["O-1"]?.stage == .discovery)
        #expect(s.state.crm.opportunities["O-1"]?.amount == .zero)
    }
}
