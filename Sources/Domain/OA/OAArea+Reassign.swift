import JSON

extension OAArea {
    /// `ReassignApproval {expenseId, approverId, reason}` → `ApprovalReassigned {step, from, to, reason}`.
    ///
    /// Only a person step can be handed to someone else (a role step already belongs to every eligible
    /// holder). A `ceo` (or an admin) may reassign any person step; a `manager` only a step held by one
    /// of their reports. Checks, in order: data → the expense and the new approver exist → the new
    /// approver is not the requester → the expense is pending → the current step is a person step →
    /// the new approver is neither its holder nor a previous decider → the actor's authority over the
    /// holder → the new approver is active.
    static func reassignApproval(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws
        -> [NewEvent]
    {
        var r = try DataReader(command.data)
        let expenseId = try r.id("expenseId")
        let approverId = try r.id("approverId")
        let reason = try r.reason()
        try r.finish()

        let expense = try existingExpense(expenseId, state)
        guard let approver = state.org.employees[approverId] else { throw DomainError.notFound("employee", approverId) }
        if approverId == expense.requesterId {
            throw DomainError.invalid("approverId", "no one approves their own expense")
        }
        guard let step = expense.currentStep else { throw closed(expense) }
        guard case .person(let holderId) = step.approver else {
            throw DomainError.invalid(
                "expenseId", "the current step \(step.name) is a role step: any eligible \(step.name) decides it")
        }
        if approverId == holderId {
            throw DomainError.invalid("approverId", "\(approverId) already holds the \(step.name) step")
        }
        if expense.deciders.contains(approverId) {
            throw DomainError.invalid("approverId", "\(approverId) already decided a step of expense \(expenseId)")
        }
        let actor = context.actor
        let mayReassign =
            actor.isAdmin || actor.has(.ceo) || (actor.has(.manager) && state.org.isReport(holderId, of: actor.id))
        guard mayReassign else {
            throw DomainError.forbidden("\(actor.id) may only reassign steps held by their reports")
        }
        guard approver.active else {
            throw DomainError(
                .employeeInactive, "employee \(approverId) is inactive and cannot be named as approver",
                details: ["employeeId": .string(approverId)])
        }
        return [
            expense.event(
                "ApprovalReassigned",
                [
                    "step": .string(step.name),
                    "from": .string(holderId),
                    "to": .string(approverId),
                    "reason": .string(reason),
                ])
        ]
    }
}
