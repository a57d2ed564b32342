import JSON

extension OAArea {
    /// `ApproveExpense {expenseId, comment?}` → `ExpenseStepApproved`, and after the last step also
    /// `ExpenseApproved`.
    static func approveExpense(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let expenseId = try r.id("expenseId")
        let comment = try r.optionalText("comment")
        try r.finish()
        let expense = try existingExpense(expenseId, state)
        let step = try currentStepToDecide(expense, context.actor, state)

        let next = expense.nextStep
        var events = [
            expense.event(
                "ExpenseStepApproved",
                [
                    "step": .string(step.name),
                    "approver": .string(context.actor.id),
                    "comment": nullable(comment),
                    "nextStep": nullable(next?.name),
                ])
        ]
        if next == nil {
            events.append(expense.event("ExpenseApproved", ["amount": .string(expense.amount.amountText)]))
        }
        return events
    }

    /// `RejectExpense {expenseId, reason}` → `ExpenseRejected` (final).
    static func rejectExpense(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let expenseId = try r.id("expenseId")
        let reason = try r.reason()
        try r.finish()
        let expense = try existingExpense(expenseId, state)
        let step = try currentStepToDecide(expense, context.actor, state)
        return [
            expense.event(
                "ExpenseRejected",
                ["step": .string(step.name), "approver": .string(context.actor.id), "reason": .string(reason)])
        ]
    }

    /// The step `actor` is about to decide: `self_approval_forbidden` for the requester, then
    /// `expense_closed` (a closed expense has no current step to be the approver of), then
    /// `not_current_approver` for anyone who may not decide the current step — an admin included:
    /// a decision is a person's signature, not an administrative act.
    static func currentStepToDecide(_ expense: Expense, _ actor: Actor, _ state: CompanyState) throws
        -> ApprovalStep
    {
        if actor.id == expense.requesterId {
            throw DomainError(
                .selfApprovalForbidden, "no one decides a step of their own expense",
                details: ["expenseId": .string(expense.id)])
        }
        guard let step = expense.currentStep else { throw closed(expense) }
        guard expense.isEligibleApprover(actor.id, org: state.org) else {
            throw DomainError(
                .notCurrentApprover, "\(actor.id) may not decide the \(step.name) step of expense \(expense.id)",
                details: ["expenseId": .string(expense.id), "step": .string(step.name)])
        }
        return step
    }
}
