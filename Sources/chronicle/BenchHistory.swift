import CommandProcessing
import DemoCompany
import Domain
import JSON

/// A large, plausible company history for benchmarks: leads captured, claimed, followed up and
/// converted; opportunities moving through the stages; stock received, ordered, shipped and
/// returned; expenses through their approval chains — a year of it, with times spread evenly.
///
/// It tracks just enough state to issue mostly valid commands, and learns from each command's
/// result (a rejected one changes nothing).
struct BenchHistory {
    struct Step {
        var request: CommandRequest
        var accepted: (inout BenchHistory) -> Void
    }

    var rng: SplitMix64
    var counter = 0
    var time: Int64
    let millisecondsPerCommand: Int64

    static let reps = (1...60).map { "S-\($0)" }
    static let managers = (1...6).map { "M-\($0)" }
    static let finance = ["F-1", "F-2", "F-3"]
    static let skus = (1...300).map { "P-\($0)" }
    static let warehouses = (1...5).map { "WH-\($0)" }

    var pool = Bag<String, Void>()
    var claimed = Bag<String, String>()
    var customers: [(id: String, owner: String)] = []
    /// Customers someone else registered (the demo company's): queried, never commanded.
    var queryOnlyCustomers: [String] = []
    var open = Bag<String, (owner: String, rank: Int)>()
    var stock: [String: Int] = [:]
    var placed = Bag<String, [(String, Int)]>()
    var shipped = Bag<String, (sku: String, quantity: Int)>()
    var pending = Bag<String, [String]>()

    init(seed: UInt64, start: Int64, millisecondsPerCommand: Int64) {
        rng = SplitMix64(seed: seed)
        time = start
        self.millisecondsPerCommand = millisecondsPerCommand
    }

    static func manager(of rep: String) -> String { managers[(Int(rep.dropFirst(2)) ?? 0) % managers.count] }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
    mutating func chance(_ percent: Int) -> Bool { Int(rng.next() % 100) < percent }
    mutating func id(_ prefix: String) -> String {
        counter += 1
        return prefix + "-" + String(counter)
    }
    mutating func amount(_ range: ClosedRange<Int>) -> JSONValue {
        let cents = int(range)
        let fraction = cents % 100
        return .string("\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)")
    }

    /// Employees, products, warehouses and pool rules (admin and warehouse commands).
    mutating func setup() -> [CommandRequest] {
        var out: [CommandRequest] = []
        func employee(_ id: String, _ roles: [String], _ manager: String?) {
            var d: JSONObject = ["employeeId": .string(id), "name": .string("Employee \(id)"), "roles": .array(roles.map(JSONValue.string))]
            if let manager { d["managerId"] = .string(manager) }
            out.append(CommandRequest(type: "RegisterEmployee", data: .object(d), actorId: "admin"))
        }
        employee("C-1", ["ceo"], nil)
        for m in Self.managers { employee(m, ["manager"], "C-1") }
        for r in Self.reps { employee(r, ["sales"], Self.manager(of: r)) }
        for f in Self.finance { employee(f, ["finance"], nil) }
        employee("W-1", ["warehouse"], nil)
        employee("A-1", ["auditor"], nil)
        out.append(CommandRequest(
            type: "SetLeadPoolRules", data: ["capacity": 100_000, "dailyClaimLimit": 100_000], actorId: "admin"))
        for (i, sku) in Self.skus.enumerated() {
            out.append(CommandRequest(
                type: "RegisterProduct",
                data: ["sku": .string(sku), "name": "Product", "unit": "pc", "reorderPoint": .number(JSONNumber(i % 40))],
                actorId: "W-1"))
        }
        for w in Self.warehouses {
            out.append(CommandRequest(type: "RegisterWarehouse", data: ["warehouseId": .string(w), "name": "Depot"], actorId: "W-1"))
        }
        return out
    }

    /// The latest time a command may carry (a little before now: times are never in the future).
    var latest = Int64.max

    /// The next command, stamped with the next time.
    mutating func next() -> Step {
        time = min(time + millisecondsPerCommand, latest)
        var step = choose()
        step.request.at = Timestamp(milliseconds: time)
        return step
    }

    private mutating func choose() -> Step {
        let roll = int(0...99)
        switch roll {
        case 0..<14:
            let lead = id("L")
            let rep = pick(Self.reps)
            var d: JSONObject = [
                "leadId": .string(lead), "company": .string("Company \(counter % 5000)"), "contactName": "Contact",
                "source": .string(pick(["web", "fair", "referral", "cold call"])),
            ]
            if chance(50) { d["email"] = .string("c\(counter)@example.com") }
            return Step(request: CommandRequest(type: "CaptureLead", data: .object(d), actorId: rep)) { $0.pool.insert(lead, ()) }
        case 14..<26 where !pool.isEmpty:
            let lead = pool.random(&rng).key
            let rep = pick(Self.reps)
            return Step(request: CommandRequest(type: "ClaimLead", data: ["leadId": .string(lead)], actorId: rep)) { h in
                h.pool.remove(lead)
                h.claimed.insert(lead, rep)
            }
        case 26..<34 where !claimed.isEmpty:
            let (lead, rep) = claimed.random(&rng)
            return Step(
                request: CommandRequest(
                    type: "LogFollowUp", data: ["leadId": .string(lead), "channel": "call", "note": "Spoke about needs"],
                    actorId: rep)
            ) { _ in }
        case 34..<44 where !claimed.isEmpty:
            let (lead, rep) = claimed.random(&rng)
            let customer = id("C")
            let opportunity = id("O")
            let outcome = int(0...9)
            if outcome < 7 {
                let d: JSONObject = [
                    "leadId": .string(lead), "customerId": .string(customer), "opportunityId": .string(opportunity),
                    "title": "First deal", "amount": amount(50_000...5_000_000),
                ]
                return Step(request: CommandRequest(type: "ConvertLead", data: .object(d), actorId: rep)) { h in
                    h.claimed.remove(lead)
                    h.customers.append((customer, rep))
                    h.open.insert(opportunity, (rep, 0))
                }
            } else if outcome < 9 {
                return Step(
                    request: CommandRequest(type: "ReleaseLead", data: ["leadId": .string(lead), "reason": "no time"], actorId: rep)
                ) { h in
                    h.claimed.remove(lead)
                    h.pool.insert(lead, ())
                }
            } else {
                return Step(
                    request: CommandRequest(
                        type: "DisqualifyLead", data: ["leadId": .string(lead), "reason": "no budget"], actorId: rep)
                ) { h in h.claimed.remove(lead) }
            }
        case 44..<54 where !open.isEmpty:
            let (opportunity, (owner, rank)) = open.random(&rng)
            if chance(12) {
                return Step(
                    request: CommandRequest(
                        type: "MarkOpportunityLost", data: ["opportunityId": .string(opportunity), "reason": "price"],
                        actorId: owner)
                ) { h in h.open.remove(opportunity) }
            }
            let target = min(4, rank + int(1...2))
            let stage = ["discovery", "qualification", "proposal", "negotiation", "won"][target]
            return Step(
                request: CommandRequest(
                    type: "AdvanceStage", data: ["opportunityId": .string(opportunity), "stage": .string(stage)], actorId: owner)
            ) { h in
                if target == 4 { h.open.remove(opportunity) } else { h.open.insert(opportunity, (owner, target)) }
            }
        case 54..<58 where !customers.isEmpty:
            let (customer, owner) = pick(customers)
            let opportunity = id("O")
            return Step(
                request: CommandRequest(
                    type: "OpenOpportunity",
                    data: ["opportunityId": .string(opportunity), "customerId": .string(customer), "title": "Upsell", "amount": amount(10_000...900_000)],
                    actorId: owner)
            ) { h in h.open.insert(opportunity, (owner, 0)) }
        case 58..<64:
            let sku = pick(Self.skus)
            let w = pick(Self.warehouses)
            let q = int(20...200)
            return Step(
                request: CommandRequest(
                    type: "ReceiveStock",
                    data: [
                        "receiptId": .string(id("R")), "sku": .string(sku), "warehouseId": .string(w),
                        "quantity": .number(JSONNumber(q)), "unitCost": .string("\(int(1...500)).\(int(1000...9999))"),
                    ], actorId: "W-1")
            ) { h in h.stock[sku + "@" + w, default: 0] += q }
        case 64..<72 where !customers.isEmpty:
            let (customer, owner) = pick(customers)
            let w = pick(Self.warehouses)
            var lines: [(String, Int)] = []
            for _ in 0..<int(1...3) {
                let sku = pick(Self.skus)
                let q = int(1...5)
                if (stock[sku + "@" + w] ?? 0) >= q, !lines.contains(where: { $0.0 == sku }) { lines.append((sku, q)) }
            }
            guard !lines.isEmpty else { return choose() }
            let order = id("SO")
            let json: [JSONValue] = lines.map {
                ["sku": .string($0.0), "quantity": .number(JSONNumber($0.1)), "unitPrice": amount(1_000...90_000)]
            }
            return Step(
                request: CommandRequest(
                    type: "PlaceSalesOrder",
                    data: ["orderId": .string(order), "customerId": .string(customer), "warehouseId": .string(w), "lines": .array(json)],
                    actorId: owner)
            ) { h in
                for (sku, q) in lines { h.stock[sku + "@" + w, default: 0] -= q }
                h.placed.insert(order, lines)
            }
        case 72..<79 where !placed.isEmpty:
            let (order, lines) = placed.random(&rng)
            placed.remove(order)
            if chance(10) {
                return Step(
                    request: CommandRequest(type: "CancelOrder", data: ["orderId": .string(order), "reason": "changed"], actorId: "W-1")
                ) { _ in }
            }
            return Step(request: CommandRequest(type: "ShipOrder", data: ["orderId": .string(order)], actorId: "W-1")) { h in
                if let (sku, q) = lines.first { h.shipped.insert(order, (sku, q)) }
            }
        case 79..<80 where !shipped.isEmpty:
            let (order, (sku, q)) = shipped.random(&rng)
            shipped.remove(order)
            return Step(
                request: CommandRequest(
                    type: "ReturnGoods",
                    data: ["returnId": .string(id("RT")), "orderId": .string(order), "lines": [["sku": .string(sku), "quantity": .number(JSONNumber(q))]]],
                    actorId: "W-1")
            ) { _ in }
        case 80..<84:
            let requester = pick(Self.reps)
            let expense = id("X")
            var d: JSONObject = [
                "expenseId": .string(expense), "amount": amount(1_000...400_000), "category": "travel",
                "description": "Customer visit",
            ]
            if chance(40), !customers.isEmpty { d["customerId"] = .string(pick(customers).id) }
            let approvers = [Self.manager(of: requester), pick(Self.finance)]
            return Step(request: CommandRequest(type: "SubmitExpense", data: .object(d), actorId: requester)) { h in
                h.pending.insert(expense, approvers)
            }
        case 84..<90 where !pending.isEmpty:
            let (expense, approvers) = pending.random(&rng)
            let approver = approvers[0]
            if chance(5) {
                return Step(
                    request: CommandRequest(type: "RejectExpense", data: ["expenseId": .string(expense), "reason": "no"], actorId: approver)
                ) { h in h.pending.remove(expense) }
            }
            return Step(request: CommandRequest(type: "ApproveExpense", data: ["expenseId": .string(expense)], actorId: approver)) { h in
                guard var rest = h.pending[expense] else { return }
                rest.removeFirst()
                if rest.isEmpty { h.pending.remove(expense) } else { h.pending.insert(expense, rest) }
            }
        default:
            guard !customers.isEmpty else { return choose() }
            let (customer, owner) = pick(customers)
            return Step(
                request: CommandRequest(
                    type: "LogFollowUp", data: ["customerId": .string(customer), "channel": "email", "note": "Sent an offer"],
                    actorId: owner)
            ) { _ in }
        }
    }
}

/// Keys with values, picked at random and removed in O(1).
struct Bag<Key: Hashable, Value> {
    private var keys: [Key] = []
    private var values: [Key: (index: Int, value: Value)] = [:]

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    subscript(key: Key) -> Value? { values[key]?.value }

    mutating func insert(_ key: Key, _ value: Value) {
        if let existing = values[key] {
            values[key] = (existing.index, value)
        } else {
            values[key] = (keys.count, value)
            keys.append(key)
        }
    }

    mutating func remove(_ key: Key) {
        guard let (i, _) = values.removeValue(forKey: key) else { return }
        let last = keys.removeLast()
        if i < keys.count {
            keys[i] = last
            values[last]!.index = i
        }
    }

    func random(_ rng: inout SplitMix64) -> (key: Key, value: Value) {
        let key = keys[Int(rng.next() % UInt64(keys.count))]
        return (key, values[key]!.value)
    }
}

