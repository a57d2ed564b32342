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
    public static func mayIssue(_ type: CommandType, actor: Actor) -> Bool {
        if actor.isAdmin { return true }
        if actor.isEveryone && everyoneCommands.contains(type) { return true }
        for role in actor.roles {
            switch role {
            case .sales: if salesCommands.contains(type) { return true }
            case .manager: if managerCommands.contains(type) { return true }
            case .finance: if financeCommands.contains(type) { return true }
            case .ceo: if ceoCommands.contains(type) { return true }
            case .warehouse: if warehouseCommands.contains(type) { return true }
            default: continue
            }
        }
        return false
    }

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
