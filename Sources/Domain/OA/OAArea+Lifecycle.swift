import JSON

extension OAArea {
    /// `WithdrawExpense {expenseId}` → `ExpenseWithdrawn`, by the requester (or an admin) while pending.
    static func withdrawExpense(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let expenseId = try r.id("expenseId")
        try r.finish()
        let expense = try existingExpense(expenseId, state)
        guard context.actor.id == expense.requesterId || context.actor.isAdmin else {
            throw DomainError(
                .notOwner, "only the requester withdraws expense \(expenseId)",
                details: ["expenseId": .string(expenseId)])
        }
        guard expense.status == .pending else { throw closed(expense) }
        return [expense.event("ExpenseWithdrawn", ["step": nullable(expense.currentStep?.name)])]
    }

    /// `PayExpense {expenseId}` (finance) → `ExpensePaid`, once the expense is approved.
    static func payExpense(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let expenseId = try r.id("expenseId")
        try r.finish()
        let expense = try existingExpense(expenseId, state)
        switch expense.status {
        case .approved:
            return [
                expense.event(
                    "ExpensePaid",
                    ["amount": .string(expense.amount.amountText), "paidBy": .string(context.actor.id)])
            ]
        case .paid:
            throw closed(expense)
        case .pending, .rejected, .withdrawn:
            throw DomainError(
                .expenseNotApproved, "expense \(expenseId) is \(expense.status.rawValue), not approved",
                details: ["expenseId": .string(expenseId), "status": .string(expense.status.rawValue)])
        }
    }
}
