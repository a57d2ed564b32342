import JSON

extension OAArea {
    /// `SubmitExpense {expenseId, amount, category, description, customerId?, opportunityId?}` →
    /// `ExpenseSubmitted` with the chain frozen under the policy in force.
    ///
    /// The requester is the actor. An opportunity names its customer, so `customerId` is filled in from
    /// `opportunityId` when left out (and must match it when given): the expense then shows on that
    /// customer's `customer360`.
    static func readSubmitExpense(_ command: Command) throws -> PreparedDecision {
        var r = try DataReader(command.data)
        let expenseId = try r.id("expenseId")
        let amount = try r.money("amount")
        let category = try r.text("category")
        let description = try r.text("description")
        let givenCustomerId = try r.optionalId("customerId")
        let opportunityId = try r.optionalId("opportunityId")
        try r.finish()

        let amountText = JSONValue.string(amount.amountText)
        let (categoryText, descriptionText) = (JSONValue.string(category), JSONValue.string(description))
        return { context, state in
            var customerId = givenCustomerId
            if state.oa.expenses[expenseId] != nil { throw DomainError.alreadyExists("expense", expenseId) }
            if let customerId, state.crm.customers[customerId] == nil {
                throw DomainError.notFound("customer", customerId)
            }
            if let opportunityId {
                guard let opportunity = state.crm.opportunities[opportunityId] else {
                    throw DomainError.notFound("opportunity", opportunityId)
                }
                if let customerId, customerId != opportunity.customerId {
                    throw DomainError.invalid(
                        "opportunityId", "opportunity \(opportunityId) belongs to customer \(opportunity.customerId)")
                }
                customerId = opportunity.customerId
            }

            let requesterId = context.actor.id
            let requesterRoles = state.org.employees[requesterId]?.roles ?? context.actor.roles
            let (chain, threshold) = try ApprovalChain.build(
                requesterId: requesterId, requesterRoles: requesterRoles, amount: amount, org: state.org)

            let expense = Expense(
                id: expenseId, requesterId: requesterId, amount: amount, customerId: customerId,
                opportunityId: opportunityId, chain: chain)
            return [
                expense.event(
                    "ExpenseSubmitted",
                    [
                        "amount": amountText,
                        "category": categoryText,
                        "description": descriptionText,
                        "customerId": nullable(customerId),
                        "opportunityId": nullable(opportunityId),
                        "chain": ApprovalChain.json(chain),
                        "threshold": .string(threshold.amountText),
                        "policyPosition": .number(JSONNumber(state.org.approvalPolicy.position)),
                    ])
            ]
        }
    }
}
