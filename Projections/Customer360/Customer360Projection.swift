import LMDB
import ProjectionRuntime

/// The `customer360` view: one customer at a glance — profile and owner, originating lead,
/// opportunities, orders with their shipments and returns, linked expenses, totals, last contact
/// and a timeline (CONTRACT §4).
///
/// Kept here: the customer, its opportunities, orders and expenses, each under its own key. Kept by
/// reference and read from the log at query time: the originating lead (its contact's name is
/// personal data, CONTRACT §8) and the timeline (the log's tag index already lists a customer's
/// events).
public enum Customer360 {
    public static let name = "customer360"
    static let customers = "customer360.customers"
    static let opportunities = "customer360.opportunities"
    static let orders = "customer360.orders"
    static let expenses = "customer360.expenses"

    public static let eventTypes: Set<String> = [
        "CustomerRegistered", "FollowUpLogged", "OpportunityOpened", "OpportunityStageAdvanced", "OpportunityWon",
        "OpportunityLost", "SalesOrderPlaced", "StockShipped", "OrderShipped", "StockReturned", "OrderCancelled",
        "ExpenseSubmitted", "ExpenseApproved", "ExpenseRejected", "ExpenseWithdrawn", "ExpensePaid",
    ]

    public static let projection = Projection(
        name: name, version: 1, views: [name], eventTypes: eventTypes,
        databases: [DatabaseSpec(customers), DatabaseSpec(opportunities), DatabaseSpec(orders), DatabaseSpec(expenses)],
        rebuildWeight: 20
    ) { context in try Customer360Projector(context) }
}

final class Customer360Projector: Projector {
    let customers: ViewTable<String, CustomerRecord>
    let opportunities: ViewTable<KeyPair, OpportunityRecord>
    let orders: ViewTable<KeyPair, OrderRecord>
    let expenses: ViewTable<KeyPair, ExpenseRecord>

    init(_ context: ProjectorContext) throws {
        customers = try context.table(Customer360.customers)
        opportunities = try context.table(Customer360.opportunities)
        orders = try context.table(Customer360.orders)
        expenses = try context.table(Customer360.expenses)
    }

    func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
        let d = e.payload
        switch e.type {
        case "CustomerRegistered":
            guard let id = d.string("customerId"), let owner = d.string("ownerId") else { return }
            let existing = try customers.get(id, txn)
            var record = CustomerRecord(
                name: d.string("name") ?? "", ownerId: owner, leadId: d.string("leadId"), registeredAt: e.at,
                registeredPosition: e.position)
            if let existing {
                // Totals of anything recorded before (never happens with the deciders' order of events).
                record.wonAmount = existing.wonAmount
                record.openPipeline = existing.openPipeline
                record.weightedPipeline = existing.weightedPipeline
                record.approvedExpenses = existing.approvedExpenses
                record.lastContactAt = existing.lastContactAt
            }
            customers.put(id, record)

        case "FollowUpLogged":
            guard let id = d.string("customerId") else { return }
            try customers.update(id, txn) { $0?.lastContactAt = e.at }

        case "OpportunityOpened":
            guard let customer = d.string("customerId"), let id = d.string("opportunityId") else { return }
            let stage = d.string("stage") ?? "discovery"
            let record = OpportunityRecord(
                title: d.string("title") ?? "", stage: stage, amount: d.money("amount") ?? 0,
                probability: d.int("probability") ?? 10, expectedClose: d.string("expectedClose"), openedAt: e.at,
                openedPosition: e.position)
            try changeOpportunity(customer, id, txn) { $0 = record }

        case "OpportunityStageAdvanced":
            guard let customer = d.string("customerId"), let id = d.string("opportunityId"), let to = d.string("to")
            else { return }
            let probability = d.int("probability")
            try changeOpportunity(customer, id, txn) { o in
                o?.stage = to
                if let probability { o?.probability = probability }
            }

        case "OpportunityWon":
            guard let customer = d.string("customerId"), let id = d.string("opportunityId") else { return }
            let amount = d.money("amount")
            try changeOpportunity(customer, id, txn) { o in
                o?.stage = "won"
                o?.probability = 100
                if let amount { o?.amount = amount }
            }

        case "OpportunityLost":
            guard let customer = d.string("customerId"), let id = d.string("opportunityId") else { return }
            try changeOpportunity(customer, id, txn) { o in
                o?.stage = "lost"
                o?.probability = 0
            }

        case "SalesOrderPlaced":
            guard let customer = d.string("customerId"), let id = d.string("orderId") else { return }
            var lines: [LineRecord] = []
            d.forEach("lines") { line in
                if let sku = line.string("sku"), let q = line.int("quantity") {
                    lines.append(LineRecord(sku: sku, quantity: q, money: line.money("unitPrice") ?? 0))
                }
            }
            orders.put(
                KeyPair(customer, id),
                OrderRecord(
                    status: "open", total: d.money("total") ?? 0, placedAt: e.at, placedPosition: e.position,
                    warehouseId: d.string("warehouseId") ?? "", opportunityId: d.string("opportunityId"), lines: lines))

        case "StockShipped":
            guard let customer = e.tag("customer"), let id = d.string("orderId"), let sku = d.string("sku"),
                let quantity = d.int("quantity")
            else { return }
            let line = LineRecord(sku: sku, quantity: quantity, money: d.money("unitCost") ?? 0)
            try orders.update(KeyPair(customer, id), txn) { o in
                guard o != nil else { return }
                if let last = o!.shipments.indices.last, o!.shipments[last].at == e.at, o!.status == "open" {
                    o!.shipments[last].lines.append(line)
                } else {
                    o!.shipments.append(MovementRecord(id: nil, at: e.at, lines: [line]))
                }
            }

        case "OrderShipped", "OrderCancelled":
            guard let customer = d.string("customerId") ?? e.tag("customer"), let id = d.string("orderId") else {
                return
            }
            let status = e.type == "OrderShipped" ? "shipped" : "cancelled"
            try orders.update(KeyPair(customer, id), txn) { $0?.status = status }

        case "StockReturned":
            guard let customer = d.string("customerId") ?? e.tag("customer"), let id = d.string("orderId"),
                let sku = d.string("sku"), let quantity = d.int("quantity")
            else { return }
            let returnId = d.string("returnId")
            let line = LineRecord(sku: sku, quantity: quantity, money: d.money("unitCost") ?? 0)
            try orders.update(KeyPair(customer, id), txn) { o in
                guard o != nil else { return }
                if let i = o!.returns.lastIndex(where: { $0.id == returnId }) {
                    o!.returns[i].lines.append(line)
                } else {
                    o!.returns.append(MovementRecord(id: returnId, at: e.at, lines: [line]))
                }
            }

        case "ExpenseSubmitted":
            guard let customer = d.string("customerId"), let id = d.string("expenseId") else { return }
            let record = ExpenseRecord(
                amount: d.money("amount") ?? 0, status: "pending", requesterId: d.string("requesterId") ?? e.actor,
                category: d.string("category") ?? "", submittedAt: e.at, submittedPosition: e.position)
            try changeExpense(customer, id, txn) { $0 = record }

        case "ExpenseApproved", "ExpenseRejected", "ExpenseWithdrawn", "ExpensePaid":
            guard let customer = e.tag("customer"), let id = d.string("expenseId") else { return }
            let status =
                switch e.type {
                case "ExpenseApproved": "approved"
                case "ExpenseRejected": "rejected"
                case "ExpenseWithdrawn": "withdrawn"
                default: "paid"
                }
            try changeExpense(customer, id, txn) { $0?.status = status }

        default:
            return
        }
    }

    /// Changes an opportunity and moves the customer's totals by the difference it makes.
    private func changeOpportunity(
        _ customer: String, _ id: String, _ txn: borrowing Transaction, _ body: (inout OpportunityRecord?) -> Void
    ) throws {
        let (before, after) = try opportunities.update(KeyPair(customer, id), txn) { o in
            let before = o.map(Self.contribution)
            body(&o)
            return (before, o.map(Self.contribution))
        }
        let b = before ?? (0, 0, 0)
        let a = after ?? (0, 0, 0)
        guard a != b else { return }
        try customers.update(customer, txn) { c in
            c?.wonAmount += a.won - b.won
            c?.openPipeline += a.open - b.open
            c?.weightedPipeline += a.weighted - b.weighted
        }
    }

    /// What an opportunity adds to its customer's totals: won amount, open pipeline, weighted pipeline.
    static func contribution(_ o: OpportunityRecord) -> (won: Int128, open: Int128, weighted: Int128) {
        if o.stage == "won" { return (Int128(o.amount), 0, 0) }
        if o.stage == "lost" { return (0, 0, 0) }
        return (0, Int128(o.amount), Int128(o.amount) * Int128(o.probability) / 100)
    }

    private func changeExpense(
        _ customer: String, _ id: String, _ txn: borrowing Transaction, _ body: (inout ExpenseRecord?) -> Void
    ) throws {
        let (before, after) = try expenses.update(KeyPair(customer, id), txn) { x in
            let before: Int128 = x.map { $0.isApproved ? Int128($0.amount) : 0 } ?? 0
            body(&x)
            return (before, x.map { $0.isApproved ? Int128($0.amount) : 0 } ?? 0)
        }
        guard before != after else { return }
        try customers.update(customer, txn) { $0?.approvedExpenses += after - before }
    }
}
