import Domain

/// CONTRACT §2's role table for queries, with its qualifiers.
///
/// The coarse check (does any role, or `everyone`, list the view?) is ``Authorization/mayQuery(_:actor:)``
/// and comes before the params; the qualifiers below ("they own", "for themselves", "their reports")
/// come after the data, and a failed one is `forbidden`.
struct ViewAccess: Sendable, Hashable {
    /// Some role lists the view without a qualifier.
    var unrestricted = false
    /// `sales`: `customer360` of customers they own, `salesFunnel` for themselves.
    var ownOnly = false
    /// `manager`: `myExpenses` of their reports.
    var reports = false
    /// `everyone`: `approvalQueue` and `myExpenses` for themselves.
    var selfOnly = false

    static let unrestrictedRoles: [String: Set<Role>] = [
        "customer360": [.manager, .finance, .ceo, .warehouse, .auditor, .analyst, .integration],
        "salesFunnel": [.manager, .finance, .ceo, .auditor, .analyst, .integration],
        "inventory": [.sales, .manager, .finance, .ceo, .warehouse, .auditor, .analyst, .integration],
        "stockLedger": [.finance, .ceo, .warehouse, .auditor, .analyst, .integration],
        "myExpenses": [.finance, .ceo, .auditor, .analyst, .integration],
        "approvalQueue": [.ceo, .auditor, .analyst, .integration],
        "auditTrail": [.ceo, .auditor, .analyst, .integration],
    ]

    /// What the actor may see of `view`; `forbidden` when nothing (checked before the params).
    static func of(_ view: String, actor: Actor) throws -> ViewAccess {
        guard Authorization.mayQuery(view, actor: actor) else {
            throw DomainError.forbidden("\(actor.id) may not query \(view)")
        }
        var access = ViewAccess()
        if actor.isAdmin || !actor.roles.isDisjoint(with: unrestrictedRoles[view] ?? []) { access.unrestricted = true }
        if actor.has(.sales) && (view == "customer360" || view == "salesFunnel") { access.ownOnly = true }
        if actor.has(.manager) && view == "myExpenses" { access.reports = true }
        if actor.isEveryone && (view == "approvalQueue" || view == "myExpenses") { access.selfOnly = true }
        return access
    }

    static func denied(_ actor: Actor, _ what: String) -> DomainError {
        DomainError.forbidden("\(actor.id) may not query \(what)")
    }
}
