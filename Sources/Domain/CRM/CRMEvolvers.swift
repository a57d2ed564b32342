/// Applies CRM events to the state. Cheap (O(1) each) and total: a field that is missing or does not
/// parse makes the evolver skip what it cannot apply, never crash.
enum CRMEvolvers {
    static let leadCaptured: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue else { return }
        state.crm.captureLead(id, company: e.data["company"]?.stringValue ?? "")
    }

    static let leadClaimed: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue, let rep = e.data["repId"]?.stringValue else { return }
        state.crm.giveLead(id, to: rep, at: e.at, claimed: true)
    }

    static let leadAssigned: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue, let rep = e.data["repId"]?.stringValue else { return }
        state.crm.giveLead(id, to: rep, at: e.at, claimed: false)
    }

    /// `LeadReleased` and `LeadRecycled`: back to the pool, and the re-claim lock starts for the rep.
    static let leadReturned: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue else { return }
        state.crm.returnLeadToPool(id, from: e.data["repId"]?.stringValue, at: e.at)
    }

    static let leadDisqualified: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue else { return }
        state.crm.closeLead(id, as: .disqualified)
    }

    static let leadConverted: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue else { return }
        state.crm.closeLead(id, as: .converted, customerId: e.data["customerId"]?.stringValue)
    }

    static let followUpLogged: EventEvolver = { state, e in
        guard let id = e.data["leadId"]?.stringValue else { return }
        state.crm.noteFollowUp(onLead: id, at: e.at)
    }

    static let customerRegistered: EventEvolver = { state, e in
        let d = e.data
        guard let id = d["customerId"]?.stringValue, let owner = d["ownerId"]?.stringValue else { return }
        state.crm.customers[id] = Customer(
            id: id, name: d["name"]?.stringValue ?? "", ownerId: owner, leadId: d["leadId"]?.stringValue)
    }

    static let opportunityOpened: EventEvolver = { state, e in
        let d = e.data
        guard let id = d["opportunityId"]?.stringValue, let customerId = d["customerId"]?.stringValue,
            let owner = d["ownerId"]?.stringValue
        else { return }
        let amount = d["amount"]?.stringValue.flatMap { Money(parsing: $0, maxFractionDigits: 2) } ?? .zero
        state.crm.opportunities[id] = Opportunity(id: id, customerId: customerId, ownerId: owner, amount: amount)
    }

    static let opportunityStageAdvanced: EventEvolver = { state, e in
        guard let id = e.data["opportunityId"]?.stringValue,
            let stage = e.data["to"]?.stringValue.flatMap(OpportunityStage.init(rawValue:))
        else { return }
        state.crm.opportunities[id]?.stage = stage
    }

    static let opportunityWon: EventEvolver = { state, e in
        guard let id = e.data["opportunityId"]?.stringValue else { return }
        state.crm.opportunities[id]?.stage = .won
    }

    static let opportunityLost: EventEvolver = { state, e in
        guard let id = e.data["opportunityId"]?.stringValue else { return }
        state.crm.opportunities[id]?.stage = .lost
    }
}
