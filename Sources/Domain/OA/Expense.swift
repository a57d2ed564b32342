/// Where an expense is in its life (CONTRACT §4 `myExpenses`).
///
/// `pending` while a step waits for a decision; `approved` after the last step; `rejected` and
/// `withdrawn` are final; `paid` follows `approved`.
public enum ExpenseStatus: String, Sendable, Hashable {
    case pending, approved, rejected, withdrawn, paid
}

/// Who may decide a step of an approval chain.
public enum StepApprover: Sendable, Hashable {
    /// One named employee (the manager step; a reassignment names another).
    case person(String)
    /// Any active holder of the role who is neither the requester nor a previous decider.
    case role(Role)
}

/// One step of an expense's approval chain, frozen at submission.
public struct ApprovalStep: Sendable, Hashable {
    /// `manager`, `finance` or `ceo`.
    public var name: String
    public var approver: StepApprover

    public init(name: String, approver: StepApprover) {
        self.name = name
        self.approver = approver
    }

    public static let manager = "manager"
    public static let finance = "finance"
    public static let ceo = "ceo"
}

/// An expense as the deciders see it: enough to decide any OA command in O(1).
public struct Expense: Sendable, Hashable {
    public var id: String
    public var requesterId: String
    public var amount: Money
    public var customerId: String?
    public var opportunityId: String?
    public var chain: [ApprovalStep]
    /// Index into `chain` of the step waiting for a decision; nil once no step waits.
    public var currentStepIndex: Int?
    public var status: ExpenseStatus
    /// Everyone who decided a step of this expense, in order (no one decides two steps).
    public var deciders: [String]

    public init(
        id: String, requesterId: String, amount: Money, customerId: String? = nil, opportunityId: String? = nil,
        chain: [ApprovalStep]
    ) {
        self.id = id
        self.requesterId = requesterId
        self.amount = amount
        self.customerId = customerId
        self.opportunityId = opportunityId
        self.chain = chain
        self.currentStepIndex = chain.isEmpty ? nil : 0
        self.status = .pending
        self.deciders = []
    }

    /// The step waiting for a decision, if the expense is pending.
    public var currentStep: ApprovalStep? {
        guard status == .pending, let i = currentStepIndex, chain.indices.contains(i) else { return nil }
        return chain[i]
    }

    /// The step after the current one, nil when the current step is the last.
    public var nextStep: ApprovalStep? {
        guard let i = currentStepIndex, chain.indices.contains(i + 1) else { return nil }
        return chain[i + 1]
    }
}
