/// Customers and their opportunities: `RegisterCustomer`, `OpenOpportunity`.
extension CRMArea {
    /// Registers a customer directly (not from a lead). The owner is `ownerId`, which must name an
    /// active employee, or else the actor. Like a salesperson field in Odoo, anyone who may register
    /// customers may name any active owner.
    static func registerCustomer(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let customerId = try r.id("customerId")
        let name = try r.text("name")
        let ownerId = try r.optionalId("ownerId")
        try r.finish()
        if state.crm.customers[customerId] != nil { throw DomainError.alreadyExists("customer", customerId) }
        if let ownerId { try OrgArea.requireActiveEmployee(ownerId, state: state, role: "owner") }
        return [
            CRMEvents.customerRegistered(
                customerId: customerId, name: name, ownerId: ownerId ?? context.actor.id, leadId: nil)
        ]
    }

    /// Opens an opportunity at `discovery` for a customer the actor may act for; it belongs to the
    /// customer's owner.
    static func openOpportunity(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let opportunityId = try r.id("opportunityId")
        let customerId = try r.id("customerId")
        let title = try r.text("title")
        let amount = try r.money("amount")
        let expectedClose = try r.optionalDate("expectedClose")
        try r.finish()
        guard let customer = state.crm.customers[customerId] else { throw DomainError.notFound("customer", customerId) }
        try CRMAccess.requireActsFor(context.actor, customer: customer, state: state)
        if state.crm.opportunities[opportunityId] != nil {
            throw DomainError.alreadyExists("opportunity", opportunityId)
        }
        return [
            CRMEvents.opportunityOpened(
                opportunityId: opportunityId, customerId: customerId, title: title, amount: amount,
                expectedClose: expectedClose, ownerId: customer.ownerId)
        ]
    }
}
