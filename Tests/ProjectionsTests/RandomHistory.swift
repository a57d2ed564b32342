import CommandProcessing
import DemoCompany
import Domain
import JSON

/// Random but mostly valid commands for a small company, chosen against the processor's current
/// state so that most are accepted (rejections are fine: they write nothing).
struct RandomHistory {
    var rng: SplitMix64
    var counter = 0

    static let managers = ["M-1", "M-2"]
    static let sales = ["S-1", "S-2", "S-3", "S-4"]
    static let finance = ["F-1", "F-2"]
    static let warehouse = ["W-1"]
    static let everyone = managers + sales + finance + ["C-0", "A-1"] + warehouse
    static let skus = ["P-1", "P-2", "P-3"]
    static let warehouses = ["WH-1", "WH-2"]

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// The company's employees, products and warehouses.
    static func setup() -> [(String, String, JSONObject)] {
        var out: [(String, String, JSONObject)] = []
        func employee(_ id: String, _ roles: [String], _ manager: String?) {
            var d: JSONObject = ["employeeId": .string(id), "name": .string("N \(id)"), "roles": .array(roles.map(JSONValue.string))]
            if let manager { d["managerId"] = .string(manager) }
            out.append(("admin", "RegisterEmployee", d))
        }
        employee("C-0", ["ceo"], nil)
        employee("M-1", ["manager"], "C-0")
        employee("M-2", ["manager", "sales"], "M-1")
        employee("S-1", ["sales"], "M-1")
        employee("S-2", ["sales"], "M-1")
        employee("S-3", ["sales"], "M-2")
        employee("S-4", ["sales"], "M-2")
        employee("F-1", ["finance"], nil)
        employee("F-2", ["finance"], "C-0")
        employee("W-1", ["warehouse"], nil)
        employee("A-1", ["auditor"], nil)
        for (i, sku) in skus.enumerated() {
            out.append(("W-1", "RegisterProduct", ["sku": .string(sku), "name": "p", "unit": "pc", "reorderPoint": .number(JSONNumber(i * 5))]))
        }
        for w in warehouses { out.append(("W-1", "RegisterWarehouse", ["warehouseId": .string(w), "name": "w"])) }
        out.append(("admin", "SetLeadPoolRules", ["capacity": 5, "dailyClaimLimit": 4, "recycleAfterDays": 3]))
        return out
    }

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func fresh(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }
    mutating func money(_ range: ClosedRange<Int>) -> JSONValue {
        let cents = Int.random(in: range, using: &rng)
        return .string("\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)")
    }

    /// Someone who may act for `owner`: usually the owner, sometimes a manager or someone else.
    mutating func actorFor(_ owner: String?) -> String {
        if let owner, chance(0.8) { return owner }
        return pick(Self.managers + Self.sales) ?? "S-1"
    }

    /// The next command (actor, type, data) against `state`.
    mutating func next(_ state: CompanyState) -> (String, String, JSONObject) {
        let leads = state.crm.leads.values.sorted { $0.id < $1.id }
        let customers = state.crm.customers.values.sorted { $0.id < $1.id }
        let opportunities = state.crm.opportunities.values.sorted { $0.id < $1.id }
        let expenses = state.oa.expenses.values.sorted { $0.id < $1.id }
        let orders = state.erp.orders.values.sorted { $0.id < $1.id }
        let roll = Int.random(in: 0..<100, using: &rng)
        switch roll {
        case 0..<10:
            var d: JSONObject = [
                "leadId": .string(fresh("L")), "company": .string("Co \(counter % 7)"), "contactName": "Pat",
                "source": .string(pick(["web", "fair", "referral"])!),
            ]
            if chance(0.5) { d["email"] = .string("pat@co\(counter % 5).example") }
            if chance(0.3) { d["estimatedValue"] = money(10_000...500_000) }
            return (pick(Self.sales)!, "CaptureLead", d)
        case 10..<18:
            let pool = leads.filter { $0.status == .pool }
            guard let l = pick(pool) else { return next(state) }
            return (pick(Self.sales)!, "ClaimLead", ["leadId": .string(l.id)])
        case 18..<20:
            guard let l = pick(leads.filter { $0.status == .pool }) else { return next(state) }
            let manager = pick(Self.managers)!
            return (manager, "AssignLead", ["leadId": .string(l.id), "repId": .string(pick(Self.sales)!)])
        case 20..<22:
            guard let l = pick(leads.filter { $0.status == .claimed }) else { return next(state) }
            return (actorFor(l.ownerId), "ReleaseLead", ["leadId": .string(l.id), "reason": "busy"])
        case 22..<25:
            guard let l = pick(leads.filter { $0.status == .claimed }) else { return next(state) }
            return (actorFor(l.ownerId), "LogFollowUp", ["leadId": .string(l.id), "channel": "call", "note": .string("n\(counter)")])
        case 25..<28:
            guard let c = pick(customers) else { return next(state) }
            return (actorFor(c.ownerId), "LogFollowUp", ["customerId": .string(c.id), "channel": "visit", "note": "v"])
        case 28..<33:
            guard let l = pick(leads.filter { $0.status == .claimed }) else { return next(state) }
            var d: JSONObject = ["leadId": .string(l.id), "customerId": .string(fresh("C"))]
            if chance(0.6) {
                d["opportunityId"] = .string(fresh("O"))
                d["title"] = "deal"
                d["amount"] = money(10_000...2_000_000)
                if chance(0.5) { d["expectedClose"] = "2026-12-31" }
            }
            return (actorFor(l.ownerId), "ConvertLead", d)
        case 33..<34:
            guard let l = pick(leads.filter { !$0.status.isFinal }) else { return next(state) }
            return (l.ownerId ?? pick(Self.managers)!, "DisqualifyLead", ["leadId": .string(l.id), "reason": "no budget"])
        case 34..<36:
            return (pick(Self.sales)!, "RegisterCustomer", ["customerId": .string(fresh("C")), "name": "Direct"])
        case 36..<40:
            guard let c = pick(customers) else { return next(state) }
            return (
                actorFor(c.ownerId), "OpenOpportunity",
                ["opportunityId": .string(fresh("O")), "customerId": .string(c.id), "title": "t", "amount": money(5_000...900_000)]
            )
        case 40..<47:
            guard let o = pick(opportunities.filter { !$0.isClosed }) else { return next(state) }
            let stage = pick(["discovery", "qualification", "proposal", "negotiation", "won", "negotiation", "proposal"])!
            var d: JSONObject = ["opportunityId": .string(o.id), "stage": .string(stage)]
            if chance(0.5) { d["reason"] = "rethink" }
            return (actorFor(o.ownerId), "AdvanceStage", d)
        case 47..<49:
            guard let o = pick(opportunities.filter { !$0.isClosed }) else { return next(state) }
            return (actorFor(o.ownerId), "MarkOpportunityLost", ["opportunityId": .string(o.id), "reason": "price"])
        case 49..<54:
            var d: JSONObject = [
                "expenseId": .string(fresh("X")), "amount": money(1_000...900_000), "category": "travel", "description": "d",
            ]
            if chance(0.4), let c = pick(customers) { d["customerId"] = .string(c.id) }
            return (pick(Self.everyone)!, "SubmitExpense", d)
        case 54..<61:
            guard let x = pick(expenses.filter { $0.status == .pending }), let step = x.currentStep else { return next(state) }
            let approver: String
            switch step.approver {
            case .person(let id): approver = chance(0.9) ? id : pick(Self.everyone)!
            case .role(let role):
                approver = pick(state.org.activeEmployees(withRole: role).map(\.id).filter { $0 != x.requesterId }) ?? "F-1"
            }
            if chance(0.85) { return (approver, "ApproveExpense", ["expenseId": .string(x.id)]) }
            return (approver, "RejectExpense", ["expenseId": .string(x.id), "reason": "no"])
        case 61..<62:
            guard let x = pick(expenses.filter { $0.status == .pending }) else { return next(state) }
            return (x.requesterId, "WithdrawExpense", ["expenseId": .string(x.id)])
        case 62..<63:
            guard let x = pick(expenses.filter { $0.status == .pending }) else { return next(state) }
            return ("C-0", "ReassignApproval", ["expenseId": .string(x.id), "approverId": .string(pick(Self.managers)!), "reason": "away"])
        case 63..<66:
            guard let x = pick(expenses.filter { $0.status == .approved }) else { return next(state) }
            return (pick(Self.finance)!, "PayExpense", ["expenseId": .string(x.id)])
        case 66..<72:
            return (
                "W-1", "ReceiveStock",
                [
                    "receiptId": .string(fresh("R")), "sku": .string(pick(Self.skus)!), "warehouseId": .string(pick(Self.warehouses)!),
                    "quantity": .number(JSONNumber(Int.random(in: 1...40, using: &rng))),
                    "unitCost": .string("\(Int.random(in: 1...90, using: &rng)).\(Int.random(in: 1000...9999, using: &rng))"),
                ]
            )
        case 72..<78:
            guard let c = pick(customers) else { return next(state) }
            let skus = Array(Self.skus.shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng)))
            let lines: [JSONValue] = skus.map {
                ["sku": .string($0), "quantity": .number(JSONNumber(Int.random(in: 1...6, using: &rng))), "unitPrice": money(100...50_000)]
            }
            var d: JSONObject = [
                "orderId": .string(fresh("SO")), "customerId": .string(c.id), "warehouseId": .string(pick(Self.warehouses)!),
                "lines": .array(lines),
            ]
            if chance(0.3), let o = pick(opportunities.filter { $0.customerId == c.id }) { d["opportunityId"] = .string(o.id) }
            return (chance(0.5) ? "W-1" : actorFor(c.ownerId), "PlaceSalesOrder", d)
        case 78..<83:
            guard let o = pick(orders.filter { $0.status == .open }) else { return next(state) }
            return ("W-1", "ShipOrder", ["orderId": .string(o.id)])
        case 83..<85:
            guard let o = pick(orders.filter { $0.status == .open }) else { return next(state) }
            return ("W-1", "CancelOrder", ["orderId": .string(o.id), "reason": "changed mind"])
        case 85..<87:
            guard let o = pick(orders.filter { $0.status == .shipped }), let line = pick(o.lines.filter { $0.returnable > 0 })
            else { return next(state) }
            return (
                "W-1", "ReturnGoods",
                [
                    "returnId": .string(fresh("RT")), "orderId": .string(o.id),
                    "lines": [["sku": .string(line.sku), "quantity": .number(JSONNumber(Int.random(in: 1...line.returnable, using: &rng)))]],
                ]
            )
        case 87..<89:
            let sku = pick(Self.skus)!
            let w = pick(Self.warehouses)!
            let level = state.erp.level(sku: sku, warehouseId: w)
            return (
                "W-1", "AdjustStock",
                [
                    "adjustmentId": .string(fresh("A")), "sku": .string(sku), "warehouseId": .string(w),
                    "countedQuantity": .number(JSONNumber(level.reserved + Int.random(in: 0...10, using: &rng))), "reason": "count",
                ]
            )
        case 89..<91:
            return (
                "W-1", "TransferStock",
                [
                    "transferId": .string(fresh("T")), "sku": .string(pick(Self.skus)!), "fromWarehouseId": "WH-1",
                    "toWarehouseId": "WH-2", "quantity": .number(JSONNumber(Int.random(in: 1...5, using: &rng))),
                ]
            )
        case 91..<93:
            return (pick(Self.managers)!, "RecycleStaleLeads", [:])
        case 93..<94:
            let who = pick(Self.sales)!
            return ("admin", "UpdateEmployee", ["employeeId": .string(who), "managerId": .string(pick(Self.managers)!)])
        case 94..<95:
            return ("admin", "SetApprovalPolicy", ["ceoThreshold": money(100_000...900_000)])
        default:
            guard let c = pick(customers) else { return next(state) }
            return (actorFor(c.ownerId), "LogFollowUp", ["customerId": .string(c.id), "channel": "email", "note": "e"])
        }
    }
}

