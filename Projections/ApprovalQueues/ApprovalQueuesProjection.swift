import LMDB
import ProjectionRuntime

/// The `approvalQueue` and `myExpenses` views (CONTRACT §4).
///
/// | database | key | value |
/// |---|---|---|
/// | `approvals.employees` | employeeId | manager, roles, active (the view's own copy of the org chart) |
/// | `approvals.expenses` | expenseId | requester, amount, status, frozen chain, current step, deciders |
/// | `approvals.personQueue` | approverId ‖ 0 ‖ position the step started waiting (u64 BE) | expenseId |
/// | `approvals.roleQueue` | role ‖ 0 ‖ position the step started waiting | expenseId |
/// | `approvals.byRequester` | requesterId ‖ 0 ‖ submission position | expenseId |
///
/// A pending expense sits in exactly one queue — its current step's approver or role — keyed by when
/// that step started waiting, so a queue reads oldest first.
public enum ApprovalQueues {
    public static let name = "approvals"
    static let employees = "approvals.employees"
    static let expenses = "approvals.expenses"
    static let personQueue = "approvals.personQueue"
    static let roleQueue = "approvals.roleQueue"
    static let byRequester = "approvals.byRequester"

    public static let eventTypes: Set<String> = [
        "EmployeeRegistered", "EmployeeUpdated", "EmployeeDeactivated", "ExpenseSubmitted", "ExpenseStepApproved",
        "ExpenseApproved", "ExpenseRejected", "ExpenseWithdrawn", "ApprovalReassigned", "ExpensePaid",
    ]

    public static let projection = Projection(
        name: name, version: 1, views: ["approvalQueue", "myExpenses"], eventTypes: eventTypes,
        databases: [
            DatabaseSpec(employees), DatabaseSpec(expenses), DatabaseSpec(personQueue), DatabaseSpec(roleQueue),
            DatabaseSpec(byRequester),
        ]
    ) { context in try ApprovalQueuesProjector(context) }
}

final class ApprovalQueuesProjector: Projector {
    let employees: ViewTable<String, EmployeeRecord>
    let expenses: ViewTable<String, ExpenseState>
    let personQueue: ViewTable<KeyOrdered, ExpenseRef>
    let roleQueue: ViewTable<KeyOrdered, ExpenseRef>
    let byRequester: ViewTable<KeyOrdered, ExpenseRef>

    init(_ context: ProjectorContext) throws {
        employees = try context.table(ApprovalQueues.employees)
        expenses = try context.table(ApprovalQueues.expenses)
        personQueue = try context.table(ApprovalQueues.personQueue)
        roleQueue = try context.table(ApprovalQueues.roleQueue)
        byRequester = try context.table(ApprovalQueues.byRequester)
    }

    func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
        let d = e.payload
        switch e.type {
        case "EmployeeRegistered":
            guard let id = d.string("employeeId") else { return }
            employees.put(id, EmployeeRecord(managerId: d.string("managerId"), roles: roles(d), active: true))
        case "EmployeeUpdated":
            guard let id = d.string("employeeId") else { return }
            let newRoles = d.has("roles") ? roles(d) : nil
            let manager = d.has("managerId") ? d.string("managerId") : nil
            let managerChanged = d.has("managerId")
            try employees.update(id, txn) { emp in
                if let newRoles { emp?.roles = newRoles }
                if managerChanged { emp?.managerId = manager }
            }
        case "EmployeeDeactivated":
            guard let id = d.string("employeeId") else { return }
            try employees.update(id, txn) { $0?.active = false }

        case "ExpenseSubmitted":
            guard let id = d.string("expenseId"), let requester = d.string("requesterId") else { return }
            var chain: [StepRecord] = []
            d.forEach("chain") { step in
                guard let name = step.string("step") else { return }
                if step.string("kind") == "person", let who = step.string("approverId") {
                    chain.append(StepRecord(name: name, isPerson: true, approver: who))
                } else if let role = step.string("role") {
                    chain.append(StepRecord(name: name, isPerson: false, approver: role))
                }
            }
            let state = ExpenseState(
                requesterId: requester, amount: d.money("amount") ?? 0, category: d.string("category") ?? "",
                chain: chain, at: e.at, position: e.position)
            expenses.put(id, state)
            enqueue(id, state)
            byRequester.put(KeyOrdered(requester, e.position), ExpenseRef(id))

        case "ExpenseStepApproved":
            guard let id = d.string("expenseId") else { return }
            let approver = d.string("approver")
            try expenses.update(id, txn) { x in
                guard var s = x, s.status == "pending", let i = s.current else { return }
                dequeue(id, s)
                if let approver { s.deciders.append(approver) }
                s.current = s.chain.indices.contains(i + 1) ? i + 1 : nil
                s.waitingSince = e.at
                s.waitingPosition = e.position
                enqueue(id, s)
                x = s
            }

        case "ApprovalReassigned":
            guard let id = d.string("expenseId"), let to = d.string("to") else { return }
            try expenses.update(id, txn) { x in
                guard var s = x, let i = s.current, s.chain.indices.contains(i), s.chain[i].isPerson else { return }
                dequeue(id, s)
                s.chain[i].approver = to
                enqueue(id, s)
                x = s
            }

        case "ExpenseApproved", "ExpenseRejected", "ExpenseWithdrawn", "ExpensePaid":
            guard let id = d.string("expenseId") else { return }
            let status =
                switch e.type {
                case "ExpenseApproved": "approved"
                case "ExpenseRejected": "rejected"
                case "ExpenseWithdrawn": "withdrawn"
                default: "paid"
                }
            let approver = e.type == "ExpenseRejected" ? d.string("approver") : nil
            try expenses.update(id, txn) { x in
                guard var s = x else { return }
                dequeue(id, s)
                if let approver { s.deciders.append(approver) }
                s.status = status
                if status != "pending" { s.current = nil }
                x = s
            }
        default:
            return
        }
    }

    private func roles(_ d: Payload) -> [String] {
        var out: [String] = []
        if case .array(let items)? = d.value("roles") {
            for item in items { if let r = item.stringValue { out.append(r) } }
        }
        return out
    }

    private func queueKey(_ s: ExpenseState) -> (person: Bool, key: KeyOrdered)? {
        guard let step = s.currentStep else { return nil }
        return (step.isPerson, KeyOrdered(step.approver, s.waitingPosition))
    }

    private func enqueue(_ id: String, _ s: ExpenseState) {
        guard let (person, key) = queueKey(s) else { return }
        (person ? personQueue : roleQueue).put(key, ExpenseRef(id))
    }

    private func dequeue(_ id: String, _ s: ExpenseState) {
        guard let (person, key) = queueKey(s) else { return }
        (person ? personQueue : roleQueue).delete(key)
    }
}
