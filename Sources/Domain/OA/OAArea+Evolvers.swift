import JSON

/// How OA events change the state. Cheap, and tolerant: a field that does not parse is ignored, an
/// event for an unknown expense changes nothing.
extension OAArea {
    static func evolveSubmitted(_ state: inout CompanyState, _ e: DomainEvent) {
        let d = e.data
        guard let id = d["expenseId"]?.stringValue, let requesterId = d["requesterId"]?.stringValue else { return }
        let amount = d["amount"]?.stringValue.flatMap { Money(parsing: $0, maxFractionDigits: 2) } ?? .zero
        state.oa.expenses[id] = Expense(
            id: id, requesterId: requesterId, amount: amount, customerId: d["customerId"]?.stringValue,
            opportunityId: d["opportunityId"]?.stringValue, chain: ApprovalChain.steps(from: d["chain"]))
    }

    static func evolveStepApproved(_ state: inout CompanyState, _ e: DomainEvent) {
        guard let id = e.data["expenseId"]?.stringValue, var expense = state.oa.expenses[id],
            expense.status == .pending, let i = expense.currentStepIndex
        else { return }
        if let approver = e.data["approver"]?.stringValue { expense.deciders.append(approver) }
        expense.currentStepIndex = expense.chain.indices.contains(i + 1) ? i + 1 : nil
        state.oa.expenses[id] = expense
    }

    static func evolveRejected(_ state: inout CompanyState, _ e: DomainEvent) {
        guard let id = e.data["expenseId"]?.stringValue, var expense = state.oa.expenses[id] else { return }
        if let approver = e.data["approver"]?.stringValue { expense.deciders.append(approver) }
        expense.status = .rejected
        state.oa.expenses[id] = expense
    }

    static func evolveReassigned(_ state: inout CompanyState, _ e: DomainEvent) {
        guard let id = e.data["expenseId"]?.stringValue, let to = e.data["to"]?.stringValue,
            let i = state.oa.expenses[id]?.currentStepIndex,
            case .person = state.oa.expenses[id]?.chain[safe: i]?.approver
        else { return }
        state.oa.expenses[id]?.chain[i].approver = .person(to)
    }

    /// `ExpenseApproved`, `ExpenseWithdrawn`, `ExpensePaid`: the status is all that changes.
    static func setStatus(_ status: ExpenseStatus, state: inout CompanyState, event e: DomainEvent) {
        guard let id = e.data["expenseId"]?.stringValue, state.oa.expenses[id] != nil else { return }
        state.oa.expenses[id]?.status = status
        if status == .approved { state.oa.expenses[id]?.currentStepIndex = nil }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
