import JSON

/// OA: expense approvals (CONTRACT §3 "OA — approvals").
///
/// Each decider reads the data first, then the referenced things, then ownership, then the state
/// rules (CONTRACT §2, order of checks). Every decision looks at one expense only.
enum OAArea {
    static let handlers: [CommandType: CommandHandler] = [
        "ApproveExpense": approveExpense,
        "RejectExpense": rejectExpense,
        "WithdrawExpense": withdrawExpense,
        "ReassignApproval": reassignApproval,
        "PayExpense": payExpense,
    ]

    /// The deciders that read their data ahead of the writer (``CompanyState/prepare(_:)``).
    static let readers: [CommandType: CommandReader] = ["SubmitExpense": readSubmitExpense]

    static let evolvers: [EventType: EventEvolver] = [
        "ExpenseSubmitted": evolveSubmitted,
        "ExpenseStepApproved": evolveStepApproved,
        "ExpenseApproved": { state, e in setStatus(.approved, state: &state, event: e) },
        "ExpenseRejected": evolveRejected,
        "ExpenseWithdrawn": { state, e in setStatus(.withdrawn, state: &state, event: e) },
        "ApprovalReassigned": evolveReassigned,
        "ExpensePaid": { state, e in setStatus(.paid, state: &state, event: e) },
    ]

    // MARK: Helpers

    /// The expense, or `not_found` `{kind: expense, id}`.
    static func existingExpense(_ id: String, _ state: CompanyState) throws -> Expense {
        guard let expense = state.oa.expenses[id] else { throw DomainError.notFound("expense", id) }
        return expense
    }

    static func closed(_ expense: Expense) -> DomainError {
        DomainError(
            .expenseClosed, "expense \(expense.id) is \(expense.status.rawValue)",
            details: ["expenseId": .string(expense.id), "status": .string(expense.status.rawValue)])
    }

    /// A nullable string field of a payload.
    static func nullable(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}
