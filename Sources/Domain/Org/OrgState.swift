import IdHashing
import JSON

/// An employee as the deciders see it.
public struct Employee: Sendable, Hashable {
    public var id: String
    public var name: String
    public var roles: Set<Role>
    public var managerId: String?
    public var active: Bool

    public init(id: String, name: String, roles: Set<Role>, managerId: String?, active: Bool = true) {
        self.id = id
        self.name = name
        self.roles = roles
        self.managerId = managerId
        self.active = active
    }
}

/// The lead pool's rules in force (CONTRACT §3, `SetLeadPoolRules`).
public struct LeadPoolRules: Sendable, Hashable {
    public var capacity = 20
    public var dailyClaimLimit = 10
    public var reclaimLockDays = 7
    public var recycleAfterDays = 14
    public var timeZone = "UTC"

    public init() {}
}

/// The approval policy in force (CONTRACT §3, `SetApprovalPolicy`).
public struct ApprovalPolicy: Sendable, Hashable {
    public var ceoThreshold = Money(units: 5000 * Money.scale)
    /// Employee id → the amount up to which they need no CEO step.
    public var exemptions: [String: Money] = [:]
    /// Position of the `ApprovalPolicySet` event in force, 0 for the defaults.
    public var position: UInt64 = 0

    public init() {}

    /// The amount above which `employeeId`'s expenses need the CEO.
    public func threshold(for employeeId: String) -> Money { exemptions[employeeId] ?? ceoThreshold }
}

/// The organisation: employees, the org chart, and the policies in force.
public struct OrgState: Sendable {
    /// Changed only through ``put(_:)``, which keeps ``activeHolders`` in step.
    public private(set) var employees: IdMap<Employee> = [:]
    /// How many active employees hold each role: whether an expense has an eligible finance or CEO
    /// approver is asked for every submission, and scanning every employee for it was a tenth of
    /// deciding one.
    private var activeHolders: [Role: Int] = [:]
    public var leadPoolRules = LeadPoolRules()
    public var approvalPolicy = ApprovalPolicy()

    public init() {}

    public func employee(_ id: String) -> Employee? { employees[id] }

    /// Registers an employee or replaces one.
    mutating func put(_ employee: Employee) {
        if let old = employees[employee.id], old.active {
            for role in old.roles { activeHolders[role, default: 0] -= 1 }
        }
        employees[employee.id] = employee
        if employee.active {
            for role in employee.roles { activeHolders[role, default: 0] += 1 }
        }
    }

    /// Whether an active employee other than `employeeId` holds `role`.
    public func hasActiveHolder(of role: Role, besides employeeId: String) -> Bool {
        let holders = activeHolders[role] ?? 0
        if let e = employees[employeeId], e.active, e.roles.contains(role) { return holders > 1 }
        return holders > 0
    }

    /// The actor for an employee id: its roles if it is registered and active, else nil.
    public func actor(for employeeId: String) -> Actor? {
        guard let e = employees[employeeId], e.active else { return nil }
        return Actor(id: e.id, roles: e.roles)
    }

    /// Whether `employeeId` is below `managerId` through `managerId` links, directly or not.
    public func isReport(_ employeeId: String, of managerId: String) -> Bool {
        var current = employees[employeeId]?.managerId
        var seen: Set<String> = [employeeId]
        while let m = current, !seen.contains(m) {
            if m == managerId { return true }
            seen.insert(m)
            current = employees[m]?.managerId
        }
        return false
    }

    /// Whether `actor` may act on something owned by `ownerId`: the owner themselves, an admin,
    /// or a manager above the owner.
    public func actsFor(_ actor: Actor, owner ownerId: String) -> Bool {
        if actor.id == ownerId || actor.isAdmin { return true }
        return actor.has(.manager) && isReport(ownerId, of: actor.id)
    }

    /// Active employees holding `role`, in id order.
    public func activeEmployees(withRole role: Role) -> [Employee] {
        employees.values.filter { $0.active && $0.roles.contains(role) }.sorted { $0.id < $1.id }
    }
}
