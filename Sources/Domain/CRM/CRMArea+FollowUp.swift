/// `LogFollowUp`: a call, e-mail, visit or meeting with a lead or a customer.
extension CRMArea {
    static let followUpChannels = ["call", "email", "visit", "meeting"]

    /// Exactly one of `leadId` and `customerId`. On a lead, the lead's owner (or their manager, or an
    /// admin) logs it — on a lead nobody owns, managers and admins only — and on a claimed lead it
    /// refreshes the last activity. On a customer, the customer's owner (or their manager, or an admin).
    static func readLogFollowUp(_ command: Command) throws -> PreparedDecision {
        var r = try DataReader(command.data)
        let leadId = try r.optionalId("leadId")
        let customerId = try r.optionalId("customerId")
        let channel = try r.choice("channel", in: followUpChannels)
        let note = try r.text("note")
        try r.finish()
        switch (leadId, customerId) {
        case (let leadId?, nil):
            return { context, state in
                guard let lead = state.crm.leads[leadId] else { throw DomainError.notFound("lead", leadId) }
                try CRMAccess.requireActsFor(context.actor, lead: lead, state: state)
                return [
                    CRMEvents.followUpLogged(
                        leadId: leadId, customerId: nil, channel: channel, note: note, repId: lead.ownerId)
                ]
            }
        case (nil, let customerId?):
            return { context, state in
                guard let customer = state.crm.customers[customerId] else {
                    throw DomainError.notFound("customer", customerId)
                }
                try CRMAccess.requireActsFor(context.actor, customer: customer, state: state)
                return [
                    CRMEvents.followUpLogged(
                        leadId: nil, customerId: customerId, channel: channel, note: note, repId: customer.ownerId)
                ]
            }
        case (nil, nil):
            throw DomainError.invalid("leadId", "one of leadId and customerId is required")
        case (_?, _?):
            throw DomainError.invalid("customerId", "give either leadId or customerId, not both")
        }
    }
}
