import IdHashing
import JSON

/// The entries of the company's large tables a command's decision will look up, named from its data
/// ahead of deciding (``CompanyState/lookUps(of:)``), so that the writer can ask the CPU for them
/// (``CompanyState/prefetch(_:)``) while it decides the commands before it.
///
/// Those tables grow with the company's history — a lead, a customer, an order per command — and are
/// far larger than the CPU's caches: looking an entry up waited for memory, once per table per
/// command, on the one thread that decides. Asked for a few commands ahead, the waits overlap.
///
/// Only a hint: a look-up named here that the decision never makes, or one it makes that is not
/// named here, changes no decision.
public struct StateLookUps: Sendable {
    /// The tables named by the contract's id fields (`leadId`, `customerId`, …).
    enum Table: UInt8, Sendable {
        case leads, customers, opportunities, orders, expenses
    }

    /// At most three: a command names at most three entries of these tables (`ConvertLead`: a
    /// lead, a customer and an opportunity). Kept inline — an array would be an allocation per
    /// command, freed by the writer.
    private var first: (Table, IdKey)?
    private var second: (Table, IdKey)?
    private var third: (Table, IdKey)?

    /// None.
    public init() {}

    mutating func add(_ table: Table, _ id: String) {
        let entry = (table, IdKey(id))
        if first == nil { first = entry } else if second == nil { second = entry } else if third == nil { third = entry }
    }

    /// How many are named.
    public var count: Int { (first == nil ? 0 : 1) + (second == nil ? 0 : 1) + (third == nil ? 0 : 1) }

    func forEach(_ body: ((Table, IdKey)) -> Void) {
        if let first { body(first) }
        if let second { body(second) }
        if let third { body(third) }
    }
}

extension StateLookUps: CustomStringConvertible {
    /// `table:id` for each, in the order named: `leads:L-1 customers:C-1`.
    public var description: String {
        var parts: [String] = []
        forEach { table, key in parts.append("\(table):\(key.id)") }
        return parts.joined(separator: " ")
    }
}

extension CompanyState {
    /// The entries `command`'s decision will look up in the large tables: every id field of its data
    /// that names one (the contract names them alike in every command: `leadId`, `customerId`,
    /// `opportunityId`, `orderId`, `expenseId`). Pure and cheap: one pass over the data's members,
    /// on any thread, before the writer decides.
    public static func lookUps(of command: Command) -> StateLookUps {
        var lookUps = StateLookUps()
        guard case .object(let data) = command.data else { return lookUps }
        for member in data.members {
            guard case .string(let id) = member.value else { continue }
            switch member.key {
            case "leadId": lookUps.add(.leads, id)
            case "customerId": lookUps.add(.customers, id)
            case "opportunityId": lookUps.add(.opportunities, id)
            case "orderId": lookUps.add(.orders, id)
            case "expenseId": lookUps.add(.expenses, id)
            default: continue
            }
        }
        return lookUps
    }

    /// Asks the CPU for the entries `lookUps` names (where each is, or would be inserted): a hint
    /// that changes nothing.
    public func prefetch(_ lookUps: borrowing StateLookUps) {
        lookUps.forEach { table, key in
            switch table {
            case .leads: crm.leads.prefetch(key)
            case .customers: crm.customers.prefetch(key)
            case .opportunities: crm.opportunities.prefetch(key)
            case .orders: erp.orders.prefetch(key)
            case .expenses: oa.expenses.prefetch(key)
            }
        }
    }
}
