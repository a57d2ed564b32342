import Domain
import JSON
import LMDB
import ProjectionRuntime

extension ApprovalQueues {
    /// `approvalQueue`: `approverId`; `limit`, `after`.
    public struct QueueParams: Sendable, Hashable {
        public var approverId: String
        public var page: PageRequest

        public init(approverId: String, page: PageRequest = PageRequest()) {
            self.approverId = approverId
            self.page = page
        }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            approverId = try r.string("approverId")
            page = try r.page()
            try r.finish()
        }
    }

    /// An expense whose current step the approver may decide; oldest first.
    public struct QueueItem: Encodable, Sendable {
        public var expenseId: String
        public var requesterId: String
        public var amount: String
        public var category: String
        /// `manager`, `finance` or `ceo`.
        public var step: String
        /// When the step started waiting (the submission or the previous decision).
        public var waitingSince: String
    }

    /// `myExpenses`: `requesterId`; `limit`, `after`.
    public struct ExpensesParams: Sendable, Hashable {
        public var requesterId: String
        public var page: PageRequest

        public init(requesterId: String, page: PageRequest = PageRequest()) {
            self.requesterId = requesterId
            self.page = page
        }

        public init(_ params: JSONObject) throws {
            var r = ParamReader(params)
            requesterId = try r.string("requesterId")
            page = try r.page()
            try r.finish()
        }
    }

    /// One of the requester's expenses, in submission order.
    public struct MyExpense: Encodable, Sendable {
        public var expenseId: String
        public var amount: String
        public var category: String
        /// `pending`, `approved`, `rejected`, `withdrawn` or `paid`.
        public var status: String
        /// The step waiting for a decision (null unless pending).
        public var step: String?
        /// The person who decides it, for a person step.
        public var approverId: String?
        /// The role whose holders decide it, for a role step.
        public var role: String?
        public var submittedAt: String
        /// When the current step started waiting (null unless pending).
        public var waitingSince: String?
    }

    public static func queue(_ params: QueueParams, _ txn: borrowing Transaction, _ context: QueryContext) throws
        -> Page<QueueItem>
    {
        let store = context.store
        let after = try PositionCursor.decode(params.page.after)
        let approverId = params.approverId
        guard
            let approver = try txn.withValue(store.database(employees), key: Array(approverId.utf8), { v in
                try v.map { try EmployeeRecord.decode($0) }
            }), approver.active
        else { return Page(rows: [], next: nil) }
        var candidates: [(UInt64, String)] = []
        try collect(store.database(personQueue), approverId, after: after, txn, into: &candidates)
        for role in Set(approver.roles) {
            try collect(store.database(roleQueue), role, after: after, txn, into: &candidates)
        }
        candidates.sort { $0.0 < $1.0 }
        let expensesDB = try store.database(expenses)
        var rows: [(UInt64, QueueItem)] = []
        for (position, id) in candidates {
            guard
                let s = try txn.withValue(expensesDB, key: Array(id.utf8), { v in
                    try v.map { try ExpenseState.decode($0) }
                }), let step = s.currentStep, s.waitingPosition == position
            else { continue }
            // Eligible: never the requester, never someone who decided a step; a person step is theirs.
            guard approverId != s.requesterId, !s.deciders.contains(approverId) else { continue }
            if step.isPerson ? step.approver != approverId : !approver.roles.contains(step.approver) { continue }
            rows.append(
                (
                    position,
                    QueueItem(
                        expenseId: id, requesterId: s.requesterId, amount: MoneyText.amount(s.amount),
                        category: s.category, step: step.name, waitingSince: LogReading.iso(s.waitingSince))
                ))
            if rows.count > params.page.limit { break }
        }
        let more = rows.count > params.page.limit
        if more { rows.removeLast() }
        return Page(rows: rows.map(\.1), next: more ? rows.last.map { PositionCursor.encode($0.0) } : nil)
    }

    private static func collect(
        _ db: Database, _ prefix: String, after: UInt64, _ txn: borrowing Transaction,
        into out: inout [(UInt64, String)]
    ) throws {
        let p = ViewKeys.prefix(prefix)
        try txn.withCursor(db) { c in
            var entry = try c.seek(atLeast: ViewKeys.encode(KeyOrdered(prefix, after &+ 1)))
            while let e = entry, ViewKeys.hasPrefix(e.key, p), e.key.count == p.count + 8 {
                out.append((ViewKeys.trailingNumber(e.key), try ExpenseRef.decode(e.value).expenseId))
                entry = try c.next()
            }
        }
    }

    public static func myExpenses(_ params: ExpensesParams, _ txn: borrowing Transaction, _ context: QueryContext)
        throws -> Page<MyExpense>
    {
        let store = context.store
        let after = try PositionCursor.decode(params.page.after)
        let prefix = ViewKeys.prefix(params.requesterId)
        var refs: [(UInt64, String)] = []
        try txn.withCursor(store.database(byRequester)) { c in
            var entry = try c.seek(atLeast: ViewKeys.encode(KeyOrdered(params.requesterId, after &+ 1)))
            while let e = entry, ViewKeys.hasPrefix(e.key, prefix), e.key.count == prefix.count + 8,
                refs.count <= params.page.limit
            {
                refs.append((ViewKeys.trailingNumber(e.key), try ExpenseRef.decode(e.value).expenseId))
                entry = try c.next()
            }
        }
        let more = refs.count > params.page.limit
        if more { refs.removeLast() }
        let expensesDB = try store.database(expenses)
        var rows: [MyExpense] = []
        for (_, id) in refs {
            guard
                let s = try txn.withValue(expensesDB, key: Array(id.utf8), { v in
                    try v.map { try ExpenseState.decode($0) }
                })
            else { continue }
            let step = s.currentStep
            rows.append(
                MyExpense(
                    expenseId: id, amount: MoneyText.amount(s.amount), category: s.category, status: s.status,
                    step: step?.name, approverId: step.flatMap { $0.isPerson ? $0.approver : nil },
                    role: step.flatMap { $0.isPerson ? nil : $0.approver }, submittedAt: LogReading.iso(s.submittedAt),
                    waitingSince: step.map { _ in LogReading.iso(s.waitingSince) }))
        }
        return Page(rows: rows, next: more ? refs.last.map { PositionCursor.encode($0.0) } : nil)
    }

    /// Whether `employeeId` is below `managerId` through manager links, directly or not, in this
    /// snapshot of the view's org chart — for "their reports".
    public static func isReport(_ employeeId: String, of managerId: String, _ txn: borrowing Transaction,
                                _ context: QueryContext) throws -> Bool {
        let db = try context.store.database(employees)
        var seen: Set<String> = [employeeId]
        var current = try txn.withValue(db, key: Array(employeeId.utf8)) { v in
            try v.flatMap { try EmployeeRecord.decode($0).managerId }
        }
        while let m = current, !seen.contains(m) {
            if m == managerId { return true }
            seen.insert(m)
            current = try txn.withValue(db, key: Array(m.utf8)) { v in try v.flatMap { try EmployeeRecord.decode($0).managerId } }
        }
        return false
    }
}
