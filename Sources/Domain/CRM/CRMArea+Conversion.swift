/// `ConvertLead`: a claimed lead becomes a customer, and optionally an opportunity, in one command.
extension CRMArea {
    /// Writes `LeadConverted` (lead stream), `CustomerRegistered` (customer stream) and, with an
    /// `opportunityId`, `OpportunityOpened` (opportunity stream), in that order. The customer and the
    /// opportunity belong to the rep who owned the lead, whoever converts it.
    ///
    /// `title`, `amount` and `expectedClose` describe the opportunity: with `opportunityId`, `title` and
    /// `amount` are required; without it, giving any of them is `invalid_argument` (it would be dropped).
    static func readConvertLead(_ command: Command) throws -> PreparedDecision {
        var r = try DataReader(command.data)
        let leadId = try r.id("leadId")
        let customerId = try r.id("customerId")
        let customerName = try optionalNonBlankRequiredText(&r, "customerName")
        let opportunityId = try r.optionalId("opportunityId")
        let title = try optionalNonBlankRequiredText(&r, "title")
        let amount = try r.optionalMoney("amount")
        let expectedClose = try r.optionalDate("expectedClose")
        try r.finish()
        let opening: (id: String, title: String, amount: Money)?
        if let opportunityId {
            guard let title else { throw DomainError.invalid("title", "title is required with opportunityId") }
            guard let amount else { throw DomainError.invalid("amount", "amount is required with opportunityId") }
            opening = (opportunityId, title, amount)
        } else {
            for (field, given) in [
                ("title", title != nil), ("amount", amount != nil), ("expectedClose", expectedClose != nil),
            ]
            where given {
                throw DomainError.invalid(field, "\(field) describes an opportunity: give an opportunityId too")
            }
            opening = nil
        }

        return { context, state in
            guard let lead = state.crm.leads[leadId] else { throw DomainError.notFound("lead", leadId) }
            guard let repId = lead.ownerId else { throw LeadPool.notClaimed(lead) }
            try CRMAccess.requireActsFor(context.actor, lead: lead, state: state)
            if state.crm.customers[customerId] != nil { throw DomainError.alreadyExists("customer", customerId) }
            if let opening, state.crm.opportunities[opening.id] != nil {
                throw DomainError.alreadyExists("opportunity", opening.id)
            }

            var events = [
                CRMEvents.leadConverted(leadId: leadId, customerId: customerId, opportunityId: opportunityId, repId: repId),
                CRMEvents.customerRegistered(
                    customerId: customerId, name: customerName ?? lead.company, ownerId: repId, leadId: leadId),
            ]
            if let opening {
                events.append(
                    CRMEvents.opportunityOpened(
                        opportunityId: opening.id, customerId: customerId, title: opening.title, amount: opening.amount,
                        expectedClose: expectedClose, ownerId: repId))
            }
            return events
        }
    }
}
