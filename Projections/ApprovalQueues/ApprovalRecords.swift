import ProjectionRuntime

/// `approvals.employees`: employeeId → what eligibility and "their reports" need (no name: personal data).
struct EmployeeRecord: ViewRecord {
    var managerId: String?
    var roles: [String]
    var active: Bool

    init(managerId: String?, roles: [String], active: Bool) {
        self.managerId = managerId
        self.roles = roles
        self.active = active
    }

    func encode(into w: inout RecordWriter) {
        w.optionalString(managerId)
        w.varint(UInt64(roles.count))
        for r in roles { w.string(r) }
        w.bool(active)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        managerId = try r.optionalString()
        roles = []
        for _ in 0..<(try r.varint()) { roles.append(try r.string()) }
        active = try r.bool()
    }
}

/// A step of a frozen approval chain: a person (`approver` is an employee id) or a role.
struct StepRecord: Hashable {
    var name: String
    var isPerson: Bool
    var approver: String
}

/// `approvals.expenses`: expenseId → the expense's approval state.
struct ExpenseState: ViewRecord {
    var requesterId: String
    var amount: Int64
    var category: String
    var status: String
    var chain: [StepRecord]
    /// The step waiting for a decision; nil once none waits.
    var current: Int?
    var deciders: [String] = []
    /// When and at which position the current step started waiting.
    var waitingSince: Int64
    var waitingPosition: UInt64
    var submittedAt: Int64
    var submittedPosition: UInt64

    init(
        requesterId: String, amount: Int64, category: String, chain: [StepRecord], at: Int64, position: UInt64
    ) {
        self.requesterId = requesterId
        self.amount = amount
        self.category = category
        self.status = "pending"
        self.chain = chain
        self.current = chain.isEmpty ? nil : 0
        self.waitingSince = at
        self.waitingPosition = position
        self.submittedAt = at
        self.submittedPosition = position
    }

    var currentStep: StepRecord? {
        guard status == "pending", let i = current, chain.indices.contains(i) else { return nil }
        return chain[i]
    }

    func encode(into w: inout RecordWriter) {
        w.string(requesterId)
        w.int(amount)
        w.string(category)
        w.string(status)
        w.varint(UInt64(chain.count))
        for s in chain {
            w.string(s.name)
            w.bool(s.isPerson)
            w.string(s.approver)
        }
        w.int(Int64(current ?? -1))
        w.varint(UInt64(deciders.count))
        for d in deciders { w.string(d) }
        w.int(waitingSince)
        w.varint(waitingPosition)
        w.int(submittedAt)
        w.varint(submittedPosition)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        requesterId = try r.string()
        amount = try r.int()
        category = try r.string()
        status = try r.string()
        chain = []
        for _ in 0..<(try r.varint()) {
            chain.append(StepRecord(name: try r.string(), isPerson: try r.bool(), approver: try r.string()))
        }
        let c = try r.intValue()
        current = c < 0 ? nil : c
        deciders = []
        for _ in 0..<(try r.varint()) { deciders.append(try r.string()) }
        waitingSince = try r.int()
        waitingPosition = try r.varint()
        submittedAt = try r.int()
        submittedPosition = try r.varint()
    }
}

/// A queue or index entry: the expense it points at.
struct ExpenseRef: ViewRecord {
    var expenseId: String

    init(_ id: String) { expenseId = id }
    func encode(into w: inout RecordWriter) { w.string(expenseId) }
    init(from r: inout RecordReader) throws(RecordDecodingError) { expenseId = try r.string() }
}
