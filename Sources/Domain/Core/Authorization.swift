import IdHashing

/// The role table of CONTRACT §2: which command types, views and log reads a role may use at all.
///
/// This is the first, coarse check (`forbidden` before the data is looked at). The qualifiers —
/// "they own", "their reports", "for themselves", "eligible approver" — are checked by the deciders
/// and the views after the data.
public enum Authorization {
    static let salesCommands: Set<CommandType> = [
        "CaptureLead", "ClaimLead", "ReleaseLead", "LogFollowUp", "ConvertLead", "DisqualifyLead",
        "RegisterCustomer", "OpenOpportunity", "AdvanceStage", "MarkOpportunityLost", "PlaceSalesOrder",
        "CancelOrder",
    ]
    static let managerCommands: Set<CommandType> = salesCommands.union([
        "AssignLead", "RecycleStaleLeads", "ReassignApproval",
    ])
    static let financeCommands: Set<CommandType> = ["PayExpense"]
    static let ceoCommands: Set<CommandType> = ["ReassignApproval"]
    static let warehouseCommands: Set<CommandType> = [
        "RegisterProduct", "RegisterWarehouse", "ReceiveStock", "PlaceSalesOrder", "CancelOrder", "ShipOrder",
        "ReturnGoods", "AdjustStock", "TransferStock",
    ]
    static let everyoneCommands: Set<CommandType> = [
        "SubmitExpense", "WithdrawExpense", "ApproveExpense", "RejectExpense",
    ]

    /// Whether any of the actor's roles (or `everyone`) lists this command type.
    ///
    /// Asked for every command (on the writer, and again before presealing): one look-up of the
    /// type in ``issuers`` and the actor's roles matched by name, where testing the type against a
    /// set per role hashed it up to four times.
    public static func mayIssue(_ type: CommandType, actor: Actor) -> Bool {
        var held: UInt8 = 0
        for role in actor.roles { held |= bit(of: role) }
        if held & adminBit != 0 { return true }
        guard let allowed = issuers[type.rawValue] else { return false }
        // `everyone`: every active employee except one whose only role is `integration`.
        let isEveryone = !(actor.roles.count == 1 && held == integrationBit)
        if isEveryone && allowed & everyoneBit != 0 { return true }
        return held & allowed & ~everyoneBit != 0
    }

    private static let adminBit: UInt8 = 1 << 0
    private static let everyoneBit: UInt8 = 1 << 1
    private static let integrationBit: UInt8 = 1 << 2

    /// The bit of a role that the command table names (or admin, integration); 0 for the others.
    private static func bit(of role: Role) -> UInt8 {
        switch role.rawValue {
        case Role.admin.rawValue: adminBit
        case Role.integration.rawValue: integrationBit
        case Role.sales.rawValue: 1 << 3
        case Role.manager.rawValue: 1 << 4
        case Role.finance.rawValue: 1 << 5
        case Role.ceo.rawValue: 1 << 6
        case Role.warehouse.rawValue: 1 << 7
        default: 0
        }
    }

    /// For each command type, the bits of the roles whose sets above list it (and `everyone`'s).
    /// (By type name, in an ``IdMap``: asked for every command, twice, without SipHash.)
    static let issuers: IdMap<UInt8> = {
        var table: IdMap<UInt8> = [:]
        let sets: [(Set<CommandType>, UInt8)] = [
            (everyoneCommands, everyoneBit), (salesCommands, bit(of: .sales)), (managerCommands, bit(of: .manager)),
            (financeCommands, bit(of: .finance)), (ceoCommands, bit(of: .ceo)), (warehouseCommands, bit(of: .warehouse)),
        ]
        for (types, bit) in sets {
            for type in types { table[type.rawValue, default: 0] |= bit }
        }
        return table
    }()

    /// Whether any of the actor's roles (or `everyone`) lists this view.
    public static func mayQuery(_ view: String, actor: Actor) -> Bool {
        if actor.isAdmin { return true }
        if actor.isEveryone && (view == "approvalQueue" || view == "myExpenses") { return true }
        for role in actor.roles {
            switch role {
            case .ceo, .auditor, .analyst, .integration: return true
            case .sales: if ["customer360", "salesFunnel", "inventory"].contains(view) { return true }
            case .manager:
                if ["customer360", "salesFunnel", "inventory", "myExpenses"].contains(view) { return true }
            case .finance:
                if ["customer360", "salesFunnel", "inventory", "stockLedger", "myExpenses"].contains(view) {
                    return true
                }
            case .warehouse: if ["inventory", "stockLedger", "customer360"].contains(view) { return true }
            default: continue
            }
        }
        return false
    }

    /// `read` and `subscribe`: admin, auditor, analyst, integration.
    public static func mayReadLog(actor: Actor) -> Bool {
        actor.isAdmin || actor.has(.auditor) || actor.has(.analyst) || actor.has(.integration)
    }
}
